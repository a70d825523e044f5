// The delivery SQL the publisher runs: what is due, claims (lease + fencing token), and results
// written only while the claim's token still holds. The same statements serve both engines; where
// they differ, the twin `{ sqlite, postgres }` is written side by side.
//
// What keeps two publishers apart differs by engine, not the rules. On SQLite every claim and
// result runs in an IMMEDIATE transaction (the publisher's `write`), so the read and the
// conditional update cannot interleave with another process's. On PostgreSQL (READ COMMITTED,
// several servers on one queue) the rows a transaction acts on are locked as they are read: the
// claim skips rows another transaction holds (FOR UPDATE SKIP LOCKED) and leaves that pair to it;
// the other reads inside a write wait for them (FOR UPDATE). The token checks (`WHERE fence = ?`)
// hold on any engine regardless.
import type { DeliveryStatus, PairStatus } from '../../shared/domain';
import type { DeliveryRow } from './pairDetails';
import { toAccount, type AccountRow } from './accounts';
import type { Account } from '../../shared/domain';
import { withJsonList, type Sql, type Text } from './sql';

/** A delivery as the publisher reads it, with its account's handle and platform and its claim. */
export interface LeasedDeliveryRow extends DeliveryRow {
  lease_until: number | null;
  lease_owner: string | null;
  fence: number;
}

/** A delivery held by a claim: its fencing token is the one this claim set. */
export type Held = LeasedDeliveryRow & { fence: number };

/** Statuses a publisher picks (when their time comes). */
export const dueStatuses: readonly DeliveryStatus[] = ['pending', 'retrying', 'checking'];
const due = "('pending', 'retrying', 'checking')";
/**
 * A lease nobody holds, one that has run out, or one of this publisher's own (it does one thing
 * per pair at a time). Parameters: now, owner.
 */
const free = '(lease_until IS NULL OR lease_until <= ? OR lease_owner = ?)';

/**
 * The publisher's hot queries, named so the benchmark explains and times exactly these.
 * Parameters, in order — nextFree: now, owner; duePairs: now, now, owner, limit; nextLeaseEnd: now.
 */
export const deliverySql = {
  nextFree: `SELECT next_attempt_at FROM delivery
           WHERE status IN ${due} AND next_attempt_at IS NOT NULL AND ${free}
           ORDER BY next_attempt_at LIMIT 1`,
  // PostgreSQL refuses DISTINCT ordered by a column it does not return: each pair by its earliest
  // due delivery, the same order.
  duePairs: {
    sqlite: `SELECT DISTINCT pair_id FROM delivery
           WHERE status IN ${due} AND next_attempt_at <= ? AND ${free}
           ORDER BY next_attempt_at LIMIT ?`,
    postgres: `SELECT pair_id FROM delivery
           WHERE status IN ${due} AND next_attempt_at <= ? AND ${free}
           GROUP BY pair_id ORDER BY MIN(next_attempt_at), pair_id LIMIT ?`,
  } satisfies Text,
  nextLeaseEnd: `SELECT MIN(lease_until) FROM delivery WHERE lease_until > ? AND status IN ${due}`,
  allSendingPairs: "SELECT DISTINCT pair_id FROM delivery WHERE status = 'sending' ORDER BY pair_id",
};

const nextDue = `SELECT (${deliverySql.nextFree}) AS free, (${deliverySql.nextLeaseEnd}) AS lease_end`;

const deliveryColumns = `d.id, d.pair_id, d.account_id, d.lang, d.status, d.attempt, d.next_attempt_at, d.remote_id,
       d.remote_url, d.sent_at, d.last_error, d.claimed_at, d.idem_key, d.lookups, d.lease_until,
       d.lease_owner, d.fence, a.handle, a.platform`;

// A publisher's round acts on many pairs at once (issue 11's burst): the same reads and
// conditional writes, each one statement for the whole round. The pairs' ids travel as one JSON
// array; per-delivery values (token, key, result) as one JSON array of records.
const ofPairs = `FROM delivery d JOIN account a ON a.id = d.account_id
       WHERE d.pair_id IN (SELECT value FROM json_each(?)) ORDER BY d.pair_id, d.lang, a.handle`;
/** The records a batch write takes: SQLite reads them with json_extract, PostgreSQL with json_to_recordset. */
const records = (columns: Record<string, 'text' | 'bigint'>): { sqlite: string; postgres: string } => {
  const names = Object.keys(columns);
  return {
    sqlite: `(SELECT ${names.map((n) => `json_extract(value, '$.${n}') AS ${n}`).join(', ')} FROM json_each(?))`,
    postgres: `json_to_recordset(CAST(? AS json)) AS j(${names.map((n) => `${n} ${columns[n]}`).join(', ')})`,
  };
};
/** `UPDATE delivery … FROM <records> … WHERE … RETURNING id`, the same on both engines but for how the records are read. */
const batchUpdate = (set: string, columns: Record<string, 'text' | 'bigint'>, where: string): Text => {
  const from = records(columns);
  return {
    sqlite: `UPDATE delivery SET ${set} FROM ${from.sqlite} AS j WHERE ${where} RETURNING delivery.id`,
    postgres: `UPDATE delivery SET ${set} FROM ${from.postgres} WHERE ${where} RETURNING delivery.id`,
  };
};
const batch = {
  // Inside a write, the pairs' rows as they are now; on PostgreSQL they stay locked until the
  // transaction ends (a person's cancel or another instance waits its turn, as on SQLite). Only the
  // delivery rows: two pairs on one account must not wait for each other.
  forPairs: {
    sqlite: `SELECT ${deliveryColumns} ${ofPairs}`,
    postgres: `${withJsonList(`SELECT ${deliveryColumns} ${ofPairs}`).postgres} FOR UPDATE OF d`,
  } satisfies Text,
  // The claim's read. PostgreSQL: rows another transaction holds (another publisher claiming or
  // writing a result) are missing from the answer instead of waited for, and `total` tells that a
  // pair has rows missing: such a pair is left to whoever holds them.
  claimable: {
    sqlite: `SELECT ${deliveryColumns} ${ofPairs}`,
    postgres: `${withJsonList(`SELECT ${deliveryColumns}, (SELECT COUNT(*) FROM delivery t WHERE t.pair_id = d.pair_id) AS total ${ofPairs}`).postgres}
       FOR UPDATE OF d SKIP LOCKED`,
  } satisfies Text,
  // The claim: each delivery only if nobody claimed it since it was read (same token), it is as it
  // was read, and no live lease of another publisher is on it. Parameters: owner, until, records,
  // now, owner.
  claim: batchUpdate(
    'fence = delivery.fence + 1, lease_owner = ?, lease_until = ?',
    { id: 'text', fence: 'bigint', status: 'text' },
    `delivery.id = j.id AND delivery.fence = j.fence AND delivery.status = j.status AND ${free.replaceAll('lease_', 'delivery.lease_')}`,
  ),
  // Parameters: records (id, fence, key, claimed_at, lease_until).
  toSending: batchUpdate(
    `status = 'sending', attempt = delivery.attempt + 1, lookups = 0, claimed_at = j.claimed_at,
         idem_key = COALESCE(delivery.idem_key, j.key), lease_until = j.lease_until`,
    { id: 'text', fence: 'bigint', key: 'text', claimed_at: 'bigint', lease_until: 'bigint' },
    'delivery.id = j.id AND delivery.fence = j.fence',
  ),
  // Parameters: records (id, fence, remote_id, remote_url, sent_at).
  sent: batchUpdate(
    `status = 'sent', remote_id = j.remote_id, remote_url = j.remote_url, sent_at = j.sent_at,
         next_attempt_at = NULL, last_error = NULL, lease_until = NULL, lease_owner = NULL`,
    { id: 'text', fence: 'bigint', remote_id: 'text', remote_url: 'text', sent_at: 'bigint' },
    'delivery.id = j.id AND delivery.fence = j.fence',
  ),
  // A claim nothing was written under is given back. Parameters: records (id, fence), owner.
  release: batchUpdate(
    'lease_until = NULL, lease_owner = NULL',
    { id: 'text', fence: 'bigint' },
    "delivery.id = j.id AND delivery.fence = j.fence AND delivery.status <> 'sending' AND delivery.lease_owner = ?",
  ),
  // A long send keeps its lease: extended only while the token still holds and is this
  // publisher's. Parameters: until, records (id, fence), owner.
  renew: batchUpdate(
    'lease_until = ?',
    { id: 'text', fence: 'bigint' },
    'delivery.id = j.id AND delivery.fence = j.fence AND delivery.lease_owner = ? AND delivery.lease_until IS NOT NULL',
  ),
  // Read inside a write, after the pairs' deliveries (the order every writer of both takes):
  // PostgreSQL holds the pair rows too, so the version or status read stays true until the write ends.
  pairStates: {
    sqlite: 'SELECT id, version, status FROM post_pair WHERE id IN (SELECT value FROM json_each(?))',
    postgres: `${withJsonList('SELECT id, version, status FROM post_pair WHERE id IN (SELECT value FROM json_each(?))').postgres} ORDER BY id FOR NO KEY UPDATE`,
  } satisfies Text,
};

const s = {
  sent: `UPDATE delivery SET status = 'sent', remote_id = ?, remote_url = ?, sent_at = ?,
         next_attempt_at = NULL, last_error = NULL, lease_until = NULL, lease_owner = NULL
       WHERE id = ? AND fence = ?`,
  again: `UPDATE delivery SET status = ?, next_attempt_at = ?, attempt = ?, last_error = ?,
         lease_until = NULL, lease_owner = NULL
       WHERE id = ? AND fence = ?`,
  lookups: 'UPDATE delivery SET lookups = ? WHERE id = ? AND fence = ?',
  stop: `UPDATE delivery SET status = ?, next_attempt_at = NULL, last_error = ?,
         lease_until = NULL, lease_owner = NULL
       WHERE id = ? AND fence = ?`,
  // After an unexpected error: anything of the claim left mid-send is checked later, the rest waits.
  containSending: `UPDATE delivery SET status = 'checking', next_attempt_at = ?, lease_until = NULL, lease_owner = NULL
       WHERE id = ? AND fence = ? AND status = 'sending'`,
  containDue: `UPDATE delivery SET next_attempt_at = ?, lease_until = NULL, lease_owner = NULL
       WHERE id = ? AND fence = ? AND status IN ${due}`,
  // The same without a claim (the error came before it): only what no other publisher holds.
  containUnclaimed: `UPDATE delivery SET next_attempt_at = ? WHERE pair_id = ? AND status IN ${due} AND ${free}`,
  // Recovery. Taking over a delivery is a new claim on it: the token moves on, so whoever held
  // it before writes nothing when its answer comes.
  recoverAll: `UPDATE delivery SET status = 'checking', next_attempt_at = ?, last_error = ?,
         fence = fence + 1, lease_until = NULL, lease_owner = NULL
       WHERE status = 'sending'`,
  anyLease: 'SELECT 1 FROM delivery WHERE lease_until IS NOT NULL LIMIT 1',
  clearLeases: 'UPDATE delivery SET fence = fence + 1, lease_until = NULL, lease_owner = NULL WHERE lease_until IS NOT NULL',
  anyExpired: "SELECT 1 FROM delivery WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1",
  // The pairs come from the rows actually taken over, so two sweeps at once (two instances) never
  // both record one take-over. PostgreSQL: rows another transaction holds (a sweep of another
  // instance, or their publisher writing its answer right now) are skipped, not waited for.
  // Parameters: now, error, now.
  recoverExpired: {
    sqlite: `UPDATE delivery SET status = 'checking', next_attempt_at = ?, last_error = ?,
         fence = fence + 1, lease_until = NULL, lease_owner = NULL
       WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?)
       RETURNING pair_id`,
    postgres: `UPDATE delivery SET status = 'checking', next_attempt_at = ?, last_error = ?,
         fence = fence + 1, lease_until = NULL, lease_owner = NULL
       WHERE id IN (SELECT id FROM delivery WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?)
                    FOR UPDATE SKIP LOCKED)
       RETURNING pair_id`,
  } satisfies Text,
  account: 'SELECT * FROM account WHERE id = ?',
  remoteUserId: 'SELECT remote_user_id FROM account WHERE id = ?',
  needsReauth: "UPDATE account SET status = 'needs_reauth' WHERE id = ?",
};

/** Times are whole milliseconds in the database (BIGINT on PostgreSQL). */
const ms = (t: number) => Math.round(t);

export class DeliveryStore {
  constructor(private readonly sql: Sql) {}

  /** When the publisher should next look: the earliest due time it could claim, or when a lease on a due delivery runs out. */
  async nextDueAt(now: number, owner: string): Promise<number | null> {
    // Two index look-ups: the earliest due delivery nobody else holds (delivery_due, in order,
    // skipping the few leased), and the earliest lease on a due delivery to run out (delivery_lease).
    // Asked in one statement: over a network (a team's PostgreSQL) one round trip, not two.
    const row = await this.sql.get<{ free: number | null; lease_end: number | null }>(nextDue, [now, owner, now]);
    const times = [row?.free, row?.lease_end].filter((t): t is number => typeof t === 'number');
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Pairs with a delivery due now that no other publisher holds, earliest first. Nothing is locked: the claim decides. */
  async duePairs(now: number, owner: string, limit: number): Promise<string[]> {
    const rows = await this.sql.all<{ pair_id: string }>(deliverySql.duePairs, [now, now, owner, limit]);
    return rows.map((r) => r.pair_id);
  }

  /** The pair's deliveries; inside a write, held until it ends (PostgreSQL locks them). */
  forPair(pairId: string): Promise<LeasedDeliveryRow[]> {
    return this.forPairs([pairId]).then((rows) => rows.get(pairId)!);
  }

  // ---- a round: many pairs per statement ----------------------------------------------------

  /** The deliveries of these pairs, by pair; inside a write, held until it ends (PostgreSQL locks them). */
  async forPairs(pairIds: readonly string[]): Promise<Map<string, LeasedDeliveryRow[]>> {
    const rows = await this.sql.all<LeasedDeliveryRow>(batch.forPairs, [JSON.stringify(pairIds)]);
    return byPair(pairIds, rows);
  }

  /**
   * `claimable` for a round of pairs, in one statement: each pair's deliveries, or no entry for a
   * pair another transaction holds some of right now (PostgreSQL), which is left to it.
   */
  async claimableMany(pairIds: readonly string[]): Promise<Map<string, LeasedDeliveryRow[]>> {
    const rows = await this.sql.all<LeasedDeliveryRow & { total?: number }>(batch.claimable, [JSON.stringify(pairIds)]);
    const out = new Map<string, LeasedDeliveryRow[]>();
    const whole = new Map<string, boolean>();
    for (const { total, ...row } of rows) {
      const list = out.get(row.pair_id) ?? [];
      list.push(row);
      out.set(row.pair_id, list);
      if (total !== undefined) whole.set(row.pair_id, list.length >= total);
    }
    for (const [pairId, complete] of whole) if (!complete) out.delete(pairId);
    return out;
  }

  /** Claims these deliveries as read, in one statement: the new token of each one claimed (those missing changed meanwhile). */
  async claimMany(rows: readonly LeasedDeliveryRow[], owner: string, now: number, until: number): Promise<Map<string, number>> {
    if (rows.length === 0) return new Map();
    const list = JSON.stringify(rows.map((r) => ({ id: r.id, fence: r.fence, status: r.status })));
    const claimed = await this.sql.all<{ id: string }>(batch.claim, [owner, ms(until), list, ms(now), owner]);
    // The token moved on by one from the one read: under the claim's locks nothing else moved it.
    const read = new Map(rows.map((r) => [r.id, r.fence]));
    return new Map(claimed.map((c) => [c.id, read.get(c.id)! + 1]));
  }

  /** `toSending` for many deliveries in one statement; the ids whose token still held. */
  async toSendingMany(items: readonly { held: Held; key: string; now: number; until: number }[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const list = JSON.stringify(
      items.map((i) => ({ id: i.held.id, fence: i.held.fence, key: i.key, claimed_at: ms(i.now), lease_until: ms(i.until) })),
    );
    return ids(await this.sql.all<{ id: string }>(batch.toSending, [list]));
  }

  /** `sent` for many deliveries in one statement; the ids whose token still held. */
  async sentMany(items: readonly { held: Held; remoteId: string; remoteUrl: string; sentAt: number }[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const list = JSON.stringify(
      items.map((i) => ({ id: i.held.id, fence: i.held.fence, remote_id: i.remoteId, remote_url: i.remoteUrl, sent_at: ms(i.sentAt) })),
    );
    return ids(await this.sql.all<{ id: string }>(batch.sent, [list]));
  }

  /** Gives back claims nothing was written under (a `sending` one stays: its outcome is owed), in one statement. */
  async releaseMany(held: readonly Held[], owner: string): Promise<void> {
    if (held.length === 0) return;
    await this.sql.all(batch.release, [JSON.stringify(held.map((h) => ({ id: h.id, fence: h.fence }))), owner]);
  }

  /** Each pair's version and status; inside a write, after the pairs' deliveries (PostgreSQL holds the rows until it ends). */
  async pairStates(pairIds: readonly string[]): Promise<Map<string, { version: number; status: PairStatus }>> {
    const rows = await this.sql.all<{ id: string; version: number; status: PairStatus }>(batch.pairStates, [JSON.stringify(pairIds)]);
    return new Map(rows.map((r) => [r.id, { version: r.version, status: r.status }]));
  }



  /** Each returns whether the token still held (the row was written). */
  async sent(held: Held, remoteId: string, remoteUrl: string, sentAt: number): Promise<boolean> {
    return (await this.sql.run(s.sent, [remoteId, remoteUrl, ms(sentAt), held.id, held.fence])) === 1;
  }

  async again(held: Held, status: DeliveryStatus, at: number, attempt: number, error: string): Promise<boolean> {
    return (await this.sql.run(s.again, [status, ms(at), attempt, error, held.id, held.fence])) === 1;
  }

  async lookups(held: Held, lookups: number): Promise<boolean> {
    return (await this.sql.run(s.lookups, [lookups, held.id, held.fence])) === 1;
  }

  /** `held` or `failed`: waits for a person. */
  async stop(held: Held, status: 'held' | 'failed', error: string): Promise<boolean> {
    return (await this.sql.run(s.stop, [status, error, held.id, held.fence])) === 1;
  }

  /** Two statements per delivery of the claim (a pair has two): call inside a write. */
  async contain(held: readonly Held[], later: number): Promise<void> {
    for (const h of held) {
      await this.sql.run(s.containSending, [ms(later), h.id, h.fence]);
      await this.sql.run(s.containDue, [ms(later), h.id, h.fence]);
    }
  }

  async containUnclaimed(pairId: string, now: number, later: number, owner: string): Promise<void> {
    await this.sql.run(s.containUnclaimed, [ms(later), pairId, ms(now), owner]);
  }

  /** Extends the leases still held under these tokens (one statement); how many were. */
  async renew(held: readonly Held[], owner: string, until: number): Promise<number> {
    if (held.length === 0) return 0;
    const list = JSON.stringify(held.map((h) => ({ id: h.id, fence: h.fence })));
    return (await this.sql.all(batch.renew, [ms(until), list, owner])).length;
  }

  /** Whether recovery has anything to do (read only, so a start with nothing to recover writes nothing). */
  async hasInterrupted(now: number, sole: boolean): Promise<boolean> {
    if (sole) {
      return (await this.sql.value(deliverySql.allSendingPairs)) !== undefined || (await this.sql.value(s.anyLease)) !== undefined;
    }
    return (await this.sql.value(s.anyExpired, [ms(now)])) !== undefined;
  }

  /** The sole publisher at start: every `sending` delivery was interrupted, every lease is stale. Call inside a write. */
  async recoverAll(now: number, error: string): Promise<string[]> {
    const pairIds = (await this.sql.all<{ pair_id: string }>(deliverySql.allSendingPairs)).map((r) => r.pair_id);
    if (pairIds.length > 0) await this.sql.run(s.recoverAll, [ms(now), error]);
    await this.sql.run(s.clearLeases);
    return pairIds;
  }

  /** One of several publishers: only sends whose lease ran out (their publisher stopped or stalled). The pairs taken over, in id order. */
  async recoverExpired(now: number, error: string): Promise<string[]> {
    const rows = await this.sql.all<{ pair_id: string }>(s.recoverExpired, [ms(now), error, ms(now)]);
    return [...new Set(rows.map((r) => r.pair_id))].sort();
  }

  async account(accountId: string): Promise<Account> {
    return toAccount((await this.sql.get<AccountRow>(s.account, [accountId]))!);
  }

  async remoteUserId(accountId: string): Promise<string | null> {
    return (await this.sql.value<string | null>(s.remoteUserId, [accountId])) ?? null;
  }

  async needsReauth(accountId: string): Promise<void> {
    await this.sql.run(s.needsReauth, [accountId]);
  }
}

function byPair(pairIds: readonly string[], rows: readonly LeasedDeliveryRow[]): Map<string, LeasedDeliveryRow[]> {
  const out = new Map<string, LeasedDeliveryRow[]>(pairIds.map((id) => [id, []]));
  for (const row of rows) out.get(row.pair_id)?.push(row);
  return out;
}

const ids = (rows: readonly { id: string }[]) => new Set(rows.map((r) => r.id));
