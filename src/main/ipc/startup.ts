// Start-up and storage, once the database is open: there is no start-up problem to report, retry
// or start over from; backups are listed and restored by an administrator (the host restarts).
import { schemaVersion } from '../db';
import { listBackups } from '../db/backup';
import { AppError } from '../errors';
import { signedIn } from '../services/context';
import type { HandlersOf } from './handlers';
import type { Services } from './services';

type StartupMethods =
  'startup.problem' | 'startup.retry' | 'startup.startOver' | 'backups.list' | 'backups.restore' | 'storage.problem';

export function startupHandlers({
  users,
  publisher,
  dbFile,
  restore,
}: Pick<Services, 'users' | 'publisher' | 'dbFile' | 'restore'>): HandlersOf<StartupMethods> {
  return {
    'startup.problem': () => null,
    'startup.retry': (ctx) => {
      signedIn(ctx);
      return null;
    },
    'startup.startOver': (ctx) => {
      signedIn(ctx);
      throw new AppError('startup.noProblem');
    },
    'backups.list': async (ctx) => {
      await users.authorize(signedIn(ctx), 'workspace.settings', [], 'backups');
      return listBackups(dbFile, schemaVersion);
    },
    'backups.restore': async (ctx, input) => {
      const user = signedIn(ctx);
      await users.authorize(user, 'workspace.settings', [], 'backups');
      if (!restore) throw new AppError('backups.unavailable');
      return restore(input.name, user);
    },
    'storage.problem': () => publisher.storageProblem(),
  };
}
