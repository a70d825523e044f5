// Shared test set-up: a real SQLite file in a temp folder, the real keychain under a
// per-test service name, the real X adapter pointed at a loopback fake.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { createTandem, type Tandem, type TandemOptions } from '../src/main/app';
import { KeytarSecretStore } from '../src/main/secrets';
import { XAdapter } from '../src/main/platforms/x';
import type { Logger } from '../src/main/log';
import type { TokenStore } from '../src/main/remote/workspace';
import type { PlatformAdapter } from '../src/main/platforms/types';
import { createLogger } from '../src/main/log';
import type { Channel, Pair, Role, User } from '../src/shared/domain';
import type { Caller } from '../src/main/services/context';
import { FakeX, credentialsOf, fakeAccount, fakeApp, type FakeXAccount } from './fakes/x-api';
import type { PostgresConnection, Sql } from '../src/main/db/sql';
import type { PublisherOptions } from '../src/main/publisher/publisher';
import { engine, newPostgresDatabase, openDirect } from './engine';

export { engine } from './engine';

/** A workspace desk's token kept in memory (the keychain's stand-in where the keychain is not the subject). */
export function memoryTokens(): TokenStore {
  let held: string | null = null;
  return { get: async () => held, set: async (token) => void (held = token), delete: async () => void (held = null) };
}

export function tempDir(prefix = 'tandem-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestApp {
  tandem: Tandem;
  fake: FakeX;
  dir: string;
  dbFile: string;
  service: string;
  logLines: string[];
  en: FakeXAccount;
  fr: FakeXAccount;
  /**
   * Registers the fake EN/FR accounts as a channel through the API, as the admin; returns its id.
   * Self-approval is allowed on it so one test user can take a pair through the whole workflow.
   */
  addChannel(name?: string, options?: { allowSelfApproval?: boolean; accounts?: { en: FakeXAccount; fr: FakeXAccount } }): Promise<string>;
  /** On PostgreSQL: the test's own database (a fresh one per app); undefined on SQLite. */
  postgres: PostgresConnection | undefined;
  /** Closes the app and changes its database directly, as a crash or a closed laptop would leave it. */
  whileClosed(change: (sql: Sql) => void | Promise<void>): Promise<void>;
  /** The test's own client (one window): `call`, `signInAs` and the helpers below call from it. */
  caller: Caller;
  /** Calls the API from the test's client and returns the value, or throws with the error code. */
  call<T = unknown>(method: string, input?: unknown): Promise<T>;
  /** The same from another client (another window or browser, perhaps another person). */
  callFrom<T = unknown>(caller: Caller, method: string, input?: unknown): Promise<T>;
  signInAs(username: string, caller?: Caller): Promise<void>;
  /** Creates a user (as the admin) holding these roles; leaves the admin signed in. */
  addUser(username: string, roles: Role[], scope?: { channelId?: string | null; expiresAt?: string | null }): Promise<User>;
  /** Takes a new pair through draft -> review -> approved -> scheduled as the admin. */
  publish(channelId: string, enText: string, frText: string, at?: Date): Promise<Pair>;
  /** Opens a second Tandem on the same files, as after a restart. */
  reopen(overrides?: Partial<TandemOptions>): Tandem;
  cleanup(): Promise<void>;
}

export async function startTestApp(
  overrides: Partial<TandemOptions> = {},
  { bootstrap = true, moreAdapters = [] }: { bootstrap?: boolean; /** Beside X's (other platforms' fakes). */ moreAdapters?: PlatformAdapter[] } = {},
): Promise<TestApp> {
  const fake = new FakeX();
  await fake.start();
  const app = fakeApp();
  const suffix = randomUUID().slice(0, 6);
  const en = fakeAccount(fake, `Dept_eng_${suffix}`, app);
  const fr = fakeAccount(fake, `Dept_fra_${suffix}`, app);
  const dir = tempDir();
  const dbFile = path.join(dir, 'tandem.db');
  const service = `ca.gc.tandem.test.${randomUUID()}`;
  const logLines: string[] = [];
  const log: Logger = createLogger((line) => logLines.push(line));
  const opened: Tandem[] = [];
  const postgres = engine === 'postgres' ? await newPostgresDatabase() : undefined;
  const make = (more: Partial<TandemOptions> = {}) => {
    const tandem = createTandem({
      dbFile,
      secrets: new KeytarSecretStore(service),
      adapters: [new XAdapter({ apiBase: fake.url, timeoutMs: 2_000 }), ...moreAdapters],
      log,
      postgres,
      publisher: testPublisher,
      ...overrides,
      ...more,
    });
    opened.push(tandem);
    return tandem;
  };
  const tandem = make();
  const caller = testCaller;
  async function callFrom<T = unknown>(from: Caller, method: string, input?: unknown): Promise<T> {
    const result = await tandem.dispatch(from, method, input);
    if (!result.ok) throw new ApiFailure(result.error.code, result.error.params);
    return result.value as T;
  }
  const call = <T = unknown>(method: string, input?: unknown) => callFrom<T>(caller, method, input);
  async function signInAs(username: string, from = caller) {
    await callFrom(from, 'session.signIn', { username, passphrase: passphraseOf(username) });
  }
  if (bootstrap) {
    // The first profile is the admin; in these tests it also holds every workflow role.
    await call('users.bootstrap', { username: 'admin', displayName: 'Admin', passphrase: passphraseOf('admin') });
    const admin = (await call<{ user: User }>('session.current')).user;
    for (const role of ['drafter', 'translator', 'approver', 'publisher'] as const) {
      await call('roles.grant', { userId: admin.id, role, channelId: null, expiresAt: null });
    }
  }
  return {
    tandem,
    fake,
    dir,
    dbFile,
    service,
    logLines,
    en,
    fr,
    async addChannel(name = 'Department', { allowSelfApproval = true, accounts = { en, fr } } = {}) {
      const channel = await call<Channel>('accounts.addPair', {
        platform: 'x',
        name,
        en: { handle: accounts.en.username, displayName: `${name} EN`, credentials: credentialsOf(accounts.en) },
        fr: { handle: accounts.fr.username, displayName: `${name} FR`, credentials: credentialsOf(accounts.fr) },
      });
      if (allowSelfApproval) await call('accounts.setSelfApproval', { channelId: channel.id, allowed: true });
      return channel.id;
    },
    postgres,
    async whileClosed(change) {
      await tandem.close();
      const sql = openDirect({ dbFile, postgres });
      try {
        await change(sql);
      } finally {
        await sql.close();
      }
    },
    caller,
    call,
    callFrom,
    signInAs,
    async addUser(username, roles, { channelId = null, expiresAt = null } = {}) {
      const user = await call<User>('users.create', { username, displayName: username, passphrase: passphraseOf(username) });
      for (const role of roles) await call('roles.grant', { userId: user.id, role, channelId, expiresAt });
      return (await call<User[]>('users.list')).find((u) => u.id === user.id)!;
    },
    async publish(channelId, enText, frText, at) {
      let pair = await call<Pair>('pairs.create', { channelIds: [channelId], enText, frText, authorTz: 'America/Toronto' });
      pair = await call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
      pair = await call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'OK to publish' });
      return call<Pair>('pairs.schedule', {
        id: pair.id,
        version: pair.version,
        when: at ? 'at' : 'now',
        scheduledAt: at?.toISOString(),
      });
    },
    reopen: make,
    async cleanup() {
      for (const t of opened) await t.close().catch(() => undefined);
      await fake.stop();
      for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The publisher's timings in tests: retries in tens of milliseconds, so failures and recoveries show quickly. */
export const testPublisher: Omit<PublisherOptions, 'storageBackoff'> = {
  maxAttempts: 4,
  backoff: { baseMs: 40, capMs: 200 },
  offlineRetryMs: 200,
  graceMs: 15 * 60_000,
  concurrency: 8,
};

/** The test's own client: one window, signed in and out as one person at a time. */
export const testCaller: Caller = { client: 'test' };

export const passphraseOf = (username: string) => `${username} correct horse battery`;

export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    readonly params?: Record<string, string | number>,
  ) {
    super(params ? `${code} ${JSON.stringify(params)}` : code);
  }
}

/** Makes a pair's deliveries due at `at` (epoch ms), as if scheduled then. */
export async function setDue(sql: Sql, pairId: string, at: number): Promise<void> {
  await sql.run('UPDATE delivery SET next_attempt_at = ? WHERE pair_id = ?', [at, pairId]);
  await sql.run('UPDATE post_pair SET scheduled_at = ? WHERE id = ?', [at, pairId]);
}

export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
