// A solo desk moved into a new team workspace from the desk itself (`desk.moveToWorkspace`), on
// real parts: the desk's shell over the real services on a SQLite file (an administrator, a
// drafter, an account pair on the fake X, a pair scheduled for later), a real tandem-server on
// loopback. After the move the desk works through the workspace, its old database is set aside,
// the same passphrase signs in and shows the same pairs, and the scheduled pair goes out once, from
// the server. Each refusal leaves the desk as it was, its publisher running again.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { createTandem } from '../../src/main/app';
import { DeskShell } from '../../src/main/desk';
import { backupFile, backupFiles } from '../../src/main/db/backup';
import { TandemHost } from '../../src/main/host';
import { createLogger } from '../../src/main/log';
import { XAdapter } from '../../src/main/platforms/x';
import { keychainTokenStore, WorkspaceDesk } from '../../src/main/remote/workspace';
import type { SecretStore } from '../../src/main/secrets';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import type { Caller } from '../../src/main/services/context';
import { startServer, type TandemServer } from '../../src/server/server';
import type { Result } from '../../src/shared/contract';
import type { Credentials } from '../../src/shared/credentials';
import type { Channel, Pair, User } from '../../src/shared/domain';
import { FakeX, credentialsOf, fakeAccount, fakeApp } from '../fakes/x-api';
import { ApiFailure, passphraseOf, startTestApp, tempDir, testPublisher, waitFor } from '../support';

const quiet = createLogger(() => undefined);
const tokenService = `ca.gc.tandem.test.desk-move.${randomUUID()}`;
const adminWindow: Caller = { client: 'window-admin' };
const danaWindow: Caller = { client: 'window-dana' };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const { account } of await keytar.findCredentials(tokenService))
    await keytar.deletePassword(tokenService, account);
});

/** The desk's keychain, in memory. */
class MemorySecrets implements SecretStore {
  readonly entries = new Map<string, Credentials>();
  auditKey: Buffer | null = null;
  async set(id: string, credentials: Credentials) {
    this.entries.set(id, credentials);
  }
  async get(id: string) {
    return this.entries.get(id) ?? null;
  }
  async delete(id: string) {
    this.entries.delete(id);
  }
  async getAuditKey() {
    return this.auditKey;
  }
  async setAuditKey(key: Buffer) {
    this.auditKey = key;
  }
}

async function call<T = unknown>(shell: DeskShell, caller: Caller, method: string, input?: unknown): Promise<T> {
  const result: Result<unknown> = await shell.dispatch(caller, method, input ?? null);
  if (!result.ok) throw new ApiFailure(result.error.code, result.error.params);
  return result.value as T;
}

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiFailure);
  return (error as ApiFailure).code;
}

interface SoloDesk {
  shell: DeskShell;
  dir: string;
  x: FakeX;
  en: string;
  fr: string;
  channelId: string;
  /** A pair approved and scheduled for a few seconds from now. */
  scheduled: Pair;
  /** What the administrator sees in the queue before the move. */
  seen: string[];
}

/** A department's solo desk, as its administrator set it up, with a drafter and a pair due soon. */
async function soloDesk(dueInMs: number): Promise<SoloDesk> {
  const x = new FakeX();
  await x.start();
  cleanups.push(() => x.stop());
  const app = fakeApp();
  const suffix = randomUUID().slice(0, 6);
  const accounts = { en: fakeAccount(x, `Dept_eng_${suffix}`, app), fr: fakeAccount(x, `Dept_fra_${suffix}`, app) };
  const dir = tempDir('tandem-desk-move-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const secrets = new MemorySecrets();
  const shell = new DeskShell({
    dataDir: dir,
    solo: () =>
      new TandemHost({
        dbFile: path.join(dir, 'tandem.db'),
        create: (options) =>
          createTandem({
            ...options,
            secrets,
            adapters: [new XAdapter({ apiBase: x.url, timeoutMs: 2_000 })],
            publisher: testPublisher,
            log: quiet,
          }),
        log: quiet,
        backups: { every: () => () => undefined },
      }),
    workspace: (url, dataDir) =>
      new WorkspaceDesk({ url, tokens: keychainTokenStore(url, tokenService), log: quiet, timeoutMs: 5_000, dataDir }),
    log: quiet,
    timeoutMs: 5_000,
  });
  cleanups.push(() => shell.close());
  await shell.start();
  await call(shell, adminWindow, 'desk.useHere');
  await call(shell, adminWindow, 'users.bootstrap', {
    username: 'admin',
    displayName: 'Admin',
    passphrase: passphraseOf('admin'),
  });
  const admin = (await call<{ user: User }>(shell, adminWindow, 'session.current')).user;
  for (const role of ['drafter', 'approver', 'publisher'] as const) {
    await call(shell, adminWindow, 'roles.grant', { userId: admin.id, role, channelId: null, expiresAt: null });
  }
  const channel = await call<Channel>(shell, adminWindow, 'accounts.addPair', {
    platform: 'x',
    name: 'Department',
    en: { handle: accounts.en.username, displayName: 'Department EN', credentials: credentialsOf(accounts.en) },
    fr: { handle: accounts.fr.username, displayName: 'Department FR', credentials: credentialsOf(accounts.fr) },
  });
  await call(shell, adminWindow, 'accounts.setSelfApproval', { channelId: channel.id, allowed: true });
  const dana = await call<User>(shell, adminWindow, 'users.create', {
    username: 'dana',
    displayName: 'Dana',
    passphrase: passphraseOf('dana'),
  });
  await call(shell, adminWindow, 'roles.grant', { userId: dana.id, role: 'drafter', channelId: null, expiresAt: null });
  await call(shell, adminWindow, 'pairs.create', {
    channelIds: [channel.id],
    enText: 'A draft',
    frText: 'Un brouillon',
    authorTz: 'America/Toronto',
  });
  const scheduled = await schedule(shell, channel.id, 'Offices open Monday', 'Bureaux ouverts lundi', dueInMs);
  const seen = (await call<Pair[]>(shell, adminWindow, 'pairs.list', { limit: 100 })).map((p) => p.id).sort();
  expect(seen).toHaveLength(2);
  return { shell, dir, x, en: accounts.en.username, fr: accounts.fr.username, channelId: channel.id, scheduled, seen };
}

/** A new pair taken to "scheduled" by the administrator, due in `dueInMs`. */
async function schedule(
  shell: DeskShell,
  channelId: string,
  enText: string,
  frText: string,
  dueInMs: number,
): Promise<Pair> {
  let pair = await call<Pair>(shell, adminWindow, 'pairs.create', {
    channelIds: [channelId],
    enText,
    frText,
    authorTz: 'America/Toronto',
  });
  pair = await call<Pair>(shell, adminWindow, 'pairs.submitForReview', { id: pair.id, version: pair.version });
  pair = await call<Pair>(shell, adminWindow, 'pairs.approve', {
    id: pair.id,
    version: pair.version,
    comment: 'Both read',
  });
  const scheduledAt = new Date(Date.now() + dueInMs).toISOString();
  return call<Pair>(shell, adminWindow, 'pairs.schedule', {
    id: pair.id,
    version: pair.version,
    when: 'at',
    scheduledAt,
  });
}

/** A tandem-server on loopback publishing to the desk's fake X; new (nobody in it) unless `inUse`. */
async function workspace(x: FakeX, inUse = false): Promise<TandemServer> {
  const key = randomBytes(32);
  const t = await startTestApp(
    {
      secrets: (sql) => new SealedSecretStore(sql, key),
      adapters: [new XAdapter({ apiBase: x.url, timeoutMs: 2_000 })],
      log: quiet,
    },
    { bootstrap: inUse },
  );
  await t.tandem.ready;
  const server = await startServer(t.tandem, { host: '127.0.0.1', port: 0, log: quiet });
  cleanups.push(() => t.cleanup());
  cleanups.push(() => server.close());
  return server;
}

const postsOf = (desk: SoloDesk, text: string) =>
  desk.x.posts
    .filter((p) => p.text.includes(text))
    .map((p) => p.username)
    .sort();

describe('moving a solo desk into a new workspace from the desk', () => {
  it('moves everything, sets the old database aside, signs in there with the same passphrase, and publishes once', async () => {
    const desk = await soloDesk(6_000);
    const server = await workspace(desk.x);

    // A backup taken on the desk before the move: it must not bring the moved pairs back either.
    const dbFile = path.join(desk.dir, 'tandem.db');
    const backup = await backupFile(dbFile, 'daily', Date.now());
    const backups = backupFiles(dbFile).map((b) => b.name);
    expect(backups).toContain(backup);

    const state = await call(desk.shell, adminWindow, 'desk.moveToWorkspace', { url: server.url, confirm: 'move' });
    expect(state).toEqual({ mode: 'workspace', url: server.url });
    expect(JSON.parse(fs.readFileSync(path.join(desk.dir, 'desk.json'), 'utf8'))).toEqual({
      mode: 'workspace',
      url: server.url,
    });
    // The desk's own services are closed, and its database is no longer where a solo desk would open it.
    expect(desk.shell.tandem).toBeNull();
    expect(fs.existsSync(path.join(desk.dir, 'tandem.db'))).toBe(false);
    const aside = fs.readdirSync(path.join(desk.dir, 'backups')).filter((name) => name.endsWith('.moved-to-workspace'));
    expect(aside.some((name) => /^tandem\.db\.\d{8}T\d{9}Z\.moved-to-workspace$/.test(name))).toBe(true);
    // Kept for whoever needs to look, but no longer a backup anyone could restore.
    for (const name of backups) expect(aside).toContain(`${name}.moved-to-workspace`);
    expect(backupFiles(dbFile)).toEqual([]);

    // Signed out by the move: the person signs in to the workspace, through the desk, as before.
    expect(await call(desk.shell, adminWindow, 'session.current')).toEqual({ user: null, needsBootstrap: false });
    await call(desk.shell, adminWindow, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
    const seen = (await call<Pair[]>(desk.shell, adminWindow, 'pairs.list', { limit: 100 })).map((p) => p.id).sort();
    expect(seen).toEqual(desk.seen);
    await call(desk.shell, danaWindow, 'session.signIn', { username: 'dana', passphrase: passphraseOf('dana') });

    // The scheduled pair goes out from the server at its time, once in each language, and never again.
    await waitFor(
      () => postsOf(desk, 'Offices open Monday').length + postsOf(desk, 'Bureaux ouverts lundi').length === 2,
      20_000,
      'the workspace to publish',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(postsOf(desk, 'Offices open Monday')).toEqual([desk.en]);
    expect(postsOf(desk, 'Bureaux ouverts lundi')).toEqual([desk.fr]);
    const published = await call<Pair[]>(desk.shell, adminWindow, 'pairs.list', { limit: 100 });
    expect(published.find((p) => p.id === desk.scheduled.id)?.status).toBe('published');
  }, 60_000);

  it('is refused to a drafter and to a window where nobody is signed in, and the desk is as it was', async () => {
    const desk = await soloDesk(60 * 60_000);
    const server = await workspace(desk.x);
    await call(desk.shell, danaWindow, 'session.signIn', { username: 'dana', passphrase: passphraseOf('dana') });
    expect(
      await refusal(call(desk.shell, danaWindow, 'desk.moveToWorkspace', { url: server.url, confirm: 'move' })),
    ).toBe('permission.denied');
    const nobody: Caller = { client: 'window-nobody' };
    expect(await refusal(call(desk.shell, nobody, 'desk.moveToWorkspace', { url: server.url, confirm: 'move' }))).toBe(
      'auth.required',
    );
    // Spelled out: without the confirmation nothing is even looked at.
    expect(await refusal(call(desk.shell, adminWindow, 'desk.moveToWorkspace', { url: server.url }))).toBe(
      'input.invalid',
    );
    expect(await call(desk.shell, adminWindow, 'desk.state')).toEqual({ mode: 'solo', url: null });
    expect(fs.existsSync(path.join(desk.dir, 'tandem.db'))).toBe(true);
    // The workspace is still new: the administrator can move the desk into it.
    expect(await call(desk.shell, adminWindow, 'desk.moveToWorkspace', { url: server.url, confirm: 'move' })).toEqual({
      mode: 'workspace',
      url: server.url,
    });
  }, 60_000);

  it('into a workspace already in use: refused, the desk stays solo and goes on publishing', async () => {
    const desk = await soloDesk(60 * 60_000);
    const server = await workspace(desk.x, true);
    // Due after the refusal: only the desk's own publisher, started again, can send it.
    const soon = await schedule(desk.shell, desk.channelId, 'Due after the refusal', 'Prévu après le refus', 3_000);
    expect(
      await refusal(call(desk.shell, adminWindow, 'desk.moveToWorkspace', { url: server.url, confirm: 'move' })),
    ).toBe('import.workspaceNotNew');
    expect(await call(desk.shell, adminWindow, 'desk.state')).toEqual({ mode: 'solo', url: null });
    expect(JSON.parse(fs.readFileSync(path.join(desk.dir, 'desk.json'), 'utf8'))).toEqual({ mode: 'solo' });
    expect(fs.existsSync(path.join(desk.dir, 'tandem.db'))).toBe(true);
    expect(desk.shell.tandem).not.toBeNull();
    // Still signed in on the desk, which still publishes.
    await waitFor(
      async () =>
        (await call<Pair[]>(desk.shell, adminWindow, 'pairs.list', { limit: 100 })).find((p) => p.id === soon.id)
          ?.status === 'published',
      20_000,
      'the desk to publish',
    );
    expect(postsOf(desk, 'Due after the refusal')).toEqual([desk.en]);
    // An address that is not a workspace is refused as when joining, before anything stops.
    expect(
      await refusal(
        call(desk.shell, adminWindow, 'desk.moveToWorkspace', { url: 'http://tandem.example.gc.ca', confirm: 'move' }),
      ),
    ).toBe('desk.insecureAddress');
  }, 60_000);

  it('is refused on a desk that is not solo: not chosen yet, or already joined to a workspace', async () => {
    const dir = tempDir('tandem-desk-move-');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const shell = new DeskShell({
      dataDir: dir,
      solo: () => {
        throw new Error('not chosen here');
      },
      workspace: (url, dataDir) =>
        new WorkspaceDesk({ url, tokens: keychainTokenStore(url, tokenService), log: quiet, dataDir }),
      log: quiet,
    });
    cleanups.push(() => shell.close());
    await shell.start();
    expect(
      await refusal(call(shell, adminWindow, 'desk.moveToWorkspace', { url: 'https://127.0.0.1:1', confirm: 'move' })),
    ).toBe('desk.notSolo');
  });
});
