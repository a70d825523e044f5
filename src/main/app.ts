// Builds the main-process services from their parts. Knows nothing of Electron, so the
// Electron entry point, the web harness and the tests all assemble the same app.
import type { Platform, User } from '../shared/domain';
import type { EventPayload, Result, StartupProblem } from '../shared/contract';
import { openDatabase, type Db } from './db';
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
import type { Caller } from './services/context';
import { createLogger, type Logger } from './log';

export interface TandemOptions {
  dbFile: string;
  secrets: SecretStore;
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
  db: Db;
  dispatch: TandemDispatch;
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
  /** Resolves once the audit key is read and the trail checked; calls wait for it, the publisher starts then. */
  ready: Promise<void>;
  /** Whether this exact link is one of the posts Tandem published (for opening it in the browser). */
  isRecordedPostUrl(url: string): boolean;
  close(): Promise<void>;
}

export function createTandem(options: TandemOptions): Tandem {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger();
  const db = openDatabase(options.dbFile, { trace: options.traceSql });
  const adapters = new Map<Platform, PlatformAdapter>(options.adapters.map((a) => [a.platform, a]));
  // Pair ids in an event reach each client only for pairs the person signed in there may see;
  // a signed-out client, none.
  const scopeEvent: EventScope = (client, event, payload) => {
    if (event !== 'pairs.changed') return payload;
    const { person } = users.context(client);
    if (!person) return null;
    const { pairIds } = payload as EventPayload<'pairs.changed'>;
    const shown = pairs.visibleAmong(pairIds, users.visibleChannels(person));
    return shown.length === 0 ? null : ({ pairIds: shown } as typeof payload);
  };
  const events = new EventBus(scopeEvent);
  const audit = new AuditLog(db, clock, { headFile: options.dbFile === ':memory:' ? null : auditHeadFile(options.dbFile), log });
  const users = new UserService(db, clock, audit);
  const accounts = new AccountService(db, clock, options.secrets, adapters, audit, users);
  const publisherOptions = { ...defaultPublisherOptions, ...options.publisher };
  const { graceMs } = publisherOptions;
  const defaultGraceMs = typeof graceMs === 'function' ? graceMs() : graceMs;
  const settings = new SettingsService(db, audit, users, { graceMinutes: Math.round(defaultGraceMs / 60_000) });
  const media = new MediaService(db, clock, users);
  media.sweep();
  const unsent = new UnsentService(db, clock, media);
  const pairs = new PairService(db, clock, accounts, users, adapters, audit, () => settings.checks(), media);
  const piiRequests = new PiiRequestService(db, clock, audit, users, settings, (pairId, user) => {
    const visible = users.visibleChannels(user);
    return visible === null || (pairs.get(pairId)?.channelIds.every((c) => visible.has(c)) ?? false);
  });
  const metrics = new MetricsService(db, pairs, adapters, options.secrets, users);
  const records = new RecordsService(db, clock, audit, pairs, accounts, users);
  const publisher = new Publisher(
    db,
    clock,
    pairs,
    adapters,
    options.secrets,
    audit,
    (pairIds) => events.emit('pairs.changed', { pairIds }),
    media,
    { ...publisherOptions, graceMs: () => settings.get().graceMinutes * 60_000, log: publisherOptions.log ?? log },
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
  };

  // The audit key comes from the keychain (asynchronous): calls wait for it, and so does the publisher.
  let closing = false;
  const ready = audit.open(() => loadAuditKey(options.secrets)).then(() => {
    if (!closing) publisher.start();
  });
  // A person's action that cannot be saved pauses publishing too, until the database takes writes.
  const dispatch = createDispatch(handlers, log, (code) => publisher.storageFault(code));
  const fromClient: ClientDispatch = async (caller, method, input) => {
    await ready;
    // The session and person are read when the call runs, after any sign-in or sign-out before it.
    return dispatch(users.context(caller.client), method, input);
  };
  return {
    db,
    dispatch: fromClient as TandemDispatch,
    ready,
    events,
    scopeEvent,
    accounts,
    pairs,
    users,
    records,
    publisher,
    audit,
    isRecordedPostUrl: (url) => db.prepare('SELECT 1 FROM delivery WHERE remote_url = ? LIMIT 1').get(url) !== undefined,
    async close() {
      closing = true;
      await publisher.stop();
      try {
        // Writes the audit checkpoint; a database that cannot be written (full, read-only) must
        // not keep the file open: the next start verifies from the last checkpoint that was saved.
        audit.close();
      } catch (error) {
        log.warn('audit.checkpointNotSaved', { error: error instanceof Error ? error.message : String(error) });
      }
      await ready.catch(() => undefined);
      db.close();
    },
  };
}
