// What every host (the Electron entry, the web harness) runs: the services when the database
// opens, and otherwise a "problem" mode in which the renderer can only learn what is wrong, try
// again, restore a backup or start over. Restoring closes the services and opens new ones, so it
// lives here, above them, and never inside a service. Knows nothing of Electron or HTTP.
import type { StartupProblem, StartupProblemKind } from '../shared/contract';
import { methods } from '../shared/methods';
import type { Tandem, TandemOptions } from './app';
import { openDatabase, schemaVersion } from './db';
import {
  BackupUnusableError,
  DailyBackups,
  backupFiles,
  listBackups,
  pruneBackups,
  restoreBackup,
  setAside,
  backupFile,
  type Every,
} from './db/backup';
import { checkDatabase, problemFromError, type DatabaseProblem, type Probe } from './db/startup';
import { systemClock, type Clock } from './clock';
import { AppError } from './errors';
import { EventBus } from './events';
import { createDispatch, type ClientDispatch, type Handlers } from './ipc/handlers';
import { deskHandlers } from './ipc/desk';
import { createLogger, type Logger } from './log';

export interface HostOptions {
  dbFile: string;
  /** Builds the services (createTandem with the host's adapters and secrets) on these options. */
  create(options: Pick<TandemOptions, 'dbFile' | 'restore'>): Tandem | Promise<Tandem>;
  clock?: Clock;
  log?: Logger;
  probe?: Probe;
  backups?: { keep?: number; every?: Every };
}

/** A backup can replace a database that cannot be used as it is; not one that is merely busy or read-only. */
const restorable: ReadonlySet<StartupProblemKind> = new Set(['corrupt', 'emptyFile', 'fromNewerVersion']);
/** Starting over sets the file aside; offered only when what is there cannot be used by any Tandem. */
const startable: ReadonlySet<StartupProblemKind> = new Set(['corrupt', 'emptyFile']);
/** Who the audit trail names for what was done from the problem window, before anyone could sign in. */
const startupActor = 'system:startup';

type State =
  | { kind: 'stopped' }
  | { kind: 'running'; tandem: Tandem; daily: DailyBackups; unsubscribe: () => void }
  | { kind: 'problem'; problem: StartupProblem };

export class TandemHost {
  /**
   * Stays the same across restarts: transports subscribe once per client. Each client is told what
   * the person signed in there may see, as the running services decide.
   */
  readonly events = new EventBus((client, event, payload) =>
    this.state.kind === 'running' ? this.state.tandem.scopeEvent(client, event, payload) : payload,
  );
  readonly dispatch: ClientDispatch;
  private state: State = { kind: 'stopped' };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly options: HostOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? createLogger();
    const problemDispatch = createDispatch(this.problemHandlers(), this.log);
    this.dispatch = async (caller, method, input) => {
      // A call that arrives during a restart is answered by whatever runs after it.
      await this.queue;
      if (this.state.kind === 'running') return this.state.tandem.dispatch(caller, method, input);
      // Nobody can be signed in while the database cannot be opened.
      return problemDispatch({ client: caller.client, session: null, person: null }, method, input);
    };
  }

  /** The running services, or null while the database cannot be opened. */
  get tandem(): Tandem | null {
    return this.state.kind === 'running' ? this.state.tandem : null;
  }

  get problem(): StartupProblem | null {
    return this.state.kind === 'problem' ? this.state.problem : null;
  }

  /** Opens the database and starts the services; resolves to the problem instead if it cannot. */
  start(): Promise<StartupProblem | null> {
    return this.exclusive(() => this.open());
  }

  async isRecordedPostUrl(url: string): Promise<boolean> {
    return (await this.tandem?.isRecordedPostUrl(url)) ?? false;
  }

  close(): Promise<void> {
    return this.exclusive(() => this.shutdown());
  }

  /** One start, restore or close at a time. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async open(): Promise<StartupProblem | null> {
    const { dbFile } = this.options;
    try {
      const check = checkDatabase(dbFile, this.options.probe);
      if (!check.ok) return this.fail(check.problem);
      if (check.version > 0 && check.version < schemaVersion) await this.backupBeforeMigration();
      const tandem = await this.options.create({
        dbFile,
        restore: (name, actor) => this.restore(name, actor.username),
      });
      // The desk's host: its database is always the SQLite file.
      if (!tandem.db) throw new Error('the desk host needs a SQLite database');
      const daily = new DailyBackups(tandem.db, dbFile, this.clock, this.log, this.options.backups);
      const unsubscribe = tandem.events.tap((event, payload, only) => this.events.emit(event, payload, only));
      this.state = { kind: 'running', tandem, daily, unsubscribe };
      daily.start();
      return null;
    } catch (error) {
      this.log.error('startup.failed', { error: error instanceof Error ? error.message : String(error) });
      return this.fail(problemFromError(error, dbFile));
    }
  }

  /** The database as it was before this version's migrations, in case they or this version disappoint. */
  private async backupBeforeMigration(): Promise<void> {
    const { dbFile } = this.options;
    const name = await backupFile(dbFile, 'migration', this.clock.now());
    this.log.info('backup.taken', { name, pruned: pruneBackups(dbFile, this.options.backups?.keep).length });
  }

  private fail(found: DatabaseProblem): StartupProblem {
    const problem: StartupProblem = {
      ...found,
      ...(found.kind === 'fromNewerVersion' ? { supported: schemaVersion } : {}),
      canRestore: restorable.has(found.kind) && this.hasBackups(),
      canStartOver: startable.has(found.kind),
    };
    this.log.warn('startup.problem', { kind: problem.kind });
    this.state = { kind: 'problem', problem };
    return problem;
  }

  private hasBackups(): boolean {
    try {
      return backupFiles(this.options.dbFile).length > 0;
    } catch {
      // The backups folder cannot be read (permissions): there is nothing to offer.
      return false;
    }
  }

  private async shutdown(): Promise<void> {
    const state = this.state;
    this.state = { kind: 'stopped' };
    if (state.kind !== 'running') return;
    state.unsubscribe();
    await state.daily.stop();
    await state.tandem.close();
  }

  /**
   * Services running: an administrator asked (the services checked). Problem mode: only for a
   * database a backup can replace, not one that is merely busy or read-only.
   */
  private restore(name: string, actor: string): Promise<StartupProblem | null> {
    return this.exclusive(async () => {
      const { dbFile } = this.options;
      if (this.state.kind === 'problem' && !restorable.has(this.state.problem.kind)) {
        throw new AppError('backups.unavailable');
      }
      if (!listBackups(dbFile, schemaVersion).find((b) => b.name === name)?.usable) {
        throw new AppError('backups.unusable');
      }
      await this.shutdown();
      let failure: unknown = null;
      try {
        restoreBackup(dbFile, name, schemaVersion, this.clock.now());
      } catch (error) {
        failure = error;
      }
      // Whatever is in place now (the backup, or the untouched database if the copy failed) is opened.
      const problem = await this.open();
      this.events.emit('session.changed', {});
      if (failure instanceof BackupUnusableError) throw new AppError('backups.unusable');
      if (failure) throw failure;
      await this.tandem?.audit.append(actor, 'backup.restored', 'database', { backup: name });
      this.log.info('backup.restored', { name });
      return problem;
    });
  }

  private startOver(): Promise<StartupProblem | null> {
    return this.exclusive(async () => {
      const { dbFile } = this.options;
      if (this.state.kind !== 'problem' || !startable.has(this.state.problem.kind)) {
        throw new AppError('startup.noProblem');
      }
      const aside = setAside(dbFile, 'set-aside', this.clock.now());
      // Created and migrated now, so the next check sees a Tandem database and not an empty file.
      openDatabase(dbFile).close();
      const problem = await this.open();
      await this.tandem?.audit.append(startupActor, 'database.startedOver', 'database', { setAside: aside });
      this.log.warn('startup.startedOver', { setAside: aside });
      this.events.emit('session.changed', {});
      return problem;
    });
  }

  private retry(): Promise<StartupProblem | null> {
    return this.exclusive(async () => {
      if (this.state.kind === 'running') return null;
      const problem = await this.open();
      this.events.emit('session.changed', {});
      return problem;
    });
  }

  /** While the database is not open: the startup methods answer, every other call is refused. */
  private problemHandlers(): Handlers {
    const refuse = () => {
      throw new AppError('startup.notReady');
    };
    const refuseAll = Object.fromEntries(methods.map((method) => [method, refuse])) as unknown as Handlers;
    const restoreAllowed = () => {
      const problem = this.problem;
      if (!problem || !restorable.has(problem.kind)) throw new AppError('backups.unavailable');
    };
    return {
      ...refuseAll,
      // Still a desk on this computer, whose database is what needs attention.
      ...deskHandlers(),
      'startup.problem': () => this.problem,
      'startup.retry': () => this.retry(),
      'startup.startOver': () => this.startOver(),
      'backups.list': () => {
        restoreAllowed();
        return listBackups(this.options.dbFile, schemaVersion);
      },
      'backups.restore': (_ctx, input) => this.restore(input.name, startupActor),
    };
  }
}
