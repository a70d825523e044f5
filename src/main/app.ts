// Builds the main-process services from their parts. Knows nothing of Electron, so the
// Electron entry point, the web harness and the tests all assemble the same app.
import type { Platform } from '../shared/domain';
import { openDatabase, type Db } from './db';
import { systemClock, type Clock } from './clock';
import { EventBus } from './events';
import type { SecretStore } from './secrets';
import type { PlatformAdapter } from './platforms/types';
import { AuditLog } from './services/audit';
import { AccountService } from './services/accounts';
import { PairService } from './services/pairs';
import { UserService } from './services/users';
import { RecordsService } from './services/records';
import { SettingsService } from './services/settings';
import { MediaService } from './services/media';
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
  /** Whether this exact link is one of the posts Tandem published (for opening it in the browser). */
  isRecordedPostUrl(url: string): boolean;
  close(): Promise<void>;
}

export function createTandem(options: TandemOptions): Tandem {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger();
  const db = openDatabase(options.dbFile);
  const adapters = new Map<Platform, PlatformAdapter>(options.adapters.map((a) => [a.platform, a]));
  const events = new EventBus();
  const audit = new AuditLog(db, clock);
  const users = new UserService(db, clock, audit);
  const accounts = new AccountService(db, clock, options.secrets, adapters, audit, users);
  const publisherOptions = { ...defaultPublisherOptions, ...options.publisher };
  const { graceMs } = publisherOptions;
  const defaultGraceMs = typeof graceMs === 'function' ? graceMs() : graceMs;
  const settings = new SettingsService(db, audit, users, { graceMinutes: Math.round(defaultGraceMs / 60_000) });
  const media = new MediaService(db, clock, users);
  media.sweep();
  const pairs = new PairService(db, clock, accounts, users, adapters, audit, () => settings.checks(), media);
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
    'settings.get': () => {
      me();
      return settings.get();
    },
    'settings.update': (input) => {
      const saved = settings.update(input, me());
      events.emit('settings.changed', {});
      return saved;
    },
    'audit.list': (input) => records.list(input, me()),
    'audit.exportPublished': (input) => records.exportPublished(input, me()),
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
  function accountsChanged<T>(value: T): T {
    events.emit('accounts.changed', {});
    return value;
  }

  publisher.start();
  return {
    db,
    dispatch: createDispatch(handlers, log),
    events,
    accounts,
    pairs,
    users,
    records,
    publisher,
    audit,
    isRecordedPostUrl: (url) => db.prepare('SELECT 1 FROM delivery WHERE remote_url = ? LIMIT 1').get(url) !== undefined,
    async close() {
      await publisher.stop();
      db.close();
    },
  };
}
