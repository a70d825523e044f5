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
import { Publisher, defaultPublisherOptions, type PublisherOptions } from './publisher/publisher';
import { createDispatch, type Dispatch, type Handlers } from './ipc/handlers';
import { createLogger, type Logger } from './log';

export interface TandemOptions {
  dbFile: string;
  secrets: SecretStore;
  adapters: PlatformAdapter[];
  /** Who is acting; until sign-in exists this is the OS user. */
  actor: string;
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
  publisher: Publisher;
  audit: AuditLog;
  close(): Promise<void>;
}

export function createTandem(options: TandemOptions): Tandem {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger();
  const db = openDatabase(options.dbFile);
  const adapters = new Map<Platform, PlatformAdapter>(options.adapters.map((a) => [a.platform, a]));
  const events = new EventBus();
  const audit = new AuditLog(db, clock);
  const accounts = new AccountService(db, clock, options.secrets, adapters, audit);
  const pairs = new PairService(db, clock, accounts, adapters, audit);
  const publisher = new Publisher(
    db,
    clock,
    pairs,
    adapters,
    options.secrets,
    audit,
    (pairIds) => events.emit('pairs.changed', { pairIds }),
    { ...defaultPublisherOptions, ...options.publisher },
  );

  const { actor } = options;
  const handlers: Handlers = {
    'accounts.list': () => accounts.list(),
    'accounts.addPair': async (input) => {
      const channel = await accounts.addPair(input, actor);
      events.emit('accounts.changed', {});
      return channel;
    },
    'pairs.list': (input) => pairs.list(input?.limit),
    'pairs.create': (input) => changed(pairs.create(input, actor)),
    'pairs.cancel': (input) => changed(pairs.cancel(input.id, actor)),
    'pairs.retry': (input) => changed(pairs.retry(input.id, actor)),
  };

  function changed<T extends { id: string }>(pair: T): T {
    publisher.wake();
    events.emit('pairs.changed', { pairIds: [pair.id] });
    return pair;
  }

  publisher.start();
  return {
    db,
    dispatch: createDispatch(handlers, log),
    events,
    accounts,
    pairs,
    publisher,
    audit,
    async close() {
      await publisher.stop();
      db.close();
    },
  };
}
