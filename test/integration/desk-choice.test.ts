// A desk's first start: Tandem on this computer alone, or a desk joined to a team workspace
// (a real tandem-server on loopback, its session token in the real keychain); the choice kept
// across a restart, addresses that are refused before anything is saved, and leaving a workspace
// without touching the solo desk's own database.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { createTandem } from '../../src/main/app';
import { DeskShell } from '../../src/main/desk';
import { TandemHost } from '../../src/main/host';
import { createLogger } from '../../src/main/log';
import { keychainTokenStore, WorkspaceDesk } from '../../src/main/remote/workspace';
import { KeytarSecretStore } from '../../src/main/secrets';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { startServer, type TandemServer } from '../../src/server/server';
import type { Result } from '../../src/shared/contract';
import { passphraseOf, startTestApp, tempDir, type TestApp } from '../support';

const quiet = createLogger(() => undefined);
const service = `ca.gc.tandem.test.desk.${randomUUID()}`;
const tokenService = `${service}.workspace`;
const window = { client: 'window-1' };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const s of [service, tokenService]) {
    for (const { account } of await keytar.findCredentials(s)) await keytar.deletePassword(s, account);
  }
});

function soloHost(dataDir: string): TandemHost {
  return new TandemHost({
    dbFile: path.join(dataDir, 'tandem.db'),
    create: (options) => createTandem({ ...options, secrets: new KeytarSecretStore(service), adapters: [], log: quiet }),
    log: quiet,
    backups: { every: () => () => undefined },
  });
}

/** The desk's main process on this data folder, as the Electron entry builds it. */
function newShell(dataDir: string): DeskShell {
  const shell = new DeskShell({
    dataDir,
    solo: () => soloHost(dataDir),
    workspace: (url) => new WorkspaceDesk({ url, tokens: keychainTokenStore(url, tokenService), log: quiet, timeoutMs: 5_000 }),
    log: quiet,
    timeoutMs: 5_000,
  });
  cleanups.push(() => shell.close());
  return shell;
}

async function newDataDir(): Promise<string> {
  const dir = tempDir('tandem-desk-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const call = (shell: DeskShell, method: string, input?: unknown): Promise<Result<unknown>> =>
  shell.dispatch(window, method, input ?? null);

const refused = (code: string) => ({ ok: false, error: { code } });

/** A real tandem-server on loopback with one administrator ("admin"). */
async function startWorkspace(): Promise<{ t: TestApp; server: TandemServer }> {
  const key = randomBytes(32);
  const t = await startTestApp({ secrets: (sql) => new SealedSecretStore(sql, key) });
  await t.call('session.signOut');
  const server = await startServer(t.tandem, { host: '127.0.0.1', port: 0, log: quiet });
  cleanups.push(() => t.cleanup());
  cleanups.push(() => server.close());
  return { t, server };
}

/** A loopback HTTP server that is not a tandem-server, answering every request with this JSON. */
async function otherServer(status: number, body: unknown): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('first start', () => {
  it('asks first: until the person chooses, every other call is refused with a reason', async () => {
    const shell = newShell(await newDataDir());
    await shell.start();
    expect(await call(shell, 'desk.state')).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });
    for (const method of ['session.current', 'startup.problem', 'storage.problem', 'users.bootstrap', 'pairs.list']) {
      expect({ method, result: await call(shell, method) }).toEqual({ method, result: refused('desk.notChosen') });
    }
    // Not a workspace desk either: there is nothing to leave, and the input is checked as anywhere else.
    expect(await call(shell, 'desk.leave', { confirm: 'leave' })).toEqual(refused('desk.notInWorkspace'));
    expect(await call(shell, 'desk.leave')).toMatchObject(refused('input.invalid'));
    expect(shell.tandem).toBeNull();
  });

  it('"Use Tandem on this computer" starts the solo desk, and the choice is kept across a restart', async () => {
    const dir = await newDataDir();
    const shell = newShell(dir);
    await shell.start();
    const heard: string[] = [];
    shell.events.subscribe(window.client, (event) => heard.push(event));
    expect(await call(shell, 'desk.useHere')).toEqual({ ok: true, value: { mode: 'solo', url: null } });
    // The window is told to look again (it now shows the first administrator's form).
    await expect.poll(() => heard).toContain('session.changed');
    expect(await call(shell, 'session.current')).toEqual({ ok: true, value: { user: null, needsBootstrap: true } });
    const admin = { username: 'admin', displayName: 'Admin', passphrase: passphraseOf('admin') };
    expect(await call(shell, 'users.bootstrap', admin)).toMatchObject({ ok: true, value: { username: 'admin' } });
    expect(shell.tandem).not.toBeNull();
    // Once chosen, the choice is not offered again.
    expect(await call(shell, 'desk.useHere')).toEqual(refused('desk.alreadyChosen'));
    expect(await call(shell, 'desk.join', { url: 'https://127.0.0.1:1' })).toEqual(refused('desk.alreadyChosen'));
    await shell.close();

    const restarted = newShell(dir);
    await restarted.start();
    expect(await call(restarted, 'desk.state')).toEqual({ ok: true, value: { mode: 'solo', url: null } });
    expect(await call(restarted, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).toMatchObject({
      ok: true,
      value: { username: 'admin' },
    });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'desk.json'), 'utf8'))).toEqual({ mode: 'solo' });
  });

  it('a desk set up before the choice existed (its database, no desk.json) is the solo desk it was', async () => {
    const dir = await newDataDir();
    const before = soloHost(dir);
    await before.start();
    await before.dispatch(window, 'users.bootstrap', { username: 'admin', displayName: 'Admin', passphrase: passphraseOf('admin') });
    await before.close();

    const shell = newShell(dir);
    await shell.start();
    expect(await call(shell, 'desk.state')).toEqual({ ok: true, value: { mode: 'solo', url: null } });
    expect(await call(shell, 'session.current')).toEqual({ ok: true, value: { user: null, needsBootstrap: false } });
    expect(fs.existsSync(path.join(dir, 'desk.json'))).toBe(false);
  });
});

describe('joining a team workspace', () => {
  it('refuses an address that is not a tandem-server over a safe connection, and saves nothing', async () => {
    const dir = await newDataDir();
    const shell = newShell(dir);
    await shell.start();
    const join = (url: string) => call(shell, 'desk.join', { url });

    // Plain HTTP crosses a network in clear: only this computer's own address may use it (nothing is sent).
    expect(await join('http://tandem.example.gc.ca')).toEqual(refused('desk.insecureAddress'));
    expect(await join('http://localhost:8443')).toEqual(refused('desk.insecureAddress'));
    expect(await join('ftp://127.0.0.1/')).toEqual(refused('desk.invalidAddress'));
    expect(await join('https://')).toEqual(refused('desk.invalidAddress'));

    // Nothing listening there any more.
    const gone = http.createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    expect(await join(`http://127.0.0.1:${port}`)).toEqual(refused('workspace.unreachable'));

    // Something answers, but it is not a tandem-server.
    expect(await join(await otherServer(404, { error: 'not found' }))).toEqual(refused('desk.notAWorkspace'));
    expect(await join(await otherServer(200, { status: 'ok' }))).toEqual(refused('desk.notAWorkspace'));
    expect(await join(await otherServer(200, { status: 'ok', database: 'ok', engine: 'sqlite', extra: 1 }))).toEqual(
      refused('desk.notAWorkspace'),
    );

    expect(await call(shell, 'desk.state')).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('joins a real tandem-server, signs in through the desk, and stays joined across a restart', async () => {
    const { server } = await startWorkspace();
    const dir = await newDataDir();
    const shell = newShell(dir);
    await shell.start();
    // As typed, with a path and a trailing slash: the workspace is its origin.
    expect(await call(shell, 'desk.join', { url: ` ${server.url}/somewhere/ ` })).toEqual({
      ok: true,
      value: { mode: 'workspace', url: server.url },
    });
    expect(await call(shell, 'session.current')).toEqual({ ok: true, value: { user: null, needsBootstrap: false } });
    // The first administrator of a workspace is made on the server, never from a desk.
    expect(await call(shell, 'users.bootstrap', { username: 'x1', displayName: 'X', passphrase: passphraseOf('x1') })).toEqual(
      refused('auth.bootstrapLocalOnly'),
    );
    expect(await call(shell, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).toMatchObject({
      ok: true,
      value: { username: 'admin' },
    });
    expect(await call(shell, 'pairs.list', { limit: 5 })).toEqual({ ok: true, value: [] });
    // The solo desk's services never started, and its database was never created.
    expect(shell.tandem).toBeNull();
    expect(fs.existsSync(path.join(dir, 'tandem.db'))).toBe(false);
    await shell.close();

    const restarted = newShell(dir);
    await restarted.start();
    expect(await call(restarted, 'desk.state')).toEqual({ ok: true, value: { mode: 'workspace', url: server.url } });
    expect(await call(restarted, 'session.current')).toMatchObject({ ok: true, value: { user: { username: 'admin' } } });
  });
});

describe('leaving a workspace', () => {
  it('ends the session, forgets the token, deletes the workspace folder, and never touches the solo database', async () => {
    const { server } = await startWorkspace();
    const dir = await newDataDir();
    // This computer was a solo desk before, with its own administrator and data.
    const before = soloHost(dir);
    await before.start();
    await before.dispatch(window, 'users.bootstrap', { username: 'solo', displayName: 'Solo', passphrase: passphraseOf('solo') });
    await before.close();
    const soloDb = path.join(dir, 'tandem.db');
    const soloHash = sha256(soloDb);
    // …and was then left unchosen (as leaving a workspace leaves it).
    fs.writeFileSync(path.join(dir, 'desk.json'), JSON.stringify({ mode: 'unchosen' }));

    const shell = newShell(dir);
    await shell.start();
    expect(await call(shell, 'desk.state')).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });
    await call(shell, 'desk.join', { url: server.url });
    await call(shell, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
    const [entry] = await keytar.findCredentials(tokenService);
    expect(entry).toBeDefined();
    expect(fs.existsSync(path.join(dir, 'workspace'))).toBe(true);

    expect(await call(shell, 'desk.leave', { confirm: 'leave' })).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });
    // Ended on the server: the token no longer opens anything there.
    const after = await fetch(`${server.url}/api/call/session.current`, {
      method: 'POST',
      headers: { authorization: `Bearer ${entry!.password}`, 'content-type': 'application/json' },
      body: 'null',
    });
    expect(after.status).toBe(401);
    expect(await keytar.findCredentials(tokenService)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'workspace'))).toBe(false);
    expect(sha256(soloDb)).toBe(soloHash);
    expect(await call(shell, 'pairs.list', { limit: 5 })).toEqual(refused('desk.notChosen'));

    // Choosing this computer again brings the solo desk back as it was.
    expect(await call(shell, 'desk.useHere')).toEqual({ ok: true, value: { mode: 'solo', url: null } });
    expect(await call(shell, 'session.current')).toEqual({ ok: true, value: { user: null, needsBootstrap: false } });
    expect(await call(shell, 'session.signIn', { username: 'solo', passphrase: passphraseOf('solo') })).toMatchObject({
      ok: true,
      value: { username: 'solo' },
    });
  });

  it('leaves even when the server cannot be reached, and the token is forgotten all the same', async () => {
    const { server } = await startWorkspace();
    const dir = await newDataDir();
    const shell = newShell(dir);
    await shell.start();
    await call(shell, 'desk.join', { url: server.url });
    await call(shell, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
    expect(await keytar.findCredentials(tokenService)).toHaveLength(1);
    await server.close();

    expect(await call(shell, 'desk.leave', { confirm: 'leave' })).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });
    expect(await keytar.findCredentials(tokenService)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'workspace'))).toBe(false);
    await shell.close();
    const restarted = newShell(dir);
    await restarted.start();
    expect(await call(restarted, 'desk.state')).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });
  });
});
