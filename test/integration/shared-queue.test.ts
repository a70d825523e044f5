// Several publishers on one database (issue 11, item 4): claims carry a lease and a fencing token,
// a result is written only while the token holds, and nothing is posted twice. Real SQLite file,
// real keychain, the real X adapter against the loopback fake; each Tandem has its own connection.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { setDue, startTestApp, tempDir, waitFor, type TestApp } from '../support';
import fs from 'node:fs';
import path from 'node:path';
import { migrations, openDatabase, schemaVersion } from '../../src/main/db';
import { DeliveryStore } from '../../src/main/db/deliveries';
import { createLogger } from '../../src/main/log';
import type { Tandem } from '../../src/main/app';
import type { PublisherOptions } from '../../src/main/publisher/publisher';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const shared = (more: Partial<PublisherOptions> = {}): PublisherOptions => ({
  maxAttempts: 4,
  backoff: { baseMs: 40, capMs: 200 },
  offlineRetryMs: 200,
  graceMs: 15 * 60_000,
  concurrency: 8,
  storageBackoff: { baseMs: 100, capMs: 400 },
  soleOwner: false,
  leaseMs: 5_000,
  sweepMs: 50,
  ...more,
});

const statusOf = (db: Database.Database, pairId: string) =>
  db.prepare('SELECT status FROM post_pair WHERE id = ?').pluck().get(pairId) as string;

/** No event follows the same event twice: the audit chain is one line. */
const forks = (db: Database.Database) =>
  db.prepare('SELECT prev_hash FROM audit_event GROUP BY prev_hash HAVING COUNT(*) > 1').all();

describe('the claim', () => {
  it('is conditional: of two publishers claiming the same delivery as read, exactly one gets it', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const pair = await t.publish(channelId, 'Claimed once', 'Réclamé une fois', new Date(Date.now() + 3_600_000));
    const a = new DeliveryStore(t.tandem.db);
    const other = openDatabase(t.dbFile);
    try {
      const b = new DeliveryStore(other);
      const now = Date.now();
      const [rowA] = a.forPair(pair.id);
      const [rowB] = b.forPair(pair.id);
      expect(rowA).toEqual(rowB);
      const first = a.claim(rowA!, 'publisher-a', now, now + 60_000);
      const second = b.claim(rowB!, 'publisher-b', now, now + 60_000);
      expect(first).toBe(rowA!.fence + 1);
      expect(second).toBeNull();
      // Nor can B take it with a fresh read while A's lease is live.
      expect(b.claim(b.forPair(pair.id)[0]!, 'publisher-b', now, now + 60_000)).toBeNull();
      // Once it has run out, B can; A's token no longer holds, so A's result is not written.
      const fresh = b.forPair(pair.id)[0]!;
      expect(b.claim(fresh, 'publisher-b', now + 61_000, now + 120_000)).toBe(rowA!.fence + 2);
      expect(a.sent({ ...rowA!, fence: first! }, 'x1', 'https://x.com/a/status/x1', now)).toBe(false);
      expect(b.sent({ ...fresh, fence: rowA!.fence + 2 }, 'x1', 'https://x.com/a/status/x1', now)).toBe(true);
      expect(b.forPair(pair.id)[0]).toMatchObject({ status: 'sent', lease_until: null, lease_owner: null });
    } finally {
      other.close();
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
    const watch = t.tandem.db.prepare('SELECT DISTINCT lease_owner FROM delivery WHERE lease_owner IS NOT NULL').pluck();
    const watcher = setInterval(() => (watch.all() as string[]).forEach((o) => owners.add(o)), 2);

    const now = Date.now();
    t.tandem.db.transaction(() => ids.forEach((id) => setDue(t!.tandem.db, id, now)))();
    t.tandem.publisher.wake();
    second.publisher.wake();
    try {
      await waitFor(() => ids.every((id) => statusOf(t!.tandem.db, id) === 'published'), 30_000, 'all published');
    } finally {
      clearInterval(watcher);
    }

    expect(t.fake.posts).toHaveLength(120);
    const sent = t.fake.posts.map((p) => `${p.username}\n${p.text}`);
    expect(new Set(sent).size).toBe(120);
    for (let i = 0; i < 60; i++) {
      expect(t.fake.postsBy(t.en.username).filter((p) => p.text === `Shared queue ${i}`)).toHaveLength(1);
      expect(t.fake.postsBy(t.fr.username).filter((p) => p.text === `File partagée ${i}`)).toHaveLength(1);
    }
    expect(owners).toEqual(new Set([t.tandem.publisher.owner, second.publisher.owner]));
    const deliveries = t.tandem.db
      .prepare("SELECT COUNT(*) FROM delivery WHERE status = 'sent' AND lease_until IS NULL AND fence >= 1")
      .pluck()
      .get();
    expect(deliveries).toBe(120);
    // One `delivery.sent` per side, whichever publisher sent it; the chain never forks.
    const sentEvents = t.tandem.db.prepare("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.sent'").pluck().get();
    expect(sentEvents).toBe(120);
    expect(forks(t.tandem.db)).toEqual([]);
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
    const claimedByA = t.tandem.db.prepare('SELECT fence, lease_owner, status FROM delivery WHERE pair_id = ?').all(pair.id);
    expect(claimedByA).toEqual([
      { fence: 1, lease_owner: t.tandem.publisher.owner, status: 'sending' },
      { fence: 1, lease_owner: t.tandem.publisher.owner, status: 'sending' },
    ]);
    t.fake.responseDelayMs = 0;

    const b = t.reopen({ publisher: shared({ leaseMs: 500, log }) });
    await b.ready;
    await waitFor(() => statusOf(t!.tandem.db, pair.id) === 'published', 5_000, 'published by B');
    const actions = () => t!.tandem.audit.list(pair.id).map((e) => e.action);
    expect(actions().filter((a) => a === 'delivery.reconciled')).toHaveLength(2);
    expect(actions()).toContain('delivery.interrupted');

    // A's answer comes: its token no longer holds, so it writes nothing and says so. (On a machine
    // too loaded to answer within the adapter's 2 s, A's answer is its timeout: `checking`.)
    const superseded = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['event'] === 'publisher.superseded');
    await waitFor(() => superseded().length === 2, 5_000, "A's late answers");
    for (const line of superseded()) {
      expect(['sent', 'checking']).toContain(line['result']);
      expect([line['fence'], line['pairId']]).toEqual([1, pair.id]);
    }
    expect(lines.join('\n')).not.toMatch(/oauth|secret|token_secret/i);
    expect(actions().filter((a) => a === 'delivery.sent')).toHaveLength(0);
    expect(t.fake.posts).toHaveLength(2);
    const rows = t.tandem.db
      .prepare('SELECT status, remote_id, lease_until, fence FROM delivery WHERE pair_id = ? ORDER BY lang')
      .all(pair.id) as { status: string; remote_id: string; lease_until: number | null; fence: number }[];
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(rows.map((r) => r.remote_id).sort()).toEqual(t.fake.posts.map((p) => p.id).sort());
    // Claimed by A (1), taken over by the sweep (2), claimed by B (3).
    expect(rows.every((r) => r.fence === 3 && r.lease_until === null)).toBe(true);
    expect(statusOf(t.tandem.db, pair.id)).toBe('published');
    expect(forks(t.tandem.db)).toEqual([]);
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
    await waitFor(() => statusOf(t!.tandem.db, pair.id) === 'published', 10_000, 'published');
    const actions = t.tandem.audit.list(pair.id).map((e) => e.action);
    expect(actions.filter((a) => a === 'delivery.sent')).toHaveLength(2);
    expect(actions).not.toContain('delivery.interrupted');
    expect(actions).not.toContain('delivery.reconciled');
    expect(lines.filter((l) => l.includes('publisher.superseded'))).toEqual([]);
    expect(t.fake.posts).toHaveLength(2);
    // One claim, kept to the end: the token moved once.
    const fences = t.tandem.db.prepare('SELECT fence FROM delivery WHERE pair_id = ?').pluck().all(pair.id);
    expect(fences).toEqual([1, 1]);
  }, 30_000);
});

describe('start-up recovery', () => {
  const statuses2 = (tandem: Tandem, pairId: string) =>
    tandem.db.prepare('SELECT status FROM delivery WHERE pair_id = ? ORDER BY lang').pluck().all(pairId) as string[];
  const sendingWith = (db: Database.Database, pairId: string, leases: [string, number | null][]) => {
    const ids = db.prepare('SELECT id FROM delivery WHERE pair_id = ? ORDER BY lang').pluck().all(pairId) as string[];
    ids.forEach((id, i) =>
      db
        .prepare(
          "UPDATE delivery SET status = 'sending', attempt = 1, claimed_at = ?, idem_key = 'k', lease_owner = ?, lease_until = ?, fence = 1 WHERE id = ?",
        )
        .run(Date.now() - 1_000, leases[i]![0], leases[i]![1], id),
    );
  };

  it('one of several publishers takes over only sends whose lease ran out', async () => {
    t = await startTestApp();
    const channelId = await t.addChannel();
    const live = await t.publish(channelId, 'Live lease', 'Bail actif', new Date(Date.now() + 3_600_000));
    const expired = await t.publish(channelId, 'Expired lease', 'Bail échu', new Date(Date.now() + 3_600_000));
    await t.whileClosed((db) => {
      sendingWith(db, live.id, [['elsewhere', Date.now() + 600_000], ['elsewhere', Date.now() + 600_000]]);
      sendingWith(db, expired.id, [['gone', Date.now() - 1], ['gone', null]]);
    });
    const shared2 = t.reopen({ publisher: shared({ sweepMs: 60_000 }) });
    await shared2.ready;
    const statuses = (pairId: string) =>
      shared2.db.prepare('SELECT status FROM delivery WHERE pair_id = ? ORDER BY lang').pluck().all(pairId);
    await waitFor(() => statuses(expired.id).every((s) => s !== 'sending'), 5_000, 'expired lease taken over');
    expect(statuses(live.id)).toEqual(['sending', 'sending']);
    await shared2.close();

    // The desk (the sole publisher) takes over every interrupted send, live lease or not.
    const desk = t.reopen();
    await desk.ready;
    await waitFor(() => statuses2(desk, live.id).every((s) => s !== 'sending'), 5_000, 'all taken over');
    expect(desk.db.prepare('SELECT COUNT(*) FROM delivery WHERE lease_owner IN (?, ?)').pluck().get('elsewhere', 'gone')).toBe(0);
  });
});

describe('only one, as a constraint', () => {
  it('one request waiting per number: requests already waiting twice are merged into the oldest', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tandem.db');
    try {
      const old = new Database(file);
      old.pragma('foreign_keys = OFF');
      for (const migration of migrations.filter((m) => m.version <= 10)) {
        old.exec(migration.sql);
        old.pragma(`user_version = ${migration.version}`);
      }
      old.exec(`INSERT INTO user (id, username, display_name, pass_hash, created_at) VALUES ('u1', 'ann', 'Ann', 'h', 1), ('u2', 'bob', 'Bob', 'h', 1)`);
      const ask = old.prepare(
        `INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at, decided_by, decided_at, decision)
         VALUES (?, '613-555-0100', '6135550100', 'phone', ?, ?, ?, ?, ?)`,
      );
      ask.run('r-old', 'u1', 10, 'u2', 11, 'dismissed');
      ask.run('r-first', 'u1', 20, null, null, null);
      ask.run('r-second', 'u2', 30, null, null, null);
      old.prepare(`INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at) VALUES ('r-other', '819-555-0199', '8195550199', 'phone', 'u2', 40)`).run();
      old.close();

      const db = openDatabase(file);
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
        expect(db.prepare('SELECT id FROM pii_request ORDER BY requested_at').pluck().all()).toEqual(['r-old', 'r-first', 'r-other']);
        const again = () =>
          db.prepare(`INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at) VALUES ('r-3', '613 555 0100', '6135550100', 'phone', 'u2', 50)`).run();
        expect(again).toThrow(/UNIQUE/);
        // Once decided, the same number may be asked about again.
        db.prepare("UPDATE pii_request SET decision = 'allowed', decided_by = 'u2', decided_at = 45 WHERE id = 'r-first'").run();
        expect(again).not.toThrow();
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
