// A desk's offline copy of a workspace. The outbox lives on a desk joined to a workspace
// (remote/workspace.ts answers it there); the services themselves never queue a change.
import type { HandlersOf } from './handlers';
import type { SyncService } from '../services/sync';
import { signedIn } from '../services/context';
import { AppError } from '../errors';

export function syncHandlers({ sync }: { sync: SyncService }): HandlersOf<'sync.pull' | 'outbox.list' | 'outbox.resolve'> {
  return {
    'sync.pull': (ctx, input) => sync.pull(ctx, input),
    'outbox.list': (ctx) => {
      signedIn(ctx);
      // Nothing is ever queued here: the services are the workspace.
      return { status: { joined: false, online: true, waiting: 0, conflicts: 0, refused: 0 }, entries: [] };
    },
    'outbox.resolve': (ctx) => {
      signedIn(ctx);
      throw new AppError('outbox.unknown');
    },
  };
}
