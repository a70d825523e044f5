// Post pairs through their workflow. Every change wakes the publisher and tells each client of the
// pair, if the person signed in there may see it (the event scope in app.ts).
import type { HandlersOf } from './handlers';
import type { Services } from './services';
import { signedIn } from '../services/context';

type PairMethods =
  | 'pairs.list'
  | 'pairs.query'
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
  | 'pairs.metrics'
  | 'pairs.open'
  | 'pairs.waiting'
  | 'pairs.reschedule'
  | 'pairs.duplicate';

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
    'pairs.list': async (ctx, input) => pairs.list(input?.limit, await users.visibleChannels(signedIn(ctx))),
    'pairs.query': async (ctx, input) => pairs.query(input, await users.visibleChannels(signedIn(ctx))),
    'pairs.create': async (ctx, input) => changed(await pairs.create(ctx, input)),
    'pairs.update': async (ctx, input) => changed(await pairs.update(ctx, input)),
    'pairs.requestTranslation': async (ctx, input) => changed(await pairs.requestTranslation(ctx, input)),
    'pairs.submitForReview': async (ctx, input) => changed(await pairs.submitForReview(ctx, input)),
    'pairs.approve': async (ctx, input) => changed(await pairs.approve(ctx, input)),
    'pairs.reject': async (ctx, input) => changed(await pairs.reject(ctx, input)),
    'pairs.schedule': async (ctx, input) => changed(await pairs.schedule(ctx, input)),
    'pairs.cancel': async (ctx, input) => changed(await pairs.cancel(ctx, input.id)),
    'pairs.retry': async (ctx, input) => changed(await pairs.retry(ctx, input.id)),
    'pairs.release': async (ctx, input) => changed(await pairs.release(ctx, input)),
    'pairs.metrics': (ctx, input) => metrics.forPair(ctx, input.id),
    'pairs.open': (ctx, input) => pairs.open(ctx, input.id),
    'pairs.waiting': (ctx) => pairs.waiting(ctx),
    'pairs.reschedule': async (ctx, input) => changed(await pairs.reschedule(ctx, input)),
    'pairs.duplicate': async (ctx, input) => changed(await pairs.duplicate(ctx, input.id)),
  };
}
