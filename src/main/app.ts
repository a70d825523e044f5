// Builds the main-process services from their parts. Knows nothing of Electron, so the
// Electron entry point, the web harness and the tests all assemble the same app.
import type { Platform, User } from '../shared/domain';
import type { StartupProblem } from '../shared/contract';
import { openDatabase, schemaVersion, type Db } from './db';
import { listBackups } from './db/backup';
import { AppError } from './errors';
import { systemClock, type Clock } from './clock';
import { EventBus } from './events';
import type { EventPayload } from '../shared/contract';
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
import { createDispatch, type Dispatch, type Handlers } from './ipc/handlers';
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

export interface Tandem {
  db: Db;
  dispatch: Dispatch;
  events: EventBus;
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
  // Pair ids in an event reach the signed-in person only for pairs they may see; signed out, none.
  const events = new EventBus((event, payload) => {
    if (event !== 'pairs.changed') return payload;
    const user = users.current();
    if (!user) return null;
    const { pairIds } = payload as EventPayload<'pairs.changed'>;
    const shown = pairs.visibleAmong(pairIds, users.visibleChannels(user));
    return shown.length === 0 ? null : ({ pairIds: shown } as typeof payload);
  });
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
    { ...publisherOptions, graceMs: () => settings.get().graceMinutes * 60_000 },
    (problem) => events.emit('storage.problem', problem),
  );

  // Every method but the public ones acts as the signed-in user; main checks their roles.
  const me = () => users.requireCurrent();
  const handlers: Handlers = {
    'session.current': () => ({ user: users.current(), needsBootstrap: users.needsBootstrap() }),
    'session.signIn': async (input) => session(await users.signIn(input.username, input.passphrase)),
    'session.signOut': () => {
      // Not a public method (shared/methods.ts): like every other call it needs a signed-in user.
      me();
      users.signOut();
      events.emit('session.changed', {});
      return null;
    },
    'users.bootstrap': async (input) => session(await users.bootstrap(input)),
    'users.list': () => {
      users.authorize(me(), 'user.manage', [], 'users');
      return users.list();
    },
    'users.create': async (input) => usersChanged(await users.create(input, me())),
    'roles.grant': (input) => usersChanged(users.grant(input, me())),
    'roles.revoke': (input) => usersChanged(users.revoke(input.grantId, me())),
    'accounts.list': () => {
      const visible = users.visibleChannels(me());
      return accounts.list().filter((channel) => visible === null || visible.has(channel.id));
    },
    'accounts.addPair': async (input) => accountsChanged(await accounts.addPair(input, me())),
    'accounts.setSelfApproval': (input) => accountsChanged(accounts.setSelfApproval(input.channelId, input.allowed, me())),
    'accounts.updateCredentials': async (input) =>
      accountsChanged(await accounts.updateCredentials(input.accountId, input.credentials, me())),
    'pairs.list': (input) => pairs.list(input?.limit, users.visibleChannels(me())),
    'pairs.create': (input) => changed(pairs.create(input, me())),
    'pairs.update': (input) => changed(pairs.update(input, me())),
    'pairs.requestTranslation': (input) => changed(pairs.requestTranslation(input, me())),
    'pairs.submitForReview': (input) => changed(pairs.submitForReview(input, me())),
    'pairs.approve': (input) => changed(pairs.approve(input, me())),
    'pairs.reject': (input) => changed(pairs.reject(input, me())),
    'pairs.schedule': (input) => changed(pairs.schedule(input, me())),
    'pairs.cancel': (input) => changed(pairs.cancel(input.id, me())),
    'pairs.retry': (input) => changed(pairs.retry(input.id, me())),
    'pairs.release': (input) => changed(pairs.release(input, me())),
    'pairs.metrics': (input) => metrics.forPair(input.id, me()),
    'media.upload': (input) => media.upload(input, me()),
    'media.read': (input) => {
      const user = me();
      const visible = users.visibleChannels(user);
      return media.read(input.id, user, (pairIds) =>
        pairIds.some((id) => visible === null || (pairs.get(id)?.channelIds.every((c) => visible.has(c)) ?? false)),
      );
    },
    // Each person's own unsent text only, and only while the composer's person is signed in.
    'unsent.get': () => unsent.get(me()),
    'unsent.save': (input) => unsent.save(input, me()),
    'unsent.clear': (input) => unsent.clear(input, me()),
    'settings.get': () => {
      me();
      return settings.get();
    },
    'settings.update': (input) => {
      const saved = settings.update(input, me());
      events.emit('settings.changed', {});
      return saved;
    },
    // "This is a public number": requests and decisions change what the content checks show.
    'pii.requestAllow': (input) => settingsChanged(piiRequests.request(input, me())),
    'pii.requests': () => piiRequests.pending(me()),
    'pii.allow': (input) => settingsChanged(piiRequests.allow(input.requestId, me())),
    'pii.dismiss': (input) => settingsChanged(piiRequests.dismiss(input.requestId, me())),
    'audit.list': (input) => records.list(input, me()),
    'audit.exportPublished': (input) => records.exportPublished(input, me()),
    // The database opened, so there is no problem to report, retry or start over from.
    'startup.problem': () => null,
    'startup.retry': () => {
      me();
      return null;
    },
    'startup.startOver': () => {
      me();
      throw new AppError('startup.noProblem');
    },
    'backups.list': () => {
      users.authorize(me(), 'workspace.settings', [], 'backups');
      return listBackups(options.dbFile, schemaVersion);
    },
    'backups.restore': (input) => {
      const user = me();
      users.authorize(user, 'workspace.settings', [], 'backups');
      if (!options.restore) throw new AppError('backups.unavailable');
      return options.restore(input.name, user);
    },
    'storage.problem': () => publisher.storageProblem(),
  };

  function changed<T extends { id: string }>(pair: T): T {
    publisher.wake();
    events.emit('pairs.changed', { pairIds: [pair.id] });
    return pair;
  }
  function session<T>(value: T): T {
    events.emit('session.changed', {});
    return value;
  }
  function usersChanged<T>(value: T): T {
    events.emit('users.changed', {});
    events.emit('session.changed', {});
    return value;
  }
  function settingsChanged<T>(value: T): T {
    events.emit('settings.changed', {});
    return value;
  }
  function accountsChanged<T>(value: T): T {
    events.emit('accounts.changed', {});
    return value;
  }

  // The audit key comes from the keychain (asynchronous): calls wait for it, and so does the publisher.
  let closing = false;
  const ready = audit.open(() => loadAuditKey(options.secrets)).then(() => {
    if (!closing) publisher.start();
  });
  // A person's action that cannot be saved pauses publishing too, until the database takes writes.
  const dispatch = createDispatch(handlers, log, (code) => publisher.storageFault(code));
  return {
    db,
    dispatch: async (method, input) => {
      await ready;
      return dispatch(method, input);
    },
    ready,
    events,
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
