// Automatic backups and "Restore from a backup": a verified copy once a day and before each
// migration, the newest few kept, and a restore that brings the pairs back while keeping the file
// it replaces. Time is a controlled clock; the hourly timer is called by the test.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTandem } from '../../src/main/app';
import { TandemHost } from '../../src/main/host';
import { schemaVersion } from '../../src/main/db';
import { backupFiles, backupName, dayMs, pruneBackups } from '../../src/main/db/backup';
import { KeytarSecretStore } from '../../src/main/secrets';
import { XAdapter } from '../../src/main/platforms/x';
import { createLogger } from '../../src/main/log';
import type { BackupInfo } from '../../src/shared/contract';
import type { Channel, Pair, User } from '../../src/shared/domain';
import { FakeX, credentialsOf, fakeAccount, fakeApp } from '../fakes/x-api';
import { passphraseOf, testCaller as caller, tempDir, waitFor } from '../support';

const hourMs = 60 * 60 * 1000;
let dir: string;
let dbFile: string;
let fake: FakeX;
let service: string;
let now: number;
let timer: (() => void) | null;
const hosts: TandemHost[] = [];

beforeEach(async () => {
  dir = tempDir();
  dbFile = path.join(dir, 'tandem.db');
  fake = new FakeX();
  await fake.start();
  service = `ca.gc.tandem.test.${randomUUID()}`;
  now = Date.UTC(2025, 5, 1, 12, 0, 0);
  timer = null;
});
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  await fake.stop();
  for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account);
  fs.rmSync(dir, { recursive: true, force: true });
});

function newHost(keep?: number): TandemHost {
  const clock = { now: () => now };
  const log = createLogger(() => undefined);
  const host = new TandemHost({
    dbFile,
    create: (options) =>
      createTandem({
        ...options,
        secrets: new KeytarSecretStore(service),
        adapters: [new XAdapter({ apiBase: fake.url, timeoutMs: 2_000 })],
        clock,
        log,
      }),
    clock,
    log,
    backups: {
      ...(keep === undefined ? {} : { keep }),
      every: (ms, tick) => {
        expect(ms).toBe(hourMs);
        timer = tick;
        return () => {
          timer = null;
        };
      },
    },
  });
  hosts.push(host);
  return host;
}

async function call<T = unknown>(host: TandemHost, method: string, input?: unknown): Promise<T> {
  const result = await host.dispatch(caller, method, input);
  if (!result.ok) throw new Error(result.error.code);
  return result.value as T;
}

/** An administrator who may also draft, and an X account pair to draft for. */
async function setUp(host: TandemHost): Promise<string> {
  await call(host, 'users.bootstrap', { username: 'admin', displayName: 'Admin', passphrase: passphraseOf('admin') });
  const admin = (await call<{ user: User }>(host, 'session.current')).user;
  await call(host, 'roles.grant', { userId: admin.id, role: 'drafter', channelId: null, expiresAt: null });
  const app = fakeApp();
  const en = fakeAccount(fake, 'Dept_eng', app);
  const fr = fakeAccount(fake, 'Dept_fra', app);
  const channel = await call<Channel>(host, 'accounts.addPair', {
    platform: 'x',
    name: 'Department',
    en: { handle: en.username, displayName: 'EN', credentials: credentialsOf(en) },
    fr: { handle: fr.username, displayName: 'FR', credentials: credentialsOf(fr) },
  });
  return channel.id;
}

const draft = (host: TandemHost, channelId: string, text: string) =>
  call<Pair>(host, 'pairs.create', {
    channelIds: [channelId],
    enText: text,
    frText: `${text} (fr)`,
    authorTz: 'America/Toronto',
  });

const signIn = (host: TandemHost, username = 'admin') =>
  call(host, 'session.signIn', { username, passphrase: passphraseOf(username) });

const pairTexts = async (host: TandemHost) => (await call<Pair[]>(host, 'pairs.list')).map((p) => p.enText).sort();

/** An hour passes and the timer fires; when a backup is due, resolves once it is in place (and the old pruned). */
async function hourPasses(backupDue: boolean): Promise<void> {
  now += hourMs;
  timer!();
  if (backupDue) await waitFor(() => backupFiles(dbFile)[0]?.takenAt === now, 5_000, 'daily backup');
}

describe('daily backups', () => {
  it('takes one on open, none again within the day, then one each day by the timer, keeping the newest N', async () => {
    const host = newHost(3);
    await host.start();
    await waitFor(() => backupFiles(dbFile).length === 1, 5_000, 'first backup');
    const first = backupFiles(dbFile)[0]!;
    expect(first).toMatchObject({ reason: 'daily', schemaVersion, takenAt: now });
    expect(first.name).toBe(backupName(now, schemaVersion, 'daily'));

    for (let hour = 1; hour < 24; hour++) await hourPasses(false);
    expect(backupFiles(dbFile)).toHaveLength(1);
    await hourPasses(true);
    expect(backupFiles(dbFile)).toHaveLength(2);
    expect(backupFiles(dbFile)[0]!.takenAt).toBe(Date.UTC(2025, 5, 2, 12, 0, 0));

    for (let day = 0; day < 3; day++) {
      now += dayMs - hourMs;
      await hourPasses(true);
    }
    // Five taken, three kept: the newest.
    const kept = backupFiles(dbFile);
    expect(kept.map((b) => new Date(b.takenAt).toISOString())).toEqual([
      '2025-06-05T12:00:00.000Z',
      '2025-06-04T12:00:00.000Z',
      '2025-06-03T12:00:00.000Z',
    ]);
    // Each one is a self-contained, checked SQLite file with its audit head beside it: no -wal or
    // -shm, nothing partial, and the pruned ones' heads went with them.
    const names = kept.map((b) => b.name);
    const inFolder = fs.readdirSync(path.join(dir, 'backups'));
    expect(inFolder.filter((n) => !n.endsWith('.audit-head')).sort()).toEqual([...names].sort());
    for (const head of inFolder.filter((n) => n.endsWith('.audit-head'))) expect(names).toContain(head.slice(0, -'.audit-head'.length));
    for (const backup of kept) {
      const copy = new Database(backup.file, { readonly: true });
      expect(copy.pragma('quick_check', { simple: true })).toBe('ok');
      copy.close();
    }
  });

  it('on open, takes none if the newest backup is less than a day old', async () => {
    let host = newHost();
    await host.start();
    await waitFor(() => backupFiles(dbFile).length === 1, 5_000, 'first backup');
    await host.close();
    now += 23 * hourMs;
    host = newHost();
    await host.start();
    await host.close();
    expect(backupFiles(dbFile)).toHaveLength(1);
    now += 2 * hourMs;
    host = newHost();
    await host.start();
    await host.close();
    expect(backupFiles(dbFile)).toHaveLength(2);
  });
});

describe('pruning', () => {
  it('keeps the newest N, the newest daily one and the newest of each schema version, and nothing else is touched', () => {
    const folder = path.join(dir, 'backups');
    fs.mkdirSync(folder);
    const at = (day: number) => Date.UTC(2025, 0, day);
    const names = [
      backupName(at(1), 5, 'daily'),
      backupName(at(2), 5, 'migration'),
      backupName(at(3), schemaVersion, 'daily'),
      backupName(at(4), schemaVersion, 'daily'),
      backupName(at(5), schemaVersion, 'migration'),
      backupName(at(6), schemaVersion, 'migration'),
    ];
    const others = [
      'tandem.db.20250101T000000000Z.before-restore',
      `${backupName(at(7), schemaVersion, 'daily')}.partial`,
      'notes.txt',
    ];
    for (const name of [...names, ...others]) fs.writeFileSync(path.join(folder, name), 'x');

    const deleted = pruneBackups(dbFile, 2);
    expect(deleted.sort()).toEqual([names[0], names[2]].sort());
    expect(fs.readdirSync(folder).sort()).toEqual([names[1], names[3], names[4], names[5], ...others].sort());
  });
});

describe('restoring a backup', () => {
  it('an administrator restores one while Tandem runs: the pairs come back, the replaced file is kept, everyone signs in again', async () => {
    const host = newHost();
    await host.start();
    const channelId = await setUp(host);
    await draft(host, channelId, 'Before the backup');
    now += dayMs;
    timer!();
    await waitFor(() => backupFiles(dbFile).length === 2, 5_000, 'daily backup');
    // A day without a call: the session ended by itself (12 hours unused), as on any shared computer.
    expect(await call(host, 'session.current')).toEqual({ user: null, needsBootstrap: false });
    await signIn(host);
    await draft(host, channelId, 'After the backup');

    const listed = await call<BackupInfo[]>(host, 'backups.list');
    expect(listed.map((b) => [b.reason, b.pairs, b.usable, b.schemaVersion])).toEqual([
      ['daily', 1, true, schemaVersion],
      ['daily', 0, true, schemaVersion],
    ]);
    expect(listed[0]!.bytes).toBeGreaterThan(0);
    const before = host.tandem;

    expect(await call(host, 'backups.restore', { name: listed[0]!.name })).toBeNull();
    expect(host.tandem).not.toBe(before);
    expect(await call(host, 'session.current')).toEqual({ user: null, needsBootstrap: false });
    await signIn(host);
    expect(await pairTexts(host)).toEqual(['Before the backup']);

    // The file it replaced, with both pairs, is in the backups folder.
    const aside = fs.readdirSync(path.join(dir, 'backups')).filter((n) => n.endsWith('.before-restore'));
    expect(aside).toHaveLength(1);
    const replaced = new Database(path.join(dir, 'backups', aside[0]!), { readonly: true });
    expect(replaced.prepare('SELECT en_text FROM post_pair ORDER BY en_text').pluck().all()).toEqual([
      'After the backup',
      'Before the backup',
    ]);
    replaced.close();
    const trail = await host.tandem!.audit.list('database');
    expect(trail.map((e) => [e.actor, e.action, e.detail])).toEqual([
      ['admin', 'backup.restored', { backup: listed[0]!.name }],
    ]);
    // Backups themselves are untouched by a restore.
    expect(backupFiles(dbFile).map((b) => b.name)).toEqual(listed.map((b) => b.name));
    // The restored trail is checked against where it ended when the backup was taken: a restore
    // is not mistaken for events deleted behind Tandem's back.
    const audit = await call<{ integrity: { state: string; problems: unknown[] } }>(host, 'audit.list', { limit: 10 });
    expect(audit.integrity).toMatchObject({ state: 'intact', problems: [] });
  });

  it('from the problem screen: a damaged database is replaced by the chosen backup, and the pairs are back', async () => {
    let host = newHost();
    await host.start();
    const channelId = await setUp(host);
    await draft(host, channelId, 'Kept safe');
    now += dayMs;
    timer!();
    await waitFor(() => backupFiles(dbFile).length === 2, 5_000, 'daily backup');
    await host.close();
    const bytes = fs.readFileSync(dbFile);
    bytes.fill(0, 0, 100);
    fs.writeFileSync(dbFile, bytes);

    host = newHost();
    expect(await host.start()).toMatchObject({ kind: 'corrupt', canRestore: true });
    const listed = await call<BackupInfo[]>(host, 'backups.list');
    expect(listed[0]!.pairs).toBe(1);
    expect(await call(host, 'backups.restore', { name: listed[0]!.name })).toBeNull();
    expect(await call(host, 'startup.problem')).toBeNull();
    await signIn(host);
    expect(await pairTexts(host)).toEqual(['Kept safe']);
    const aside = fs.readdirSync(path.join(dir, 'backups')).filter((n) => n.endsWith('.before-restore'));
    expect(fs.readFileSync(path.join(dir, 'backups', aside[0]!))).toEqual(bytes);
    expect((await host.tandem!.audit.list('database')).map((e) => [e.actor, e.action])).toEqual([
      ['system:startup', 'backup.restored'],
    ]);
  });

  it('only administrators may list or restore backups', async () => {
    const host = newHost();
    await host.start();
    await setUp(host);
    await call(host, 'users.create', {
      username: 'drafter',
      displayName: 'Drafter',
      passphrase: passphraseOf('drafter'),
    });
    await signIn(host, 'drafter');
    const name = backupFiles(dbFile)[0]!.name;
    const denied = { ok: false, error: { code: 'permission.denied', params: { action: 'workspace.settings' } } };
    expect(await host.dispatch(caller, 'backups.list', undefined)).toEqual(denied);
    const before = host.tandem;
    expect(await host.dispatch(caller, 'backups.restore', { name })).toEqual(denied);
    expect(host.tandem).toBe(before);
  });

  it('a damaged backup is listed as unusable and restoring it changes nothing', async () => {
    const host = newHost();
    await host.start();
    await setUp(host);
    const [backup] = backupFiles(dbFile);
    fs.writeFileSync(backup!.file, Buffer.alloc(4096, 0x42));
    const listed = await call<BackupInfo[]>(host, 'backups.list');
    expect(listed[0]).toMatchObject({ name: backup!.name, usable: false, pairs: null });
    const before = host.tandem;
    expect(await host.dispatch(caller, 'backups.restore', { name: backup!.name })).toEqual({
      ok: false,
      error: { code: 'backups.unusable' },
    });
    expect(host.tandem).toBe(before);
    expect(fs.readdirSync(path.join(dir, 'backups')).filter((n) => n.includes('before-restore'))).toEqual([]);
  });

  it('only a backup name from the list is accepted: no path, no other file', async () => {
    const host = newHost();
    await host.start();
    await setUp(host);
    for (const name of [
      '../tandem.db',
      'tandem.db',
      `backups/${backupName(now, schemaVersion, 'daily')}`,
      '/etc/passwd',
    ]) {
      expect(await host.dispatch(caller, 'backups.restore', { name }), name).toMatchObject({
        ok: false,
        error: { code: 'input.invalid' },
      });
    }
    expect(await host.dispatch(caller, 'backups.restore', { name: backupName(now - dayMs, schemaVersion, 'daily') })).toEqual({
      ok: false,
      error: { code: 'backups.unusable' },
    });
  });
});
