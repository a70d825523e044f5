// tandem-server's transport on a real database (both engines): sessions that are random tokens
// kept only as hashes and end at once (sign-out, sign out everywhere, a role revoked, expiry),
// limits (body size, sign-in rate), the health endpoint, each person's event stream, TLS, and
// credentials sealed in the database under a key kept outside it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, InsecureListenError, type TandemServer, type ServerOptions } from '../../src/server/server';
import { runServer } from '../../src/server/main';
import { acquireInstanceLock, InstanceRunningError } from '../../src/server/instanceLock';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { WorkspaceDesk } from '../../src/main/remote/workspace';
import { KeychainUnavailableError } from '../../src/main/secrets';
import { createLogger } from '../../src/main/log';
import type { Channel, Pair, User } from '../../src/shared/domain';
import { credentialsOf, fakeAccount, fakeApp } from '../fakes/x-api';
import { engine, memoryTokens, passphraseOf, startTestApp, tempDir, waitFor, type TestApp } from '../support';

interface Answer {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; params?: Record<string, unknown> } };
}

let t: TestApp | undefined;
let server: TandemServer | undefined;
const serverLog: string[] = [];

afterEach(async () => {
  await server?.close();
  server = undefined;
  await t?.cleanup();
  t = undefined;
  serverLog.length = 0;
});

/** A test app whose credentials are sealed in its database, served on loopback. */
async function serve(options: Partial<ServerOptions> = {}, app: Parameters<typeof startTestApp>[0] = {}): Promise<string> {
  const key = randomBytes(32);
  t = await startTestApp({ secrets: (sql) => new SealedSecretStore(sql, key), ...app });
  await t.tandem.ready;
  server = await startServer(t.tandem, {
    host: '127.0.0.1',
    port: 0,
    log: createLogger((line) => serverLog.push(line)),
    ...options,
  });
  return server.url;
}

async function request(url: string, method: string, body?: unknown, token?: string, raw?: string): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function signIn(base: string, username: string): Promise<{ token: string; user: User; expiresAt: string }> {
  const answer = await request(`${base}/api/session`, 'POST', { username, passphrase: passphraseOf(username) });
  expect(answer.status).toBe(200);
  return answer.body.value as { token: string; user: User; expiresAt: string };
}

const callAs = (base: string, token: string | undefined, method: string, input?: unknown) =>
  request(`${base}/api/call/${method}`, 'POST', input ?? null, token);

describe('tandem-server: sessions', () => {
  it('signs in with a random token that is kept only as its hash, and calls the services with it', async () => {
    const base = await serve();
    const { token, user, expiresAt } = await signIn(base, 'admin');
    expect(user.username).toBe('admin');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 11 * 3_600_000);

    const listed = await callAs(base, token, 'pairs.list', { limit: 10 });
    expect(listed).toEqual({ status: 200, body: { ok: true, value: [] } });

    // The database holds the token's hash, never the token; the log names neither.
    const rows = await t!.tandem.sql.all<{ token_hash: string }>('SELECT token_hash FROM session');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.token_hash.includes(token))).toBe(false);
    expect(serverLog.join('\n')).not.toContain(token);
    expect(serverLog.join('\n')).not.toContain(passphraseOf('admin'));
  });

  it('refuses a call without a token, with an unknown one, and a wrong passphrase, changing nothing', async () => {
    const base = await serve();
    expect(await callAs(base, undefined, 'pairs.list', { limit: 10 })).toEqual({ status: 401, body: { ok: false, error: { code: 'auth.required' } } });
    expect((await callAs(base, randomBytes(32).toString('base64url'), 'pairs.create', {})).status).toBe(401);
    const wrong = await request(`${base}/api/session`, 'POST', { username: 'admin', passphrase: 'not the passphrase at all' });
    expect(wrong).toEqual({ status: 401, body: { ok: false, error: { code: 'auth.invalid' } } });
    // Signing in through the call route would open a session for the token's client: it has its own route.
    const { token } = await signIn(base, 'admin');
    expect((await callAs(base, token, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).status).toBe(404);
  });

  it('signing out ends that session at once, and only that one', async () => {
    const base = await serve();
    const laptop = await signIn(base, 'admin');
    const office = await signIn(base, 'admin');
    expect((await request(`${base}/api/session`, 'DELETE', undefined, laptop.token)).body).toEqual({ ok: true, value: null });
    expect((await callAs(base, laptop.token, 'pairs.list', { limit: 1 })).status).toBe(401);
    expect((await callAs(base, office.token, 'pairs.list', { limit: 1 })).status).toBe(200);
  });

  it('"sign out everywhere" ends every session of the person, on the server and on the desk alike', async () => {
    const base = await serve();
    const laptop = await signIn(base, 'admin');
    const office = await signIn(base, 'admin');
    // The test's own window (the desk's IPC transport) is signed in as the admin too.
    expect((await t!.tandem.dispatch(t!.caller, 'session.current', null)).ok).toBe(true);
    const ended = await callAs(base, laptop.token, 'session.signOutEverywhere');
    expect(ended.body).toEqual({ ok: true, value: { ended: 3 } });
    expect((await callAs(base, laptop.token, 'pairs.list', { limit: 1 })).status).toBe(401);
    expect((await callAs(base, office.token, 'pairs.list', { limit: 1 })).status).toBe(401);
    expect(await t!.tandem.dispatch(t!.caller, 'pairs.list', { limit: 1 })).toEqual({ ok: false, error: { code: 'auth.required' } });
    const trail = await t!.tandem.audit.list('user:admin');
    expect(trail.at(-1)).toMatchObject({ action: 'auth.signedOutEverywhere', detail: { sessions: 3 } });
  });

  it('revoking a role ends the person’s sessions at once; signed in again, they have only the roles left', async () => {
    const base = await serve();
    const channelId = await t!.addChannel();
    const dana = await t!.addUser('dana', ['drafter', 'approver'], { channelId });
    const session = await signIn(base, 'dana');
    expect((await callAs(base, session.token, 'pairs.list', { limit: 1 })).status).toBe(200);
    const approver = dana.grants.find((g) => g.role === 'approver')!;
    await t!.call('roles.revoke', { grantId: approver.id });
    expect((await callAs(base, session.token, 'pairs.list', { limit: 1 })).status).toBe(401);
    const again = await signIn(base, 'dana');
    const created = await callAs(base, again.token, 'pairs.create', { channelIds: [channelId], enText: 'Hello', frText: 'Bonjour', authorTz: 'America/Toronto' });
    expect(created.status).toBe(200);
    const pair = created.body.value as Pair;
    const submitted = (await callAs(base, again.token, 'pairs.submitForReview', { id: pair.id, version: pair.version })).body.value as Pair;
    const approve = await callAs(base, again.token, 'pairs.approve', { id: pair.id, version: submitted.version, comment: 'mine' });
    expect(approve.body).toMatchObject({ ok: false, error: { code: 'permission.denied' } });
    expect((await t!.tandem.audit.list('user:dana')).find((e) => e.action === 'role.revoked')?.detail).toMatchObject({ sessionsEnded: 1 });
  });

  it('forgets sessions that ended more than 30 days ago, and keeps the rest', async () => {
    const base = await serve();
    const live = await signIn(base, 'admin');
    const old = await signIn(base, 'admin');
    await request(`${base}/api/session`, 'DELETE', undefined, old.token);
    const day = 24 * 60 * 60_000;
    await t!.tandem.sql.run('UPDATE session SET revoked_at = ? WHERE revoked_at IS NOT NULL', [Date.now() - 31 * day]);
    const before = (await t!.tandem.sql.value<number>('SELECT COUNT(*) FROM session'))!;
    expect(await t!.tandem.users.pruneSessions()).toBe(1);
    expect(await t!.tandem.sql.value<number>('SELECT COUNT(*) FROM session')).toBe(before - 1);
    expect((await callAs(base, live.token, 'pairs.list', { limit: 1 })).status).toBe(200);
  });

  it('deactivating a person ends their sessions at once, keeps their history, and refuses their sign-in', async () => {
    const base = await serve();
    const channelId = await t!.addChannel();
    const dana = await t!.addUser('dana', ['drafter'], { channelId });
    const laptop = await signIn(base, 'dana');
    const window = { client: 'dana-window' };
    await t!.signInAs('dana', window);
    const drafted = await callAs(base, laptop.token, 'pairs.create', { channelIds: [channelId], enText: 'Mine', frText: 'Le mien', authorTz: 'UTC' });
    expect(drafted.body.ok).toBe(true);

    // Only an administrator, never oneself, and never the last permanent administrator.
    const admin = (await t!.call<{ user: User }>('session.current')).user;
    expect((await callAs(base, laptop.token, 'users.deactivate', { userId: admin.id })).body).toMatchObject({ ok: false, error: { code: 'permission.denied' } });
    await expect(t!.call('users.deactivate', { userId: admin.id })).rejects.toMatchObject({ code: 'user.deactivateSelf' });

    const done = await t!.call<User>('users.deactivate', { userId: dana.id });
    expect(done.deactivatedAt).not.toBeNull();
    expect((await callAs(base, laptop.token, 'pairs.list', { limit: 1 })).status).toBe(401);
    expect(await t!.tandem.dispatch(window, 'pairs.list', { limit: 1 })).toEqual({ ok: false, error: { code: 'auth.required' } });
    const again = await request(`${base}/api/session`, 'POST', { username: 'dana', passphrase: passphraseOf('dana') });
    expect(again).toMatchObject({ status: 403, body: { ok: false, error: { code: 'auth.deactivated' } } });
    // A wrong passphrase is told as any wrong passphrase: nothing about the profile.
    const wrong = await request(`${base}/api/session`, 'POST', { username: 'dana', passphrase: 'not the passphrase at all' });
    expect(wrong.body).toEqual({ ok: false, error: { code: 'auth.invalid' } });
    // Her pair and her part in it stay.
    expect((await t!.tandem.pairs.get((drafted.body.value as Pair).id))?.createdBy).toBe('dana');
    expect((await t!.tandem.audit.list('user:dana')).find((e) => e.action === 'user.deactivated')?.detail).toEqual({ sessionsEnded: 2 });
    // Deactivated, a permanent administrator no longer counts as the one that must remain.
    const other = await t!.addUser('olivia', ['admin']);
    await t!.call('users.deactivate', { userId: other.id });
    const mine = admin.grants.find((g) => g.role === 'admin')!;
    await expect(t!.call('roles.revoke', { grantId: mine.id })).rejects.toMatchObject({ code: 'role.lastAdmin' });
  });

  it('a session unused for its length expires; one in use stays open', async () => {
    const base = await serve({}, { sessionTtlMs: 1_500 });
    const idle = await signIn(base, 'admin');
    const busy = await signIn(base, 'admin');
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await callAs(base, busy.token, 'pairs.list', { limit: 1 })).status).toBe(200);
    }
    expect((await callAs(base, idle.token, 'pairs.list', { limit: 1 })).status).toBe(401);
  });
});

describe('tandem-server: limits, health and events', () => {
  it('answers a body over the limit with 413 and a body that is not JSON with 400', async () => {
    const base = await serve();
    const { token } = await signIn(base, 'admin');
    const big = await request(`${base}/api/call/pairs.create`, 'POST', undefined, token, 'x'.repeat(30 * 1024 * 1024));
    expect(big).toEqual({ status: 413, body: { ok: false, error: { code: 'input.tooLarge' } } });
    const bad = await request(`${base}/api/call/pairs.create`, 'POST', undefined, token, '{not json');
    expect(bad).toEqual({ status: 400, body: { ok: false, error: { code: 'input.invalid' } } });
  });

  it('limits sign-in attempts per address, saying when to try again', async () => {
    const base = await serve({ signInsPerMinute: 3 });
    for (let i = 0; i < 3; i++) {
      expect((await request(`${base}/api/session`, 'POST', { username: `nobody${i}`, passphrase: 'wrong wrong wrong' })).status).toBe(401);
    }
    const response = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', passphrase: passphraseOf('admin') }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await response.json()) as Answer['body']).error).toMatchObject({ code: 'auth.rateLimited' });
  });

  it('tells its health and engine, without a session and without anything secret', async () => {
    const base = await serve();
    const answer = await fetch(`${base}/health`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: 'ok', database: 'ok', engine });
  });

  it('streams to each person only the events about what they may see', async () => {
    const base = await serve();
    const mine = await t!.addChannel('Mine');
    const app = fakeApp();
    const theirs = await t!.addChannel('Theirs', {
      accounts: { en: fakeAccount(t!.fake, 'Other_eng', app), fr: fakeAccount(t!.fake, 'Other_fra', app) },
    });
    await t!.addUser('dana', ['drafter'], { channelId: mine });
    const admin = await signIn(base, 'admin');
    const dana = await signIn(base, 'dana');
    const heard = { admin: [] as string[], dana: [] as string[] };
    const close = [listen(base, admin.token, heard.admin), listen(base, dana.token, heard.dana)];
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const other = (await callAs(base, admin.token, 'pairs.create', { channelIds: [theirs], enText: 'Theirs', frText: 'Les leurs', authorTz: 'America/Toronto' })).body
        .value as Pair;
      const own = (await callAs(base, dana.token, 'pairs.create', { channelIds: [mine], enText: 'Mine', frText: 'Le mien', authorTz: 'America/Toronto' })).body
        .value as Pair;
      await waitFor(() => heard.admin.some((e) => e.includes(own.id)) && heard.dana.some((e) => e.includes(own.id)), 5_000, 'both told of the pair both see');
      expect(heard.admin.some((e) => e.includes(other.id))).toBe(true);
      expect(heard.dana.some((e) => e.includes(other.id))).toBe(false);
    } finally {
      for (const stop of close) stop();
    }
    const refused = await fetch(`${base}/api/events`);
    expect(refused.status).toBe(401);
  });
});

/** Reads a person's event stream into `into` until the returned function is called. */
function listen(base: string, token: string, into: string[]): () => void {
  const req = http.get(`${base}/api/events`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => into.push(chunk));
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  return () => req.destroy();
}

describe('tandem-server: transport security', () => {
  it('refuses plain HTTP anywhere but a loopback address', async () => {
    t = await startTestApp();
    await expect(startServer(t.tandem, { host: '0.0.0.0', port: 0, log: createLogger(() => undefined) })).rejects.toBeInstanceOf(InsecureListenError);
  });

  it('serves HTTPS with the certificate and key it is given', async () => {
    const dir = tempDir();
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
    const base = await serve({ tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await new Promise<{ status: number; body: string; protocol: string | null }>((resolve, reject) => {
      const req = https.get(`${base}/health`, { ca: fs.readFileSync(cert) }, (res) => {
        const protocol = (res.socket as import('node:tls').TLSSocket).getProtocol();
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }));
      });
      req.on('error', reject);
    });
    expect(answer.status).toBe(200);
    expect(answer.protocol).toMatch(/^TLSv1\.[23]$/);

    // A desk joined to it trusts the department's certificate authority it is given, and no other.
    const desk = new WorkspaceDesk({ url: base, ca: fs.readFileSync(cert), tokens: memoryTokens(), log: createLogger(() => undefined) });
    expect(await desk.dispatch({ client: 'w' }, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).toMatchObject({
      ok: true,
      value: { username: 'admin' },
    });
    expect(await desk.dispatch({ client: 'w' }, 'pairs.list', { limit: 1 })).toEqual({ ok: true, value: [] });
    desk.close();
    const untrusting = new WorkspaceDesk({ url: base, tokens: memoryTokens(), log: createLogger(() => undefined) });
    expect(await untrusting.dispatch({ client: 'w' }, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).toEqual({
      ok: false,
      error: { code: 'workspace.unreachable' },
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('tandem-server: credentials live with the server, sealed', () => {
  it('keeps an account pair’s credentials sealed in the database, never in clear and never sent back', async () => {
    const base = await serve();
    const { token } = await signIn(base, 'admin');
    const app = fakeApp();
    const en = fakeAccount(t!.fake, 'Sealed_eng', app);
    const fr = fakeAccount(t!.fake, 'Sealed_fra', app);
    const added = await callAs(base, token, 'accounts.addPair', {
      platform: 'x',
      name: 'Sealed',
      en: { handle: en.username, displayName: 'Sealed EN', credentials: credentialsOf(en) },
      fr: { handle: fr.username, displayName: 'Sealed FR', credentials: credentialsOf(fr) },
    });
    expect(added.body.ok).toBe(true);
    const everything = JSON.stringify(added.body) + JSON.stringify((await callAs(base, token, 'accounts.list')).body);
    const rows = await t!.tandem.sql.all<Record<string, unknown>>('SELECT * FROM sealed_secret');
    expect(rows.length).toBeGreaterThanOrEqual(3); // two accounts and the audit key
    for (const secret of [en.accessSecret, en.appSecret, fr.accessToken, fr.accessSecret]) {
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(everything).not.toContain(secret);
      expect(serverLog.join('\n')).not.toContain(secret);
    }
    expect((added.body.value as Channel).name).toBe('Sealed');
  });

  it('opens nothing under another key, nor a sealed value moved to another row', async () => {
    t = await startTestApp();
    const sealedBy = new SealedSecretStore(t.tandem.sql, randomBytes(32));
    await sealedBy.set('account-a', credentialsOf(t.en));
    expect(await sealedBy.get('account-a')).toEqual(credentialsOf(t.en));
    await expect(new SealedSecretStore(t.tandem.sql, randomBytes(32)).get('account-a')).rejects.toBeInstanceOf(KeychainUnavailableError);
    await t.tandem.sql.run("UPDATE sealed_secret SET name = 'account:account-b' WHERE name = 'account:account-a'");
    await expect(sealedBy.get('account-b')).rejects.toBeInstanceOf(KeychainUnavailableError);
  });
});

describe('tandem-server: started with one command', () => {
  it('starts from its environment, answers, and stops; on SQLite a second instance on the same data is refused', async () => {
    const dir = tempDir();
    const env = {
      TANDEM_DATA_DIR: dir,
      TANDEM_KEY_FILE: path.join(dir, 'tandem-server.key'),
      PORT: '0',
      ...(engine === 'postgres' ? { DATABASE_URL: await postgresUrl() } : {}),
    };
    const log: string[] = [];
    const first = await runServer(env, createLogger((line) => log.push(line)));
    try {
      expect(fs.statSync(path.join(dir, 'tandem-server.key')).mode & 0o777).toBe(0o600);
      const health = await fetch(`${first.server.url}/health`);
      expect(await health.json()).toEqual({ status: 'ok', database: 'ok', engine });
      // The first administrator is made from the server's own computer.
      const made = await request(`${first.server.url}/api/bootstrap`, 'POST', { username: 'root', displayName: 'Root', passphrase: passphraseOf('root') });
      expect(made.status).toBe(200);
      expect((made.body.value as { user: User }).user.grants.map((g) => g.role)).toEqual(['admin']);
      if (engine === 'sqlite') await expect(runServer(env, createLogger(() => undefined))).rejects.toBeInstanceOf(InstanceRunningError);
    } finally {
      await first.stop();
    }
    expect(fs.existsSync(path.join(dir, 'tandem-server.lock'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('without a key file, keeps the sealing key in the server’s OS keychain, and finds it again at the next start', async () => {
    const dir = tempDir();
    const service = `ca.gc.tandem-server.test.${randomBytes(6).toString('hex')}`;
    const env = {
      TANDEM_DATA_DIR: dir,
      TANDEM_KEYCHAIN_SERVICE: service,
      PORT: '0',
      ...(engine === 'postgres' ? { DATABASE_URL: await postgresUrl() } : {}),
    };
    try {
      const first = await runServer(env, createLogger(() => undefined));
      await first.stop();
      expect(fs.existsSync(path.join(dir, 'tandem-server.key'))).toBe(false);
      expect(Buffer.from((await keytar.getPassword(service, 'sealing-key'))!, 'base64')).toHaveLength(32);
      // Sealed under that key at the first start, the audit key opens at the second: the trail is intact.
      const second = await runServer(env, createLogger(() => undefined));
      try {
        expect((await second.tandem.audit.integrity()).state).toBe('intact');
      } finally {
        await second.stop();
      }
    } finally {
      await keytar.deletePassword(service, 'sealing-key');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes over a lock left by a process that is gone', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tandem-server.lock');
    fs.writeFileSync(file, '999999999');
    const release = acquireInstanceLock(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(String(process.pid));
    release();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** A fresh PostgreSQL database of the test cluster, as a connection string. */
async function postgresUrl(): Promise<string> {
  const { newPostgresDatabase } = await import('../engine');
  const c = await newPostgresDatabase();
  if (c.connectionString) return c.connectionString;
  return `postgres://${encodeURIComponent(c.user ?? '')}${c.password ? `:${encodeURIComponent(c.password)}` : ''}@${c.host ?? '127.0.0.1'}:${c.port ?? 5432}/${c.database ?? ''}`;
}

describe('tandem-server: forged calls are refused, and change nothing', () => {
  /** What a forged call could have changed: pairs, people, roles, sessions' owners, desks' changes. */
  async function state(): Promise<string> {
    const sql = t!.tandem.sql;
    return JSON.stringify([
      await sql.all('SELECT id, en_text, fr_text, status, version FROM post_pair ORDER BY id'),
      await sql.all('SELECT id, username, deactivated_at FROM "user" ORDER BY id'),
      await sql.all('SELECT id, role, revoked_at FROM role_grant ORDER BY id'),
      await sql.all('SELECT id, user_id, method FROM client_mutation ORDER BY id'),
      await sql.all('SELECT pair_id, decision FROM approval ORDER BY pair_id'),
    ]);
  }

  const withKey = async (base: string, token: string, method: string, input: unknown, key: string): Promise<Answer> => {
    const response = await fetch(`${base}/api/call/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
      body: JSON.stringify(input),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };

  it('a translator approving, a replayed change id, an ended session, and a desk naming another person are each refused', async () => {
    const base = await serve({}, { sessionTtlMs: 1_500 });
    const channelId = await t!.addChannel();
    await t!.addUser('dana', ['drafter'], { channelId });
    await t!.addUser('tom', ['translator'], { channelId });
    const dana = await signIn(base, 'dana');
    const tom = await signIn(base, 'tom');
    const key = randomUUID();
    const created = await withKey(base, dana.token, 'pairs.create', { channelIds: [channelId], enText: 'Dana’s draft', frText: 'Ébauche', authorTz: 'America/Toronto' }, key);
    expect(created.status).toBe(200);
    const pair = (created.body.value as Pair);
    const submitted = await callAs(base, dana.token, 'pairs.submitForReview', { id: pair.id, version: pair.version });
    expect(submitted.body.ok).toBe(true);
    const before = await state();

    // A translator approving: refused by the services, whatever the desk shows.
    expect((await callAs(base, tom.token, 'pairs.approve', { id: pair.id, version: pair.version, comment: 'Looks fine' })).body).toMatchObject({ ok: false, error: { code: 'permission.denied' } });
    // Dana's change id replayed by Tom, then by Dana for another change: refused.
    expect((await withKey(base, tom.token, 'pairs.create', { channelIds: [channelId], enText: 'Dana’s draft', frText: 'Ébauche', authorTz: 'America/Toronto' }, key)).body).toEqual({ ok: false, error: { code: 'sync.mutationReused' } });
    expect((await withKey(base, dana.token, 'pairs.update', { id: pair.id, version: pair.version, enText: 'Other', frText: 'Autre' }, key)).body).toEqual({ ok: false, error: { code: 'sync.mutationReused' } });
    // The same change id, the same change, the same person: the first answer again, nothing new.
    expect((await withKey(base, dana.token, 'pairs.create', { channelIds: [channelId], enText: 'Dana’s draft', frText: 'Ébauche', authorTz: 'America/Toronto' }, key)).body).toEqual(created.body);
    // A change id that is not one: refused before anything runs.
    expect((await withKey(base, dana.token, 'pairs.create', { channelIds: [channelId], enText: 'x', frText: '', authorTz: 'America/Toronto' }, 'not-a-uuid')).status).toBe(400);
    // A desk naming another person: as the author of a pair, as the owner of unsent text, as whom to deactivate.
    expect((await callAs(base, tom.token, 'pairs.create', { channelIds: [channelId], enText: 'x', frText: '', authorTz: 'America/Toronto', createdBy: 'dana' })).body).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    const danaId = (await callAs(base, dana.token, 'session.current')).body.value as { user: User };
    expect((await callAs(base, tom.token, 'unsent.save', { owner: danaId.user.id, enText: 'Planted', frText: '', channelIds: [], media: [] })).body.ok).toBe(false);
    expect((await callAs(base, tom.token, 'users.deactivate', { userId: danaId.user.id })).body).toMatchObject({ ok: false, error: { code: 'permission.denied' } });
    expect((await callAs(base, dana.token, 'unsent.get')).body).toEqual({ ok: true, value: null });
    // A revoked session (signed out), and an expired one: 401, as if the token were never given.
    await request(`${base}/api/session`, 'DELETE', undefined, tom.token);
    expect((await callAs(base, tom.token, 'pairs.create', { channelIds: [channelId], enText: 'After sign-out', frText: '', authorTz: 'America/Toronto' })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    expect((await callAs(base, dana.token, 'pairs.update', { id: pair.id, version: pair.version, enText: 'Expired', frText: 'Expirée' })).status).toBe(401);
    expect(await state()).toBe(before);
  });

  it('the dashboard’s methods: a translator rescheduling or duplicating, another person’s lists, a pair on account pairs the caller does not see', async () => {
    const base = await serve({});
    const channelId = await t!.addChannel();
    await t!.addUser('dana', ['drafter'], { channelId });
    await t!.addUser('tom', ['translator'], { channelId });
    const app = fakeApp();
    const other = await t!.addChannel('Other', { accounts: { en: fakeAccount(t!.fake, 'Other_eng', app), fr: fakeAccount(t!.fake, 'Other_fra', app) } });
    await t!.addUser('olga', ['drafter', 'approver', 'publisher'], { channelId: other });
    const dana = await signIn(base, 'dana');
    const tom = await signIn(base, 'tom');
    const olga = await signIn(base, 'olga');
    const pair = (await callAs(base, dana.token, 'pairs.create', { channelIds: [channelId], enText: 'Dana’s draft', frText: 'Ébauche', authorTz: 'America/Toronto' })).body.value as Pair;
    const before = await state();
    // The dashboard's methods: a translator rescheduling or duplicating, someone asking about
    // another person's lists or a pair on account pairs they do not see, and inputs that are not.
    expect((await callAs(base, tom.token, 'pairs.reschedule', { id: pair.id, version: pair.version, scheduledAt: new Date(Date.now() + 3_600_000).toISOString() })).body).toEqual({
      ok: false,
      error: { code: 'permission.denied', params: { action: 'pair.reschedule' } },
    });
    expect((await callAs(base, tom.token, 'pairs.duplicate', { id: pair.id })).body).toEqual({ ok: false, error: { code: 'permission.denied', params: { action: 'pair.create' } } });
    expect((await callAs(base, tom.token, 'pairs.waiting', { username: 'dana' })).body).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    expect((await callAs(base, tom.token, 'pairs.open', { id: pair.id, as: 'dana' })).body).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    expect((await callAs(base, dana.token, 'pairs.reschedule', { id: pair.id, version: pair.version, scheduledAt: 'tomorrow' })).body).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    const unknown = { ok: false, error: { code: 'pair.unknown' } };
    expect((await callAs(base, olga.token, 'pairs.open', { id: pair.id })).body).toEqual(unknown);
    expect((await callAs(base, olga.token, 'pairs.open', { id: randomUUID() })).body).toEqual(unknown);
    expect((await callAs(base, olga.token, 'pairs.duplicate', { id: pair.id })).body).toEqual(unknown);
    expect((await callAs(base, olga.token, 'pairs.waiting', null)).body).toEqual({
      ok: true,
      value: Object.fromEntries(['sentBack', 'translate', 'approve', 'publish', 'problems'].map((kind) => [kind, { count: 0, pairs: [] }])),
    });
    expect(await state()).toBe(before);
  });
});
