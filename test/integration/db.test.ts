import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseFromFutureError, openDatabase, schemaVersion, type Db } from '../../src/main/db';
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

describe('the audit log', () => {
  const clock = { now: () => 1_700_000_000_000 };

  it('chains each event to the previous one and verifies clean', () => {
    const audit = new AuditLog(db, clock);
    audit.append('alice', 'pair.created', 'p1', { channels: ['c1'] });
    audit.append('bob', 'pair.scheduled', 'p1', { at: '2026-11-23T18:00:00.000Z' });
    const events = audit.list();
    expect(events).toHaveLength(2);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(audit.verify()).toBeNull();
  });

  it('cannot be edited or deleted through SQL', () => {
    const audit = new AuditLog(db, clock);
    audit.append('alice', 'pair.created', 'p1');
    expect(() => db.prepare("UPDATE audit_event SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_event').run()).toThrow(/append-only/);
  });

  it('detects tampering done behind the app’s back', () => {
    const audit = new AuditLog(db, clock);
    audit.append('alice', 'pair.created', 'p1');
    audit.append('alice', 'pair.scheduled', 'p1');
    audit.append('bob', 'delivery.sent', 'p1');
    db.exec('DROP TRIGGER audit_event_no_update');
    db.prepare("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2").run();
    expect(audit.verify()).toBe(2);
  });
});
