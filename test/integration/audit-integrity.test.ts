// The audit trail against someone who can write the database file (and the folder it is in) but
// cannot read the OS keychain: what they do shows in the audit view, in every way tried here.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tandem } from '../../src/main/app';
import { migrations } from '../../src/main/db';
import { KeychainUnavailableError, KeytarSecretStore } from '../../src/main/secrets';
import { auditHeadFile } from '../../src/main/services/audit';
import { maxRecordedRefusalsPerMinute } from '../../src/main/services/users';
import type { AuditPage } from '../../src/shared/contract';
import { passphraseOf, testCaller as caller, startTestApp, tempDir, type TestApp } from '../support';

let t: TestApp | undefined;
let extraDir: string | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
  if (extraDir) fs.rmSync(extraDir, { recursive: true, force: true });
  extraDir = undefined;
});

/** What the audit view shows, as the admin, once the background re-check is done. */
async function auditView(tandem: Tandem): Promise<AuditPage> {
  const signedIn = await tandem.dispatch(caller, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
  expect(signedIn.ok).toBe(true);
  await tandem.audit.whenChecked();
  const result = await tandem.dispatch(caller, 'audit.list', { limit: 5_000 });
  if (!result.ok) throw new Error(result.error.code);
  return result.value as AuditPage;
}

/** Some ordinary history: an account pair and an approved pair scheduled for later. */
async function someHistory(app: TestApp): Promise<void> {
  const channelId = await app.addChannel('Statistics');
  await app.publish(channelId, 'Evidence', 'Preuve', new Date(Date.now() + 3_600_000));
}

interface Row {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** The hash an attacker without the key can compute: plain SHA-256, as Tandem used before the key. */
const sha256Hash = (prev: string, r: Pick<Row, 'at' | 'actor' | 'action' | 'subject' | 'detail'>) =>
  createHash('sha256')
    .update(JSON.stringify([prev, r.at, r.actor, r.action, r.subject, r.detail]))
    .digest('hex');

const rows = (db: Database.Database) => db.prepare('SELECT * FROM audit_event ORDER BY seq').all() as Row[];
const lastSeq = (db: Database.Database) => db.prepare('SELECT MAX(seq) FROM audit_event').pluck().get() as number;
const triggerSql = (db: Database.Database) =>
  new Map(
    (
      db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'").all() as {
        name: string;
        sql: string;
      }[]
    ).map((r) => [r.name, r.sql]),
  );

describe('tampering with the closed database file shows in the audit view', () => {
  it('an intact trail says intact, across restarts', async () => {
    t = await startTestApp();
    await someHistory(t);
    expect((await auditView(t.tandem)).integrity).toEqual({ state: 'intact', problems: [], complete: true });
    for (let i = 0; i < 2; i++) {
      await t.whileClosed(() => undefined);
      expect(fs.existsSync(auditHeadFile(t.dbFile))).toBe(true);
      expect((await auditView(t.reopen())).integrity).toEqual({ state: 'intact', problems: [], complete: true });
    }
  });

  it('deleting the last events (triggers dropped, then put back to hide it) is shown as events missing after the last one left', async () => {
    t = await startTestApp();
    await someHistory(t);
    let kept = 0;
    let protection = new Map<string, string>();
    await t.whileClosed((db) => {
      protection = triggerSql(db);
      kept = lastSeq(db) - 3;
      db.exec('DROP TRIGGER audit_event_no_delete');
      db.prepare('DELETE FROM audit_event WHERE seq > ?').run(kept);
      db.exec(protection.get('audit_event_no_delete')!);
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
    await t.whileClosed((db) => {
      const all = rows(db);
      count = all.length;
      db.exec('DROP TRIGGER audit_event_no_update');
      const update = db.prepare('UPDATE audit_event SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      let prev = '0'.repeat(64);
      for (const row of all) {
        let detail = row.detail;
        if (row.action === 'pair.approved') {
          approvedSeq = row.seq;
          detail = JSON.stringify({ ...JSON.parse(row.detail), comment: 'Approved by someone else' });
        }
        const hash = sha256Hash(prev, { ...row, detail });
        update.run(detail, prev, hash, row.seq);
        prev = hash;
      }
      db.exec(`CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END`);
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
    await t.whileClosed((db) => {
      const last = rows(db).at(-1)!;
      const forged = {
        at: Date.now(),
        actor: 'approver',
        action: 'pair.approved',
        subject: 'pair-x',
        detail: JSON.stringify({ version: 1 }),
      };
      forgedSeq = Number(
        db
          .prepare(
            'INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            forged.at,
            forged.actor,
            forged.action,
            forged.subject,
            forged.detail,
            last.hash,
            sha256Hash(last.hash, forged),
          ).lastInsertRowid,
      );
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
    await t.whileClosed((db) => {
      protection = triggerSql(db);
      db.exec('DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete');
    });
    const again = t.reopen();
    const page = await auditView(again);
    expect(page.integrity.state).toBe('broken');
    const restoredAt = page.events.find((e) => e.action === 'audit.integrityFailed')!.seq;
    expect(page.integrity.problems).toEqual([{ kind: 'triggersRestored', seq: restoredAt }]);
    expect(triggerSql(again.db)).toEqual(protection);
    expect(() => again.db.prepare("UPDATE audit_event SET actor = 'mallory'").run()).toThrow(/append-only/);
    // The alert stays.
    await again.close();
    expect((await auditView(t.reopen())).integrity.problems).toEqual([{ kind: 'triggersRestored', seq: restoredAt }]);
  });

  it('deleting the record kept beside the database is shown', async () => {
    t = await startTestApp();
    await someHistory(t);
    await t.whileClosed(() => fs.rmSync(auditHeadFile(t!.dbFile)));
    const page = await auditView(t.reopen());
    expect(page.integrity.state).toBe('broken');
    expect(page.integrity.problems.map((p) => p.kind)).toEqual(['headMissing']);
  });
});

describe('while Tandem runs', () => {
  it('an event slipped into the file by another program is shown at the next look', async () => {
    t = await startTestApp();
    await someHistory(t);
    expect((await auditView(t.tandem)).integrity.state).toBe('intact');
    const db = new Database(t.dbFile);
    let forgedSeq = 0;
    try {
      const last = rows(db).at(-1)!;
      const forged = { at: Date.now(), actor: 'admin', action: 'pair.approved', subject: 'pair-y', detail: '{}' };
      forgedSeq = Number(
        db
          .prepare(
            'INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            forged.at,
            forged.actor,
            forged.action,
            forged.subject,
            forged.detail,
            last.hash,
            sha256Hash(last.hash, forged),
          ).lastInsertRowid,
      );
    } finally {
      db.close();
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
    extraDir = tempDir();
    const dbFile = path.join(extraDir, 'tandem.db');
    const legacy = legacyDatabase(dbFile, 3);
    t = await startTestApp({ dbFile });
    const page = await auditView(t.tandem);
    expect(page.integrity).toEqual({ state: 'intact', problems: [], complete: true });
    const oldest = page.events.slice(-4).reverse();
    expect(oldest.slice(0, 3).map((e) => e.hash)).toEqual(legacy.map((r) => r.hash));
    expect(oldest[3]).toMatchObject({ action: 'audit.keyed', detail: { legacyEvents: 3 } });
    await t.whileClosed(() => undefined);
    expect((await auditView(t.reopen())).integrity.state).toBe('intact');
  });

  it('an old trail that was altered before the upgrade is reported, not hidden', async () => {
    extraDir = tempDir();
    const dbFile = path.join(extraDir, 'tandem.db');
    legacyDatabase(dbFile, 4, (db) =>
      db.exec("DROP TRIGGER audit_event_no_update; UPDATE audit_event SET actor = 'mallory' WHERE seq = 2"),
    );
    t = await startTestApp({ dbFile });
    const page = await auditView(t.tandem);
    expect(page.integrity.state).toBe('broken');
    expect(page.integrity.problems).toEqual([
      { kind: 'triggersRestored', seq: expect.any(Number) },
      { kind: 'legacyBroken', seq: 2, count: 1 },
    ]);
  });
});

/** A schema-7 database (before the key) whose trail holds `count` events chained with plain SHA-256. */
function legacyDatabase(file: string, count: number, tamper?: (db: Database.Database) => void): Row[] {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF');
    for (const migration of migrations.filter((m) => m.version <= 7)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
    const insert = db.prepare(
      'INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
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
      insert.run(row.at, row.actor, row.action, row.subject, row.detail, prev, hash);
      prev = hash;
    }
    tamper?.(db);
    return rows(db);
  } finally {
    db.close();
  }
}

describe('signing in over and over while signed out', () => {
  it('adds only a bounded number of events to the trail, and still locks the username', async () => {
    t = await startTestApp();
    await t.addUser('dana', ['drafter']);
    await t.call('session.signOut');
    const count = () => t!.tandem.db.prepare('SELECT COUNT(*) FROM audit_event').pluck().get() as number;
    const before = count();
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
    expect(count() - before).toBeLessThanOrEqual(2 * maxRecordedRefusalsPerMinute);
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
    const [summary] = t.tandem.audit.list('sign-in').filter((e) => e.action === 'auth.throttled');
    const recorded = t.tandem.audit
      .list()
      .filter((e) => e.action === 'auth.failed' || e.action === 'auth.locked').length;
    expect(summary!.detail['refusals']).toBeGreaterThan(0);
    expect(Number(summary!.detail['refusals']) + recorded).toBe(attempts + 1);
  });
});
