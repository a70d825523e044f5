import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseFromFutureError, migrations, openDatabase, schemaVersion, type Db } from '../../src/main/db';
import { SqliteSql } from '../../src/main/db/sql';
import { AuditLog } from '../../src/main/services/audit';
import { tempDir } from '../support';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = tempDir();
  db = openDatabase(path.join(dir, 'tandem.db'));
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const insertAccount = (id: string, lang: string, handle: string) =>
  db
    .prepare("INSERT INTO account (id, platform, lang, handle, display_name, created_at) VALUES (?, 'x', ?, ?, ?, 0)")
    .run(id, lang, handle, handle);

describe('the SQLite store', () => {
  it('is migrated to the current version with WAL and foreign keys on', () => {
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('uses STRICT tables: a wrong type is refused, not coerced', () => {
    expect(() =>
      db.prepare("INSERT INTO account (id, platform, lang, handle, display_name, created_at) VALUES ('a', 'x', 'en', 'h', 'h', 'yesterday')").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
  });

  it('refuses a language other than en or fr, and a handle registered twice in any case', () => {
    expect(() => insertAccount('a', 'de', 'h')).toThrow(/CHECK/);
    insertAccount('a', 'en', 'StatCan_eng');
    expect(() => insertAccount('b', 'fr', 'statcan_ENG')).toThrow(/UNIQUE/);
  });

  it('enforces foreign keys: no delivery to an account that does not exist', () => {
    db.prepare("INSERT INTO post_pair (id, en_text, fr_text, status, author_tz, created_by, created_at, updated_at) VALUES ('p', 'a', 'b', 'draft', 'UTC', 'me', 0, 0)").run();
    expect(() =>
      db.prepare("INSERT INTO delivery (id, pair_id, account_id, lang, status) VALUES ('d', 'p', 'ghost', 'en', 'pending')").run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('migrating again is a no-op, and the data survives reopening', () => {
    insertAccount('a', 'en', 'h');
    db.close();
    db = openDatabase(path.join(dir, 'tandem.db'));
    expect(db.prepare('SELECT COUNT(*) FROM account').pluck().get()).toBe(1);
  });

  it('refuses a database written by a newer version of the app, leaving it untouched', () => {
    db.close();
    const file = path.join(dir, 'tandem.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${schemaVersion + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(DatabaseFromFutureError);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(schemaVersion + 1);
    check.close();
    db = openDatabase(path.join(dir, 'other.db'));
  });

  it('answers "when is the next delivery due?" from the partial index, without scanning', () => {
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT MIN(next_attempt_at) FROM delivery WHERE status IN ('pending', 'retrying', 'checking')")
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING (COVERING )?INDEX delivery_due/);
    const due = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT DISTINCT pair_id FROM delivery WHERE status IN ('pending', 'retrying', 'checking') AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 500",
      )
      .all(0) as { detail: string }[];
    expect(due.map((p) => p.detail).join('\n')).toMatch(/USING INDEX delivery_due/);
  });
});

describe('upgrading a database from version 5 (X only, no images)', () => {
  it('keeps every account pair, grant, pair and delivery, and accepts the new platforms', () => {
    db.close();
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    for (const migration of migrations.filter((m) => m.version <= 5)) {
      old.exec(migration.sql);
      old.pragma(`user_version = ${migration.version}`);
    }
    old.exec(`
      INSERT INTO account (id, platform, lang, handle, display_name, status, credential_set_at, created_at, remote_user_id)
        VALUES ('a-en', 'x', 'en', 'StatCan_eng', 'StatCan', 'needs_reauth', 5, 1, '111'), ('a-fr', 'x', 'fr', 'StatCan_fra', 'StatCan', 'active', 6, 1, '222');
      INSERT INTO channel (id, platform, name, en_account_id, fr_account_id, created_at, allow_self_approval) VALUES ('c', 'x', 'StatCan', 'a-en', 'a-fr', 1, 1);
      INSERT INTO user (id, username, display_name, pass_hash, created_at) VALUES ('u', 'officer', 'Officer', 'hash', 1);
      INSERT INTO role_grant (id, user_id, role, channel_id, granted_by, granted_at) VALUES ('g', 'u', 'drafter', 'c', 'admin', 1);
      INSERT INTO post_pair (id, en_text, fr_text, status, author_tz, created_by, created_at, updated_at) VALUES ('p', 'Hello', 'Bonjour', 'scheduled', 'UTC', 'officer', 1, 1);
      INSERT INTO pair_channel (pair_id, channel_id) VALUES ('p', 'c');
      INSERT INTO delivery (id, pair_id, account_id, lang, status, next_attempt_at) VALUES ('d-en', 'p', 'a-en', 'en', 'pending', 10), ('d-fr', 'p', 'a-fr', 'fr', 'pending', 10);
      INSERT INTO approval (id, pair_id, pair_version, decision, by_user, comment, en_text, fr_text, at) VALUES ('ap', 'p', 1, 'approved', 'boss', 'ok', 'Hello', 'Bonjour', 2);
    `);
    const before = (table: string, source: Database.Database) => source.prepare(`SELECT * FROM ${table} ORDER BY id`).all();
    const snapshot = Object.fromEntries(['channel', 'role_grant', 'post_pair', 'delivery'].map((table) => [table, before(table, old)]));
    const accounts = before('account', old);
    old.close();

    db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    for (const [table, rows] of Object.entries(snapshot)) {
      // New delivery columns start empty: no key until the first claim, no failed look-ups, no lease.
      // A pair's search text (migration 14) is folded from its two texts as it upgrades; an account
      // pair's French name (migration 16) starts as its name, and it is not retired.
      const added =
        table === 'delivery'
          ? { idem_key: null, lookups: 0, lease_until: null, lease_owner: null, fence: 0 }
          : table === 'post_pair'
            ? (row: { en_text: string; fr_text: string }) => ({ search_text: `${row.en_text.toLowerCase()}\n${row.fr_text.toLowerCase()}` })
            : table === 'channel'
              ? (row: { name?: string }) => ({ name_fr: row.name, retired_at: null })
              : {};
      expect(before(table, db)).toEqual(
        (rows as { en_text: string; fr_text: string; name?: string }[]).map((row) => ({ ...row, ...(typeof added === 'function' ? added(row) : added) })),
      );
    }
    expect(before('account', db)).toEqual(accounts.map((row) => ({ ...(row as object), limits: null })));
    expect(db.prepare('SELECT media FROM approval').pluck().get()).toBe('[]');
    // Who wrote each language is not known for old pairs: the creator counts as writer of every
    // language with text, so an approval they should not give is still refused.
    expect(db.prepare('SELECT pair_id, lang, username FROM pair_author ORDER BY lang').all()).toEqual([
      { pair_id: 'p', lang: 'en', username: 'officer' },
      { pair_id: 'p', lang: 'fr', username: 'officer' },
    ]);
    // The rebuilt tables are still the ones the others point to, and still enforced.
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => db.prepare("INSERT INTO delivery (id, pair_id, account_id, lang, status) VALUES ('x', 'p', 'ghost', 'en', 'pending')").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("DELETE FROM account WHERE id = 'a-en'").run()).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO account (id, platform, lang, handle, display_name, created_at) VALUES ('b', 'bluesky', 'en', 'statcan.bsky.social', 'S', 0)").run();
    expect(() => db.prepare("INSERT INTO account (id, platform, lang, handle, display_name, created_at) VALUES ('t', 'threads', 'en', 'x', 'S', 0)").run()).toThrow(/CHECK/);
    expect(() => insertAccount('dup', 'fr', 'statcan_ENG')).toThrow(/UNIQUE/);
  });
});

describe('the audit log', () => {
  const clock = { now: () => 1_700_000_000_000 };
  async function openAudit(): Promise<AuditLog> {
    // The services reach the database through Sql; the SQL below goes to the same connection directly.
    const audit = new AuditLog(new SqliteSql(db), clock);
    await audit.open(async () => ({ key: randomBytes(32), created: true }));
    return audit;
  }

  it('chains each event to the previous one and verifies clean', async () => {
    const audit = await openAudit();
    await audit.append('alice', 'pair.created', 'p1', { channels: ['c1'] });
    await audit.append('bob', 'pair.scheduled', 'p1', { at: '2026-11-23T18:00:00.000Z' });
    const events = await audit.list();
    expect(events).toHaveLength(2);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(await audit.integrity()).toEqual({ state: 'intact', problems: [], complete: true });
  });

  it('cannot be edited or deleted through SQL', async () => {
    const audit = await openAudit();
    await audit.append('alice', 'pair.created', 'p1');
    expect(() => db.prepare("UPDATE audit_event SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_event').run()).toThrow(/append-only/);
  });

  it('detects tampering done behind the app’s back', async () => {
    const audit = await openAudit();
    await audit.append('alice', 'pair.created', 'p1');
    await audit.append('alice', 'pair.scheduled', 'p1');
    await audit.append('bob', 'delivery.sent', 'p1');
    expect((await audit.integrity()).state).toBe('intact');
    db.exec('DROP TRIGGER audit_event_no_update');
    db.prepare("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2").run();
    const { state, problems } = await audit.integrity();
    expect(state).toBe('broken');
    expect(problems).toEqual([
      { kind: 'triggersRestored', seq: 4 },
      { kind: 'edited', seq: 2, count: 1 },
    ]);
    expect(() => db.prepare("UPDATE audit_event SET actor = 'eve'").run()).toThrow(/append-only/);
  });
});
