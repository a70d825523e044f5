// Builds the main-process services from their parts. Knows nothing of Electron, so the
// Electron entry point, the web harness and the tests all assemble the same app.
import type { Platform, User } from '../shared/domain';
import type { EventPayload, Result, StartupProblem } from '../shared/contract';
import type { Method } from '../shared/methods';
import type Database from 'better-sqlite3';
import { openDatabase } from './db';
import { PostgresSql, SqliteSql, type PostgresConnection, type Sql } from './db/sql';
import { migratePostgres } from './db/postgres';
import { isRecordedPostUrl } from './db/recordedPosts';
import { systemClock, type Clock } from './clock';
import { EventBus, type EventScope } from './events';
import type { SecretStore } from './secrets';
import type { PlatformAdapter } from './platforms/types';
import { AuditLog, auditHeadFile, loadAuditKey } from './services/audit';
import { AccountService } from './services/accounts';
import { PairService } from './services/pairs';
import { UserService } from './services/users';
import { RecordsService } from './services/records';
import { SettingsService } from './services/settings';
import { MediaService } from './services/media';
import { UnsentService } from './services/unsent';
import { PiiRequestService } from './services/piiRequests';
import { MetricsService } from './services/metrics';
import { Publisher, defaultPublisherOptions, type PublisherOptions } from './publisher/publisher';
import { createDispatch, type ClientDispatch, type Handlers } from './ipc/handlers';
import type { Services } from './ipc/services';
import { peopleHandlers } from './ipc/people';
import { accountHandlers } from './ipc/accounts';
import { pairHandlers } from './ipc/pairs';
import { composerHandlers } from './ipc/composer';
import { settingsHandlers } from './ipc/settings';
import { recordHandlers } from './ipc/records';
import { startupHandlers } from './ipc/startup';
import { syncHandlers } from './ipc/sync';
import { SyncService } from './services/sync';
import { deskHandlers } from './ipc/desk';
import type { Caller } from './services/context';
import { createLogger, type Logger } from './log';

export interface TandemOptions {
  /** The desk's SQLite file (also where backups and the audit head live). Unused with `postgres`. */
  dbFile: string;
  /** A team's database: the services run on this PostgreSQL (≥ 15) instead of the SQLite file. */
  postgres?: PostgresConnection;
  /** Where credentials and the audit key live: the OS keychain on a desk; on a server, a store made on the database (sealed). */
  secrets: SecretStore | ((sql: Sql) => SecretStore);
  /** How long a session lasts unused (UserService's default: 12 hours). */
  sessionTtlMs?: number;
  adapters: PlatformAdapter[];
  clock?: Clock;
  log?: Logger;
  publisher?: Partial<PublisherOptions>;
  /**
   * The host's restart hook (host.ts): closes these services, puts the backup in place and opens
   * new ones. Without it (tests that build the services alone) restoring is unavailable.
   */
  restore?: (name: string, actor: User) => Promise<StartupProblem | null>;
  /** Called with each SQL statement run (tests count queries with it). */
  traceSql?: (sql: string) => void;
}

export interface TandemDispatch {
  /** A call from a client: main adds the session that client signed in with and its person. */
  (caller: Caller, method: unknown, input?: unknown): Promise<Result<unknown>>;
}

export interface Tandem {
  /** The data layer, whichever engine is under it. */
  sql: Sql;
  /** The SQLite handle on the desk (backups, integrity checks); null on PostgreSQL. */
  db: Database.Database | null;
  dispatch: TandemDispatch;
  /**
   * A change a desk made (often offline) and sent with its own id: applied once; a retry with the
   * same id gets the first answer (services/sync.ts).
   */
  dispatchOnce(caller: Caller, mutationId: string, method: Method, input: unknown): Promise<Result<unknown>>;
  /** Push events, each told to every subscribed client as far as the person signed in there may see. */
  events: EventBus;
  /** What one client may be told of an event (for a bus that passes this one's events on: the host's). */
  scopeEvent: EventScope;
  accounts: AccountService;
  pairs: PairService;
  users: UserService;
  records: RecordsService;
  publisher: Publisher;
  audit: AuditLog;
  /** Where credentials and the audit key live (a server's: sealed in its database). A desk moved into a new workspace puts its own there (server/importDesk.ts). */
  secrets: SecretStore;
  /** Resolves once the audit key is read and the trail checked; calls wait for it, the publisher starts then. */
  ready: Promise<void>;
  /** Whether this exact link is one of the posts Tandem published (for opening it in the browser). */
  isRecordedPostUrl(url: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createTandem(options: TandemOptions): Tandem {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger();
  // The engine is chosen here, once: SQLite opens (and migrates) now, so a start-up problem is
  // thrown to the host at once; PostgreSQL connects and migrates before the first call (`ready`).
  const db = options.postgres ? null : openDatabase(options.dbFile, { trace: options.traceSql });
  const sql: Sql = db ? new SqliteSql(db) : new PostgresSql(options.postgres!, options.traceSql);
  const secrets = typeof options.secrets === 'function' ? options.secrets(sql) : options.secrets;
  const adapters = new Map<Platform, PlatformAdapter>(options.adapters.map((a) => [a.platform, a]));
  // Pair ids in an event reach each client only for pairs the person signed in there may see;
  // a signed-out client, none.
  const scopeEvent: EventScope = async (client, event, payload) => {
    if (event !== 'pairs.changed') return payload;
    const { person } = await users.context(client);
    if (!person) return null;
    const { pairIds } = payload as EventPayload<'pairs.changed'>;
    const shown = await pairs.visibleAmong(pairIds, await users.visibleChannels(person));
    return shown.length === 0 ? null : ({ pairIds: shown } as typeof payload);
  };
  const events = new EventBus(scopeEvent);
  // The signed head beside the file guards the desk's trail; a server's trail is guarded in its database.
  const headFile = db === null || options.dbFile === ':memory:' ? null : auditHeadFile(options.dbFile);
  const audit = new AuditLog(sql, clock, { headFile, log });
  const users = new UserService(sql, clock, audit, options.sessionTtlMs);
  const accounts = new AccountService(sql, clock, secrets, adapters, audit, users);
  const publisherOptions = { ...defaultPublisherOptions, ...options.publisher };
  const { graceMs } = publisherOptions;
  // A host that passes its own grace as a function keeps the workspace's default at 15 minutes.
  const defaultGraceMs = typeof graceMs === 'number' ? graceMs : 15 * 60_000;
  const settings = new SettingsService(sql, audit, users, { graceMinutes: Math.round(defaultGraceMs / 60_000) });
  const media = new MediaService(sql, clock, users);
  const unsent = new UnsentService(sql, clock, media);
  const pairs = new PairService(sql, clock, accounts, users, adapters, audit, () => settings.checks(), media);
  const piiRequests = new PiiRequestService(sql, clock, audit, users, settings, async (pairId, user) => {
    const visible = await users.visibleChannels(user);
    return visible === null || (await pairs.visibleAmong([pairId], visible)).length > 0;
  });
  const metrics = new MetricsService(sql, pairs, adapters, secrets, users);
  const records = new RecordsService(sql, clock, audit, pairs, accounts, users);
  const sync = new SyncService(sql, clock, pairs, users, audit);
  const publisher = new Publisher(
    sql,
    clock,
    pairs,
    adapters,
    secrets,
    audit,
    (pairIds) => events.emit('pairs.changed', { pairIds }),
    media,
    { ...publisherOptions, graceMs: async () => (await settings.get()).graceMinutes * 60_000, log: publisherOptions.log ?? log },
    (problem) => events.emit('storage.problem', problem),
  );

  // Each domain binds its own methods; the services check the caller's roles.
  const services: Services = {
    ...{ users, accounts, pairs, media, unsent, settings, piiRequests, metrics, records, publisher, events },
    dbFile: options.dbFile,
    restore: options.restore,
  };
  const handlers: Handlers = {
    ...peopleHandlers(services),
    ...accountHandlers(services),
    ...pairHandlers(services),
    ...composerHandlers(services),
    ...settingsHandlers(services),
    ...recordHandlers(services),
    ...startupHandlers(services),
    ...syncHandlers({ sync }),
    ...deskHandlers(),
  };

  // The audit key comes from the keychain (asynchronous): calls wait for it, and so does the publisher.
  let closing = false;
  const ready = (async () => {
    if (sql instanceof PostgresSql) await migratePostgres(sql.pool);
    await media.sweep();
    // Housekeeping only: a database that cannot be written now keeps them until the next start.
    await users.pruneSessions().catch(() => undefined);
    await sync.prune().catch(() => undefined);
    await audit.open(() => loadAuditKey(secrets));
    if (!closing) await publisher.start();
  })();
  // A person's action that cannot be saved pauses publishing too, until the database takes writes.
  const dispatch = createDispatch(handlers, log, (code) => publisher.storageFault(code));
  const fromClient: ClientDispatch = async (caller, method, input) => {
    await ready;
    // The session and person are read when the call runs, after any sign-in or sign-out before it.
    return dispatch(await users.context(caller.client), method, input);
  };
  return {
    sql,
    db,
    dispatch: fromClient as TandemDispatch,
    async dispatchOnce(caller, mutationId, method, input) {
      await ready;
      const ctx = await users.context(caller.client);
      return sync.once(ctx, mutationId, method, input, () => dispatch(ctx, method, input));
    },
    ready,
    events,
    scopeEvent,
    accounts,
    pairs,
    users,
    records,
    publisher,
    audit,
    secrets,
    isRecordedPostUrl: (url) => isRecordedPostUrl(sql, url),
    async close() {
      closing = true;
      await publisher.stop();
      try {
        // Writes the audit checkpoint; a database that cannot be written (full, read-only) must
        // not keep the file open: the next start verifies from the last checkpoint that was saved.
        await audit.close();
      } catch (error) {
        log.warn('audit.checkpointNotSaved', { error: error instanceof Error ? error.message : String(error) });
      }
      await ready.catch(() => undefined);
      await sql.close();
    },
  };
}
