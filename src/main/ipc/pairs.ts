// Post pairs through their workflow. Every change wakes the publisher and tells each client of the
// pair, if the person signed in there may see it (the event scope in app.ts).
import type { HandlersOf } from './handlers';
import type { Services } from './services';
import { signedIn } from '../services/context';

type PairMethods =
  | 'pairs.list'
  | 'pairs.create'
  | 'pairs.update'
  | 'pairs.requestTranslation'
  | 'pairs.submitForReview'
  | 'pairs.approve'
  | 'pairs.reject'
  | 'pairs.schedule'
  | 'pairs.cancel'
  | 'pairs.retry'
  | 'pairs.release'
  | 'pairs.metrics';

export function pairHandlers({
  pairs,
  users,
  metrics,
  publisher,
  events,
}: Pick<Services, 'pairs' | 'users' | 'metrics' | 'publisher' | 'events'>): HandlersOf<PairMethods> {
  function changed<T extends { id: string }>(pair: T): T {
    publisher.wake();
    events.emit('pairs.changed', { pairIds: [pair.id] });
    return pair;
  }
  return {
    'pairs.list': (ctx, input) => pairs.list(input?.limit, users.visibleChannels(signedIn(ctx))),
    'pairs.create': (ctx, input) => changed(pairs.create(ctx, input)),
    'pairs.update': (ctx, input) => changed(pairs.update(ctx, input)),
    'pairs.requestTranslation': (ctx, input) => changed(pairs.requestTranslation(ctx, input)),
    'pairs.submitForReview': (ctx, input) => changed(pairs.submitForReview(ctx, input)),
    'pairs.approve': (ctx, input) => changed(pairs.approve(ctx, input)),
    'pairs.reject': (ctx, input) => changed(pairs.reject(ctx, input)),
    'pairs.schedule': (ctx, input) => changed(pairs.schedule(ctx, input)),
    'pairs.cancel': (ctx, input) => changed(pairs.cancel(ctx, input.id)),
    'pairs.retry': (ctx, input) => changed(pairs.retry(ctx, input.id)),
    'pairs.release': (ctx, input) => changed(pairs.release(ctx, input)),
    'pairs.metrics': (ctx, input) => metrics.forPair(ctx, input.id),
  };
}
