// What Tandem does when its database cannot be opened at start: each fault becomes a problem the
// person is told about, the file is left as it was, and nothing but the start-up calls answer.
// Above all, a database that held data is never taken for a first start.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTandem } from '../../src/main/app';
import { TandemHost, type HostOptions } from '../../src/main/host';
import { migrations, openDatabase, schemaVersion } from '../../src/main/db';
import { backupFiles, takeBackup } from '../../src/main/db/backup';
import { checkDatabase, kindOfError } from '../../src/main/db/startup';
import { KeytarSecretStore } from '../../src/main/secrets';
import { createLogger } from '../../src/main/log';
import type { StartupProblem } from '../../src/shared/contract';
import { passphraseOf, testCaller as caller, tempDir } from '../support';

let dir: string;
let dbFile: string;
const hosts: TandemHost[] = [];
const holders: Database.Database[] = [];

beforeEach(() => {
  dir = tempDir();
  dbFile = path.join(dir, 'data', 'tandem.db');
  fs.mkdirSync(path.dirname(dbFile));
});
afterEach(async () => {
  for (const holder of holders.splice(0)) holder.close();
  for (const host of hosts.splice(0)) await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const service = `ca.gc.tandem.test.startup.${process.pid}`;

function newHost(overrides: Partial<HostOptions> = {}): TandemHost {
  const host = new TandemHost({
    dbFile,
    create: (options) =>
      createTandem({
        ...options,
        secrets: new KeytarSecretStore(service),
        adapters: [],
        log: createLogger(() => undefined),
      }),
    log: createLogger(() => undefined),
    // No timer in these tests: the daily backup on open is enough.
    backups: { every: () => () => undefined },
    ...overrides,
  });
  hosts.push(host);
  return host;
}

async function call<T = unknown>(host: TandemHost, method: string, input?: unknown): Promise<T> {
  const result = await host.dispatch(caller, method, input);
  if (!result.ok) throw new Error(result.error.code);
  return result.value as T;
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A Tandem database with an administrator, closed, and one verified backup of it. */
async function databaseWithData(): Promise<void> {
  const host = newHost();
  expect(await host.start()).toBeNull();
  await call(host, 'users.bootstrap', { username: 'admin', displayName: 'Admin', passphrase: passphraseOf('admin') });
  await host.close();
  expect(backupFiles(dbFile)).toHaveLength(1);
}

/** The services never started: nothing but the start-up calls answers, and there is no first start. */
async function expectOnlyStartupCalls(host: TandemHost): Promise<void> {
  expect(host.tandem).toBeNull();
  for (const method of ['session.current', 'users.bootstrap', 'pairs.list', 'users.list']) {
    const input =
      method === 'users.bootstrap'
        ? { username: 'intruder', displayName: 'I', passphrase: passphraseOf('intruder') }
        : undefined;
    expect(await host.dispatch(caller, method, input), method).toEqual({ ok: false, error: { code: 'startup.notReady' } });
  }
}

describe('a new install', () => {
  it('with no database and no backups starts the first run', async () => {
    const host = newHost();
    expect(await host.start()).toBeNull();
    expect(await call(host, 'startup.problem')).toBeNull();
    expect(await call(host, 'session.current')).toEqual({ user: null, needsBootstrap: true });
  });

  it('creates a missing data folder whose parent exists', async () => {
    dbFile = path.join(dir, 'new-folder', 'tandem.db');
    expect(await newHost().start()).toBeNull();
    expect(fs.existsSync(dbFile)).toBe(true);
  });
});

describe('a database that held data and now looks empty', () => {
  it('a 0-byte file is emptyFile, not a first run, and stays 0 bytes', async () => {
    fs.writeFileSync(dbFile, '');
    const host = newHost();
    const problem = await host.start();
    expect(problem).toMatchObject({ kind: 'emptyFile', path: dbFile, canStartOver: true, canRestore: false });
    await expectOnlyStartupCalls(host);
    expect(await call(host, 'startup.problem')).toEqual(problem);
    expect(fs.statSync(dbFile).size).toBe(0);
  });

  it('a missing file while backups exist is emptyFile, with restore offered', async () => {
    await databaseWithData();
    fs.rmSync(dbFile);
    const host = newHost();
    expect(await host.start()).toMatchObject({ kind: 'emptyFile', canRestore: true, canStartOver: true });
    await expectOnlyStartupCalls(host);
    expect(fs.existsSync(dbFile)).toBe(false);
  });

  it('a file with no Tandem schema while backups exist is emptyFile', async () => {
    await databaseWithData();
    fs.rmSync(dbFile);
    const blank = new Database(dbFile);
    blank.pragma('journal_mode = WAL');
    blank.close();
    expect(fs.statSync(dbFile).size).toBeGreaterThan(0);
    expect(await newHost().start()).toMatchObject({ kind: 'emptyFile' });
  });

  it('a -wal file left without its database is emptyFile', async () => {
    fs.writeFileSync(`${dbFile}-wal`, Buffer.alloc(4096, 1));
    expect(await newHost().start()).toMatchObject({ kind: 'emptyFile', canRestore: false });
    expect(fs.existsSync(dbFile)).toBe(false);
  });
});

describe('a damaged database', () => {
  it('a file that is not a database is corrupt, and is left byte for byte as it was', async () => {
    await databaseWithData();
    const bytes = fs.readFileSync(dbFile);
    bytes.fill(0x42, 0, 100);
    fs.writeFileSync(dbFile, bytes);
    const before = sha(dbFile);
    const host = newHost();
    expect(await host.start()).toMatchObject({ kind: 'corrupt', path: dbFile, canRestore: true, canStartOver: true });
    await expectOnlyStartupCalls(host);
    await host.close();
    expect(sha(dbFile)).toBe(before);
  });

  it('a damaged page inside an otherwise valid file is corrupt', async () => {
    const db = openDatabase(dbFile);
    const insert = db.prepare('INSERT INTO setting (key, value) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run(`filler.${i}`, JSON.stringify('x'.repeat(200)));
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = fs.readFileSync(dbFile);
    bytes.fill(0x55, 4096 * 5, 4096 * 8);
    fs.writeFileSync(dbFile, bytes);
    expect(await newHost().start()).toMatchObject({ kind: 'corrupt' });
  });

  it("another program's SQLite database (tables, no Tandem version) is corrupt, not migrated over", async () => {
    const other = new Database(dbFile);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    expect(await newHost().start()).toMatchObject({ kind: 'corrupt' });
    const check = new Database(dbFile, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['notes']);
    check.close();
  });
});

describe('a database from a newer Tandem', () => {
  it('is fromNewerVersion with both versions, and is not changed', async () => {
    openDatabase(dbFile).close();
    const raw = new Database(dbFile);
    raw.pragma(`user_version = ${schemaVersion + 3}`);
    raw.close();
    const host = newHost();
    const problem = await host.start();
    expect(problem).toEqual<StartupProblem>({
      kind: 'fromNewerVersion',
      path: dbFile,
      found: schemaVersion + 3,
      supported: schemaVersion,
      canRestore: false,
      canStartOver: false,
    });
    await expectOnlyStartupCalls(host);
    expect(await host.dispatch(caller, 'startup.startOver', { confirm: 'start over' })).toEqual({
      ok: false,
      error: { code: 'startup.noProblem' },
    });
    await host.close();
    const check = new Database(dbFile, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(schemaVersion + 3);
    check.close();
  });
});

describe('a database another process holds', () => {
  function holdExclusively(): Database.Database {
    const holder = new Database(dbFile);
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.prepare("INSERT INTO setting (key, value) VALUES ('held', '1')").run();
    holders.push(holder);
    return holder;
  }

  it('is locked, reported at once rather than after a long busy wait, and Try again works once it lets go', async () => {
    openDatabase(dbFile).close();
    const holder = holdExclusively();
    const host = newHost();
    const started = Date.now();
    expect(await host.start()).toMatchObject({ kind: 'locked', path: dbFile, canRestore: false, canStartOver: false });
    // The check waits 200 ms for a lock, not the 5 s a normal connection would.
    expect(Date.now() - started).toBeLessThan(3_000);
    await expectOnlyStartupCalls(host);
    expect(await host.dispatch(caller, 'backups.list', undefined)).toEqual({
      ok: false,
      error: { code: 'backups.unavailable' },
    });
    expect(await host.dispatch(caller, 'startup.startOver', { confirm: 'start over' })).toEqual({
      ok: false,
      error: { code: 'startup.noProblem' },
    });

    expect(await call(host, 'startup.retry')).toMatchObject({ kind: 'locked' });
    holders.splice(holders.indexOf(holder), 1);
    holder.close();
    expect(await call(host, 'startup.retry')).toBeNull();
    expect(await call(host, 'session.current')).toEqual({ user: null, needsBootstrap: true });
  });

  it('a writer holding BEGIN EXCLUSIVE is locked too', async () => {
    openDatabase(dbFile).close();
    const holder = new Database(dbFile);
    holder.exec('BEGIN EXCLUSIVE');
    holders.push(holder);
    expect(checkDatabase(dbFile)).toEqual({ ok: false, problem: { kind: 'locked', path: dbFile } });
    holder.exec('ROLLBACK');
  });
});

describe('a folder or file that cannot be written', () => {
  // Tests run as root, where file modes do not stop writes: the check's probe stands in for them.
  it('a read-only data folder is readOnly, naming the folder', async () => {
    const folder = path.dirname(dbFile);
    const problem = await newHost({ probe: { canWrite: (target) => target !== folder } }).start();
    expect(problem).toMatchObject({ kind: 'readOnly', path: folder, canRestore: false, canStartOver: false });
  });

  it('a read-only database file is readOnly, naming the file', async () => {
    openDatabase(dbFile).close();
    const problem = await newHost({ probe: { canWrite: (target) => target !== dbFile } }).start();
    expect(problem).toMatchObject({ kind: 'readOnly', path: dbFile });
  });

  it('SQLite refusing to write (SQLITE_READONLY) or to open (SQLITE_CANTOPEN) is readOnly; a full disk is diskFull', () => {
    openDatabase(dbFile).close();
    const readonly = new Database(dbFile, { readonly: true });
    let refusal: unknown;
    try {
      readonly.pragma('user_version = 1');
    } catch (error) {
      refusal = error;
    } finally {
      readonly.close();
    }
    expect((refusal as { code: string }).code).toMatch(/^SQLITE_READONLY/);
    expect(kindOfError(refusal)).toBe('readOnly');
    let cannotOpen: unknown;
    try {
      // A folder where the file should be: SQLite cannot open it.
      new Database(path.dirname(dbFile)).pragma('user_version');
    } catch (error) {
      cannotOpen = error;
    }
    expect((cannotOpen as { code: string }).code).toBe('SQLITE_CANTOPEN');
    expect(kindOfError(cannotOpen)).toBe('readOnly');
    expect(kindOfError(Object.assign(new Error('full'), { code: 'SQLITE_FULL' }))).toBe('diskFull');
    expect(kindOfError(new Error('other'))).toBe('unknown');
  });

  it('a data folder whose parent is missing (an unplugged drive) is missingFolder, and is not created', async () => {
    dbFile = path.join(dir, 'unplugged', 'Tandem', 'tandem.db');
    expect(await newHost().start()).toMatchObject({ kind: 'missingFolder', path: path.dirname(dbFile) });
    expect(fs.existsSync(path.join(dir, 'unplugged'))).toBe(false);
  });
});

describe('starting over', () => {
  it('needs the spelled-out confirmation, keeps the bad file aside byte for byte, and then starts the first run', async () => {
    fs.writeFileSync(dbFile, Buffer.alloc(8192, 0x42));
    const before = sha(dbFile);
    const host = newHost();
    expect(await host.start()).toMatchObject({ kind: 'corrupt' });
    expect(await host.dispatch(caller, 'startup.startOver', {})).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    expect(await host.dispatch(caller, 'startup.startOver', { confirm: true })).toMatchObject({
      ok: false,
      error: { code: 'input.invalid' },
    });
    expect(host.tandem).toBeNull();

    expect(await call(host, 'startup.startOver', { confirm: 'start over' })).toBeNull();
    const aside = fs
      .readdirSync(path.join(path.dirname(dbFile), 'backups'))
      .filter((name) => name.endsWith('.set-aside'));
    expect(aside).toHaveLength(1);
    expect(sha(path.join(path.dirname(dbFile), 'backups', aside[0]!))).toBe(before);
    expect(await call(host, 'session.current')).toEqual({ user: null, needsBootstrap: true });
    const trail = await host.tandem!.audit.list('database');
    expect(trail.map((e) => [e.actor, e.action])).toEqual([['system:startup', 'database.startedOver']]);

    // Started over once: the next start is an ordinary one, despite the backups folder.
    await host.close();
    expect(await newHost().start()).toBeNull();
  });

  it('is refused while the services run', async () => {
    const host = newHost();
    await host.start();
    await call(host, 'users.bootstrap', { username: 'admin', displayName: 'Admin', passphrase: passphraseOf('admin') });
    expect(await host.dispatch(caller, 'startup.startOver', { confirm: 'start over' })).toEqual({
      ok: false,
      error: { code: 'startup.noProblem' },
    });
  });
});

describe('upgrading', () => {
  it('a database from before the current migrations is backed up at its own version before it is migrated', async () => {
    const old = new Database(dbFile);
    for (const migration of migrations.filter((m) => m.version <= 5)) {
      old.exec(migration.sql);
      old.pragma(`user_version = ${migration.version}`);
    }
    old.exec(
      "INSERT INTO user (id, username, display_name, pass_hash, created_at) VALUES ('u', 'officer', 'Officer', 'hash', 1)",
    );
    old.close();
    const host = newHost();
    expect(await host.start()).toBeNull();
    const migration = backupFiles(dbFile).filter((b) => b.reason === 'migration');
    expect(migration).toHaveLength(1);
    expect(migration[0]!.schemaVersion).toBe(5);
    const copy = new Database(migration[0]!.file, { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(5);
    expect(copy.prepare('SELECT username FROM user').pluck().all()).toEqual(['officer']);
    copy.close();
    expect(host.tandem!.db!.pragma('user_version', { simple: true })).toBe(schemaVersion);
  });

  it('takes no migration backup of a new or current database', async () => {
    const host = newHost();
    await host.start();
    await host.close();
    await newHost().start();
    expect(backupFiles(dbFile).map((b) => b.reason)).toEqual(['daily']);
  });

  it('a backup helper run by hand writes a verified, self-contained copy', async () => {
    openDatabase(dbFile).close();
    const db = new Database(dbFile);
    const name = await takeBackup(db, dbFile, 'daily', Date.UTC(2025, 0, 2, 3, 4, 5, 678));
    db.close();
    expect(name).toBe(`tandem-20250102T030405678Z-v${schemaVersion}-daily.db`);
    const folder = path.join(path.dirname(dbFile), 'backups');
    expect(fs.readdirSync(folder)).toEqual([name]);
  });
});
