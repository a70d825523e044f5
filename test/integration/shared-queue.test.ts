// Several publishers on one database (issue 11, item 4): claims carry a lease and a fencing token,
// a result is written only while the token holds, and nothing is posted twice. On each engine: a
// real SQLite file or a real PostgreSQL database, real keychain, the real X adapter against the
// loopback fake; each Tandem (t.reopen) has its own connection(s) to the same database.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { engine, setDue, startTestApp, tempDir, testPublisher, waitFor, type TestApp } from '../support';
import { newPostgresDatabase, openDirect } from '../engine';
import fs from 'node:fs';
import path from 'node:path';
import { migrations, openDatabase, schemaVersion } from '../../src/main/db';
import { migratePostgres, postgresMigrations } from '../../src/main/db/postgres';
import { PostgresSql, SqliteSql, withJsonList, type Sql } from '../../src/main/db/sql';
import { DeliveryStore, type LeasedDeliveryRow } from '../../src/main/db/deliveries';
import { createLogger } from '../../src/main/log';
import type { Tandem } from '../../src/main/app';
import type { PublisherOptions } from '../../src/main/publisher/publisher';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const shared = (more: Partial<PublisherOptions> = {}): PublisherOptions => ({
  ...testPublisher,
  storageBackoff: { baseMs: 100, capMs: 400 },
  soleOwner: false,
  leaseMs: 5_000,
  sweepMs: 50,
  ...more,
});

const statusOf = async (sql: Sql, pairId: string) => (await sql.value<string>('SELECT status FROM post_pair WHERE id = ?', [pairId]))!;
/** Whether every one of these pairs is published. */
const allPublished = async (sql: Sql, ids: string[]) =>
  (await sql.value<number>(
    withJsonList("SELECT COUNT(*) FROM post_pair WHERE status <> 'published' AND id IN (SELECT value FROM json_each(?))"),
    [JSON.stringify(ids)],
  )) === 0;

/** No event follows the same event twice: the audit chain is one line. */
const forks = (sql: Sql) => sql.all('SELECT prev_hash FROM audit_event GROUP BY prev_hash HAVING COUNT(*) > 1');

/** One delivery claimed as read, through the publisher's claim statement: its new token, or null. */
const claim = async (store: DeliveryStore, row: LeasedDeliveryRow, owner: string, now: number, until: number) =>
  (await store.claimMany([row], owner, now, until)).get(row.id) ?? null;

describe('the claim', () => {
  it('is conditional: of two publishers claiming the same delivery as read, exactly one gets it', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const pair = await t.publish(channelId, 'Claimed once', 'Réclamé une fois', new Date(Date.now() + 3_600_000));
    const a = new DeliveryStore(t.tandem.sql);
    // Another publisher's own connection to the same database.
    const other = openDirect(t);
    try {
      const b = new DeliveryStore(other);
      const now = Date.now();
      const [rowA] = await a.forPair(pair.id);
      const [rowB] = await b.forPair(pair.id);
      expect(rowA).toEqual(rowB);
      const first = await claim(a, rowA!, 'publisher-a', now, now + 60_000);
      const second = await claim(b, rowB!, 'publisher-b', now, now + 60_000);
      expect(first).toBe(rowA!.fence + 1);
      expect(second).toBeNull();
      // Nor can B take it with a fresh read while A's lease is live.
      expect(await claim(b, (await b.forPair(pair.id))[0]!, 'publisher-b', now, now + 60_000)).toBeNull();
      // Once it has run out, B can; A's token no longer holds, so A's result is not written.
      const fresh = (await b.forPair(pair.id))[0]!;
      expect(await claim(b, fresh, 'publisher-b', now + 61_000, now + 120_000)).toBe(rowA!.fence + 2);
      expect(await a.sent({ ...rowA!, fence: first! }, 'x1', 'https://x.com/a/status/x1', now)).toBe(false);
      expect(await b.sent({ ...fresh, fence: rowA!.fence + 2 }, 'x1', 'https://x.com/a/status/x1', now)).toBe(true);
      expect((await b.forPair(pair.id))[0]).toMatchObject({ status: 'sent', lease_until: null, lease_owner: null });
    } finally {
      await other.close();
    }
  });
});

describe('two publishers on one database', () => {
  it('60 pairs due at once: 120 posts, none twice, every pair published, the audit chain one line', async () => {
    t = await startTestApp({ publisher: shared() });
    const channelId = await t.addChannel();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const pair = await t.publish(channelId, `Shared queue ${i}`, `File partagée ${i}`, new Date(Date.now() + 3_600_000));
      ids.push(pair.id);
    }
    const second: Tandem = t.reopen({ publisher: shared() });
    await second.ready;
    t.fake.responseDelayMs = 10;
    t.fake.refuseDuplicates = false;

    // Which publishers hold leases while the queue drains: both must take part.
    const owners = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const leased = await t!.tandem.sql.all<{ lease_owner: string }>('SELECT DISTINCT lease_owner FROM delivery WHERE lease_owner IS NOT NULL');
        for (const { lease_owner } of leased) owners.add(lease_owner);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    const now = Date.now();
    await t.tandem.sql.tx(async () => {
      for (const id of ids) await setDue(t!.tandem.sql, id, now);
    });
    await t.tandem.publisher.wake();
    await second.publisher.wake();
    try {
      await waitFor(() => allPublished(t!.tandem.sql, ids), 30_000, 'all published');
    } finally {
      watching = false;
      await watcher;
    }

    expect(t.fake.posts).toHaveLength(120);
    const sent = t.fake.posts.map((p) => `${p.username}\n${p.text}`);
    expect(new Set(sent).size).toBe(120);
    for (let i = 0; i < 60; i++) {
      expect(t.fake.postsBy(t.en.username).filter((p) => p.text === `Shared queue ${i}`)).toHaveLength(1);
      expect(t.fake.postsBy(t.fr.username).filter((p) => p.text === `File partagée ${i}`)).toHaveLength(1);
    }
    expect(owners).toEqual(new Set([t.tandem.publisher.owner, second.publisher.owner]));
    const deliveries = await t.tandem.sql.value("SELECT COUNT(*) FROM delivery WHERE status = 'sent' AND lease_until IS NULL AND fence >= 1");
    expect(deliveries).toBe(120);
    // One `delivery.sent` per side, whichever publisher sent it; the chain never forks.
    const sentEvents = await t.tandem.sql.value("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.sent'");
    expect(sentEvents).toBe(120);
    expect(await forks(t.tandem.sql)).toEqual([]);
    expect((await t.tandem.audit.integrity()).state).toBe('intact');
    expect((await second.audit.integrity()).state).toBe('intact');
  }, 60_000);

  it('a stalled publisher whose lease ran out writes nothing; the one that took over finds the posts: one each', async () => {
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line));
    // A stalls (a paused process, a laptop asleep): it does not extend its lease while it waits.
    t = await startTestApp({ publisher: shared({ leaseMs: 500, renewEveryMs: 60_000, log }) });
    const channelId = await t.addChannel();
    // X takes the posts at once but answers only after the lease has run out (well within the
    // adapter's 2 s timeout): publisher A is still waiting when B takes the deliveries over.
    t.fake.responseDelayMs = 1_500;
    const pair = await t.publish(channelId, 'Stalled answer', 'Réponse en retard');
    await waitFor(() => t!.fake.posts.length === 2, 5_000, 'both posts at X');
    const claimedByA = await t.tandem.sql.all('SELECT fence, lease_owner, status FROM delivery WHERE pair_id = ? ORDER BY lang', [pair.id]);
    expect(claimedByA).toEqual([
      { fence: 1, lease_owner: t.tandem.publisher.owner, status: 'sending' },
      { fence: 1, lease_owner: t.tandem.publisher.owner, status: 'sending' },
    ]);
    t.fake.responseDelayMs = 0;

    const b = t.reopen({ publisher: shared({ leaseMs: 500, log }) });
    await b.ready;
    await waitFor(async () => (await statusOf(t!.tandem.sql, pair.id)) === 'published', 5_000, 'published by B');
    const actions = async () => (await t!.tandem.audit.list(pair.id)).map((e) => e.action);
    expect((await actions()).filter((a) => a === 'delivery.reconciled')).toHaveLength(2);
    expect(await actions()).toContain('delivery.interrupted');

    // A's answer comes: its token no longer holds, so it writes nothing and says so. (On a machine
    // too loaded to answer within the adapter's 2 s, A's answer is its timeout: `checking`.)
    const superseded = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['event'] === 'publisher.superseded');
    await waitFor(() => superseded().length === 2, 5_000, "A's late answers");
    for (const line of superseded()) {
      expect(['sent', 'checking']).toContain(line['result']);
      expect([line['fence'], line['pairId']]).toEqual([1, pair.id]);
    }
    expect(lines.join('\n')).not.toMatch(/oauth|secret|token_secret/i);
    expect((await actions()).filter((a) => a === 'delivery.sent')).toHaveLength(0);
    expect(t.fake.posts).toHaveLength(2);
    const rows = await t.tandem.sql.all<{ status: string; remote_id: string; lease_until: number | null; fence: number }>(
      'SELECT status, remote_id, lease_until, fence FROM delivery WHERE pair_id = ? ORDER BY lang',
      [pair.id],
    );
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(rows.map((r) => r.remote_id).sort()).toEqual(t.fake.posts.map((p) => p.id).sort());
    // Claimed by A (1), taken over by the sweep (2), claimed by B (3).
    expect(rows.every((r) => r.fence === 3 && r.lease_until === null)).toBe(true);
    expect(await statusOf(t.tandem.sql, pair.id)).toBe('published');
    expect(await forks(t.tandem.sql)).toEqual([]);
  }, 30_000);

  it('a slow send keeps its lease: the other publisher never takes it over, and nothing is checked twice', async () => {
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line));
    // A lease of 300 ms, renewed every 100 ms; X answers after 1.2 s, four leases later.
    t = await startTestApp({ publisher: shared({ leaseMs: 300, log }) });
    const channelId = await t.addChannel();
    t.fake.responseDelayMs = 1_200;
    const b = t.reopen({ publisher: shared({ leaseMs: 300, sweepMs: 50, log }) });
    await b.ready;
    const pair = await t.publish(channelId, 'Slow but steady', 'Lent mais sûr');
    await waitFor(async () => (await statusOf(t!.tandem.sql, pair.id)) === 'published', 10_000, 'published');
    const actions = (await t.tandem.audit.list(pair.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'delivery.sent')).toHaveLength(2);
    expect(actions).not.toContain('delivery.interrupted');
    expect(actions).not.toContain('delivery.reconciled');
    expect(lines.filter((l) => l.includes('publisher.superseded'))).toEqual([]);
    expect(t.fake.posts).toHaveLength(2);
    // One claim, kept to the end: the token moved once.
    const fences = await t.tandem.sql.all<{ fence: number }>('SELECT fence FROM delivery WHERE pair_id = ? ORDER BY lang', [pair.id]);
    expect(fences.map((r) => r.fence)).toEqual([1, 1]);
  }, 30_000);
});

describe('start-up recovery', () => {
  const statuses = async (tandem: Tandem, pairId: string) =>
    (await tandem.sql.all<{ status: string }>('SELECT status FROM delivery WHERE pair_id = ? ORDER BY lang', [pairId])).map((r) => r.status);
  const sendingWith = async (sql: Sql, pairId: string, leases: [string, number | null][]) => {
    const ids = (await sql.all<{ id: string }>('SELECT id FROM delivery WHERE pair_id = ? ORDER BY lang', [pairId])).map((r) => r.id);
    for (const [i, id] of ids.entries()) {
      await sql.run(
        "UPDATE delivery SET status = 'sending', attempt = 1, claimed_at = ?, idem_key = 'k', lease_owner = ?, lease_until = ?, fence = 1 WHERE id = ?",
        [Date.now() - 1_000, leases[i]![0], leases[i]![1], id],
      );
    }
  };

  it('one of several publishers takes over only sends whose lease ran out', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const live = await t.publish(channelId, 'Live lease', 'Bail actif', new Date(Date.now() + 3_600_000));
    const expired = await t.publish(channelId, 'Expired lease', 'Bail échu', new Date(Date.now() + 3_600_000));
    await t.whileClosed(async (sql) => {
      await sendingWith(sql, live.id, [['elsewhere', Date.now() + 600_000], ['elsewhere', Date.now() + 600_000]]);
      await sendingWith(sql, expired.id, [['gone', Date.now() - 1], ['gone', null]]);
    });
    const shared2 = t.reopen({ publisher: shared({ sweepMs: 60_000 }) });
    await shared2.ready;
    await waitFor(async () => (await statuses(shared2, expired.id)).every((s) => s !== 'sending'), 5_000, 'expired lease taken over');
    expect(await statuses(shared2, live.id)).toEqual(['sending', 'sending']);
    await shared2.close();

    // The sole publisher (the desk's setting) takes over every interrupted send, live lease or not.
    const desk = t.reopen();
    await desk.ready;
    await waitFor(async () => (await statuses(desk, live.id)).every((s) => s !== 'sending'), 5_000, 'all taken over');
    expect(await desk.sql.value('SELECT COUNT(*) FROM delivery WHERE lease_owner IN (?, ?)', ['elsewhere', 'gone'])).toBe(0);
  });
});

/**
 * A database an older Tandem left at schema `version` (a SQLite file, or a PostgreSQL database of its
 * own), with rows `fill` writes, then brought up to date as Tandem opens it.
 */
async function upgradedFrom(version: number, fill: (sql: Sql) => Promise<void>): Promise<{ sql: Sql; done: () => Promise<void> }> {
  if (engine === 'postgres') {
    const connection = await newPostgresDatabase();
    const old = new PostgresSql(connection);
    try {
      // As db/postgres.ts leaves it: the schema's version in tandem_schema.
      await old.pool.query('CREATE TABLE tandem_schema (version INTEGER NOT NULL, one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one))');
      for (const migration of postgresMigrations().filter((m) => m.version <= version)) await old.pool.query(migration.postgres);
      await old.pool.query('INSERT INTO tandem_schema (version) VALUES ($1)', [version]);
      await fill(old);
    } finally {
      await old.close();
    }
    const sql = new PostgresSql(connection);
    await migratePostgres(sql.pool).catch(async (error: unknown) => {
      await sql.close();
      throw error;
    });
    return { sql, done: () => sql.close() };
  }
  const dir = tempDir();
  const file = path.join(dir, 'tandem.db');
  const db = new Database(file);
  db.pragma('foreign_keys = OFF');
  for (const migration of migrations.filter((m) => m.version <= version)) {
    db.exec(migration.sql);
    db.pragma(`user_version = ${migration.version}`);
  }
  const old = new SqliteSql(db);
  try {
    await fill(old);
  } finally {
    await old.close();
  }
  const sql = new SqliteSql(openDatabase(file));
  return {
    sql,
    done: async () => {
      await sql.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('only one, as a constraint', () => {
  it('one request waiting per number: requests already waiting twice are merged into the oldest', async () => {
    const { sql, done } = await upgradedFrom(10, async (old) => {
      await old.run(`INSERT INTO "user" (id, username, display_name, pass_hash, created_at) VALUES ('u1', 'ann', 'Ann', 'h', 1), ('u2', 'bob', 'Bob', 'h', 1)`);
      const ask = `INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at, decided_by, decided_at, decision)
         VALUES (?, '613-555-0100', '6135550100', 'phone', ?, ?, ?, ?, ?)`;
      await old.run(ask, ['r-old', 'u1', 10, 'u2', 11, 'dismissed']);
      await old.run(ask, ['r-first', 'u1', 20, null, null, null]);
      await old.run(ask, ['r-second', 'u2', 30, null, null, null]);
      await old.run(`INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at) VALUES ('r-other', '819-555-0199', '8195550199', 'phone', 'u2', 40)`);
    });
    try {
      expect(await sql.value({ sqlite: 'SELECT user_version FROM pragma_user_version', postgres: 'SELECT version FROM tandem_schema' })).toBe(schemaVersion);
      expect((await sql.all<{ id: string }>('SELECT id FROM pii_request ORDER BY requested_at, id')).map((r) => r.id)).toEqual(['r-old', 'r-first', 'r-other']);
      const again = () =>
        sql.run(`INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at) VALUES ('r-3', '613 555 0100', '6135550100', 'phone', 'u2', 50)`);
      // SQLite: "UNIQUE constraint failed"; PostgreSQL: "duplicate key value violates unique constraint".
      await expect(again()).rejects.toThrow(/unique/i);
      // Once decided, the same number may be asked about again.
      await sql.run("UPDATE pii_request SET decision = 'allowed', decided_by = 'u2', decided_at = 45 WHERE id = 'r-first'");
      await expect(again()).resolves.toBe(1);
    } finally {
      await done();
    }
  });
});
