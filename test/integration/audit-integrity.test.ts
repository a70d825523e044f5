// The audit trail against someone who can write the database file (and the folder it is in) but
// cannot read the OS keychain: what they do shows in the audit view, in every way tried here.
// On PostgreSQL the same, against someone who can write the team's database but has no key.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/main/db';
import { postgresMigrations } from '../../src/main/db/postgres';
import { PostgresSql, SqliteSql, type PostgresConnection, type Sql } from '../../src/main/db/sql';
import { newPostgresDatabase, openDirect } from '../engine';
import { KeychainUnavailableError, KeytarSecretStore } from '../../src/main/secrets';
import { maxRecordedRefusalsPerMinute } from '../../src/main/services/users';
import type { AuditRow } from '../../src/main/db/audit';
import { auditView, someHistory } from '../audit-view';
import { engine, passphraseOf, startTestApp, tempDir, type TestApp } from '../support';

let t: TestApp | undefined;
let extraDir: string | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
  if (extraDir) fs.rmSync(extraDir, { recursive: true, force: true });
  extraDir = undefined;
});

type Row = AuditRow;

/** The hash an attacker without the key can compute: plain SHA-256, as Tandem used before the key. */
const sha256Hash = (prev: string, r: Pick<Row, 'at' | 'actor' | 'action' | 'subject' | 'detail'>) =>
  createHash('sha256')
    .update(JSON.stringify([prev, r.at, r.actor, r.action, r.subject, r.detail]))
    .digest('hex');

const rows = (sql: Sql) => sql.all<Row>('SELECT * FROM audit_event ORDER BY seq');
const lastSeq = async (sql: Sql) => (await sql.value<number>('SELECT MAX(seq) FROM audit_event'))!;
/** The triggers on the trail, each with the statement that creates it again. */
const triggerSql = async (sql: Sql) =>
  new Map(
    (
      await sql.all<{ name: string; sql: string }>({
        sqlite: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'",
        postgres: "SELECT tgname AS name, pg_get_triggerdef(oid, true) AS sql FROM pg_trigger WHERE tgrelid = to_regclass('audit_event') AND NOT tgisinternal",
      })
    ).map((r) => [r.name, r.sql]),
  );
/** PostgreSQL names the table a trigger is on when dropping it; SQLite does not. */
const dropTrigger = (sql: Sql, name: string) =>
  sql.run(sql.engine === 'postgres' ? `DROP TRIGGER ${name} ON audit_event` : `DROP TRIGGER ${name}`);
/** Appends an event as a plain INSERT would, chained with plain SHA-256; returns its seq. */
async function forge(sql: Sql, forged: Pick<Row, 'at' | 'actor' | 'action' | 'subject' | 'detail'>): Promise<number> {
  const last = (await rows(sql)).at(-1)!;
  return (await sql.value<number>(
    'INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq',
    [forged.at, forged.actor, forged.action, forged.subject, forged.detail, last.hash, sha256Hash(last.hash, forged)],
  ))!;
}

describe('tampering with the closed database file shows in the audit view', () => {
  it('an intact trail says intact, across restarts', async () => {
    t = await startTestApp();
    await someHistory(t);
    expect((await auditView(t.tandem)).integrity).toEqual({ state: 'intact', problems: [], complete: true });
    for (let i = 0; i < 2; i++) {
      await t.whileClosed(() => undefined);
      expect((await auditView(t.reopen())).integrity).toEqual({ state: 'intact', problems: [], complete: true });
    }
  });

  it('deleting the last events (triggers dropped, then put back to hide it) is shown as events missing after the last one left', async () => {
    t = await startTestApp();
    await someHistory(t);
    let kept = 0;
    let protection = new Map<string, string>();
    await t.whileClosed(async (sql) => {
      protection = await triggerSql(sql);
      kept = (await lastSeq(sql)) - 3;
      await dropTrigger(sql, 'audit_event_no_delete');
      await sql.run('DELETE FROM audit_event WHERE seq > ?', [kept]);
      await sql.run(protection.get('audit_event_no_delete')!);
    });
    const page = await auditView(t.reopen());
    expect(page.integrity.state).toBe('broken');
    expect(page.integrity.problems).toEqual([{ kind: 'truncated', seq: kept }]);
    // The finding is itself on the record, signed like any event.
    expect(page.events.find((e) => e.action === 'audit.integrityFailed')!.detail).toEqual({
      problem: 'truncated',
      seq: kept,
    });
  });

  it('recomputing the whole chain with plain SHA-256 after an edit is shown from the first event', async () => {
    t = await startTestApp();
    await someHistory(t);
    let count = 0;
    let approvedSeq = 0;
    await t.whileClosed(async (sql) => {
      const all = await rows(sql);
      count = all.length;
      const protection = await triggerSql(sql);
      await dropTrigger(sql, 'audit_event_no_update');
      let prev = '0'.repeat(64);
      for (const row of all) {
        let detail = row.detail;
        if (row.action === 'pair.approved') {
          approvedSeq = row.seq;
          detail = JSON.stringify({ ...JSON.parse(row.detail), comment: 'Approved by someone else' });
        }
        const hash = sha256Hash(prev, { ...row, detail });
        await sql.run('UPDATE audit_event SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?', [detail, prev, hash, row.seq]);
        prev = hash;
      }
      // Put back exactly as it was, to hide the edit.
      await sql.run(protection.get('audit_event_no_update')!);
    });
    const page = await auditView(t.reopen());
    expect(approvedSeq).toBeGreaterThan(0);
    expect(page.integrity.state).toBe('broken');
    expect(page.integrity.problems).toEqual([{ kind: 'edited', seq: 1, count }]);
  });

  it('a pair.approved event appended with a plain INSERT is shown as not recorded by Tandem', async () => {
    t = await startTestApp();
    await someHistory(t);
    let forgedSeq = 0;
    await t.whileClosed(async (sql) => {
      forgedSeq = await forge(sql, {
        at: Date.now(),
        actor: 'approver',
        action: 'pair.approved',
        subject: 'pair-x',
        detail: JSON.stringify({ version: 1 }),
      });
    });
    const again = t.reopen();
    const page = await auditView(again);
    expect(page.integrity.state).toBe('broken');
    expect(page.integrity.problems).toEqual([{ kind: 'forged', seq: forgedSeq, count: 1 }]);
    // Still shown after events are added on top of it, and after another restart.
    await again.close();
    expect((await auditView(t.reopen())).integrity.problems).toEqual([{ kind: 'forged', seq: forgedSeq, count: 1 }]);
  });

  it('dropping the triggers is shown, and the triggers are back', async () => {
    t = await startTestApp();
    await someHistory(t);
    let protection = new Map<string, string>();
    await t.whileClosed(async (sql) => {
      protection = await triggerSql(sql);
      // Every one of them (PostgreSQL's trail also has one refusing TRUNCATE).
      for (const name of protection.keys()) await dropTrigger(sql, name);
      expect(await triggerSql(sql)).toEqual(new Map());
    });
    const again = t.reopen();
    const page = await auditView(again);
    expect(page.integrity.state).toBe('broken');
    const restoredAt = page.events.find((e) => e.action === 'audit.integrityFailed')!.seq;
    expect(page.integrity.problems).toEqual([{ kind: 'triggersRestored', seq: restoredAt }]);
    expect(await triggerSql(again.sql)).toEqual(protection);
    await expect(again.sql.run("UPDATE audit_event SET actor = 'mallory'")).rejects.toThrow(/append-only/);
    // The alert stays.
    await again.close();
    expect((await auditView(t.reopen())).integrity.problems).toEqual([{ kind: 'triggersRestored', seq: restoredAt }]);
  });
  // Deleting the record kept beside the desk's file: audit-head-file.test.ts (a server has none).
});

describe('while Tandem runs', () => {
  it('an event slipped into the file by another program is shown at the next look', async () => {
    t = await startTestApp();
    await someHistory(t);
    expect((await auditView(t.tandem)).integrity.state).toBe('intact');
    // Another program's own connection to the same database.
    const other = openDirect(t);
    let forgedSeq = 0;
    try {
      forgedSeq = await forge(other, { at: Date.now(), actor: 'admin', action: 'pair.approved', subject: 'pair-y', detail: '{}' });
    } finally {
      await other.close();
    }
    expect((await auditView(t.tandem)).integrity.problems).toEqual([{ kind: 'forged', seq: forgedSeq, count: 1 }]);
  });
});

describe('the keychain and older databases', () => {
  it('without the keychain Tandem still opens, and the audit view says integrity cannot be checked', async () => {
    t = await startTestApp();
    await someHistory(t);
    class LockedKeychain extends KeytarSecretStore {
      override async getAuditKey(): Promise<Buffer | null> {
        throw new KeychainUnavailableError(new Error('no Secret Service'));
      }
    }
    await t.whileClosed(() => undefined);
    const locked = t.reopen({ secrets: new LockedKeychain(t.service) });
    const page = await auditView(locked);
    expect(page.integrity).toEqual({ state: 'unverifiable', problems: [{ kind: 'keyUnavailable' }], complete: true });
    // What was recorded meanwhile cannot be vouched for once the keychain is back.
    const unsignedFrom = page.events[0]!.seq;
    await locked.close();
    const back = await auditView(t.reopen());
    expect(back.integrity.state).toBe('broken');
    expect(back.integrity.problems).toEqual([{ kind: 'unsigned', seq: unsignedFrom, count: 1 }]);
  });

  it('a database from before the key (schema 7) upgrades with its old events accepted', async () => {
    const { target, legacy } = await legacyDatabase(3);
    t = await startTestApp(target);
    const page = await auditView(t.tandem);
    expect(page.integrity).toEqual({ state: 'intact', problems: [], complete: true });
    const oldest = page.events.slice(-4).reverse();
    expect(oldest.slice(0, 3).map((e) => e.hash)).toEqual(legacy.map((r) => r.hash));
    expect(oldest[3]).toMatchObject({ action: 'audit.keyed', detail: { legacyEvents: 3 } });
    await t.whileClosed(() => undefined);
    expect((await auditView(t.reopen())).integrity.state).toBe('intact');
  });

  it('an old trail that was altered before the upgrade is reported, not hidden', async () => {
    const { target } = await legacyDatabase(4, async (sql) => {
      await dropTrigger(sql, 'audit_event_no_update');
      await sql.run("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2");
    });
    t = await startTestApp(target);
    const page = await auditView(t.tandem);
    expect(page.integrity.state).toBe('broken');
    expect(page.integrity.problems).toEqual([
      { kind: 'triggersRestored', seq: expect.any(Number) },
      { kind: 'legacyBroken', seq: 2, count: 1 },
    ]);
  });
});

/**
 * A schema-7 database (before the key) whose trail holds `count` events chained with plain SHA-256:
 * a SQLite file in a folder of its own, or on PostgreSQL a database of its own at version 7.
 * Returns what to start the test app on, and the events as stored.
 */
async function legacyDatabase(
  count: number,
  tamper?: (sql: Sql) => Promise<void>,
): Promise<{ target: { dbFile: string } | { postgres: PostgresConnection }; legacy: Row[] }> {
  let target: { dbFile: string } | { postgres: PostgresConnection };
  let sql: Sql;
  if (engine === 'postgres') {
    const postgres = await newPostgresDatabase();
    target = { postgres };
    sql = new PostgresSql(postgres);
  } else {
    extraDir = tempDir();
    const dbFile = path.join(extraDir, 'tandem.db');
    target = { dbFile };
    const db = new Database(dbFile);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF');
    for (const migration of migrations.filter((m) => m.version <= 7)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
    sql = new SqliteSql(db);
  }
  try {
    if (sql instanceof PostgresSql) {
      // The schema as Tandem's migrations leave it at version 7 (db/postgres.ts keeps the version in tandem_schema).
      await sql.pool.query('CREATE TABLE tandem_schema (version INTEGER NOT NULL, one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one))');
      for (const migration of postgresMigrations().filter((m) => m.version <= 7)) await sql.pool.query(migration.postgres);
      await sql.pool.query('INSERT INTO tandem_schema (version) VALUES (7)');
    }
    let prev = '0'.repeat(64);
    for (let i = 0; i < count; i++) {
      const row = {
        at: Date.now() - 86_400_000 + i,
        actor: 'old-admin',
        action: 'pair.created',
        subject: randomUUID(),
        detail: '{}',
      };
      const hash = sha256Hash(prev, row);
      await sql.run('INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        row.at,
        row.actor,
        row.action,
        row.subject,
        row.detail,
        prev,
        hash,
      ]);
      prev = hash;
    }
    await tamper?.(sql);
    return { target, legacy: await rows(sql) };
  } finally {
    await sql.close();
  }
}

describe('signing in over and over while signed out', () => {
  it('adds only a bounded number of events to the trail, and still locks the username', async () => {
    t = await startTestApp();
    await t.addUser('dana', ['drafter']);
    await t.call('session.signOut');
    const count = async () => (await t!.tandem.sql.value<number>('SELECT COUNT(*) FROM audit_event'))!;
    const before = await count();
    let attempts = 0;
    const hammer = async (ms: number, username: () => string, most = Infinity) => {
      let made = 0;
      for (const until = Date.now() + ms; Date.now() < until && made < most; made++) {
        await t!.tandem.dispatch(t!.caller, 'session.signIn', { username: username(), passphrase: 'not the passphrase' });
      }
      attempts += made;
      return made;
    };
    // A real username: locked after five tries, and from then on each try costs the caller nothing.
    expect(await hammer(10_000, () => 'admin', 1_000)).toBe(1_000);
    // Unknown usernames, each new (each try costs a passphrase hash).
    await hammer(1_500, () => `ghost-${randomUUID().slice(0, 8)}`);
    // The budget of one minute, or of two if the run straddled a minute.
    expect((await count()) - before).toBeLessThanOrEqual(2 * maxRecordedRefusalsPerMinute);
    expect(await t.tandem.dispatch(t.caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') })).toEqual(
      {
        ok: false,
        error: { code: 'auth.locked', params: { minutes: 15 } },
      },
    );
    // The refusals not recorded one by one are counted in one event, written at the next sign-in.
    expect((await t.tandem.dispatch(t.caller, 'session.signIn', { username: 'dana', passphrase: passphraseOf('dana') })).ok).toBe(
      true,
    );
    const [summary] = (await t.tandem.audit.list('sign-in')).filter((e) => e.action === 'auth.throttled');
    const recorded = (await t.tandem.audit.list()).filter((e) => e.action === 'auth.failed' || e.action === 'auth.locked').length;
    expect(summary!.detail['refusals']).toBeGreaterThan(0);
    expect(Number(summary!.detail['refusals']) + recorded).toBe(attempts + 1);
  });
});
