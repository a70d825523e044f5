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
import type { Sql, Text } from './sql';

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

const deliveryColumns = `d.id, d.pair_id, d.account_id, d.lang, d.status, d.attempt, d.next_attempt_at, d.remote_id,
       d.remote_url, d.sent_at, d.last_error, d.claimed_at, d.idem_key, d.lookups, d.lease_until,
       d.lease_owner, d.fence, a.handle, a.platform`;
const ofPair = `FROM delivery d JOIN account a ON a.id = d.account_id
       WHERE d.pair_id = ? ORDER BY d.lang, a.handle`;

const s = {
  // Inside a write, the pair's rows as they are now; on PostgreSQL they stay locked until the
  // transaction ends (a person's cancel or another instance waits its turn, as on SQLite). Only the
  // delivery rows: two pairs on one account must not wait for each other.
  forPair: {
    sqlite: `SELECT ${deliveryColumns} ${ofPair}`,
    postgres: `SELECT ${deliveryColumns} ${ofPair} FOR UPDATE OF d`,
  } satisfies Text,
  // The claim's read. PostgreSQL: rows another transaction holds (another publisher claiming or
  // writing a result) are missing from the answer instead of waited for, and `total` tells that a
  // pair has rows missing: such a pair is left to whoever holds them.
  claimable: {
    sqlite: `SELECT ${deliveryColumns} ${ofPair}`,
    postgres: `SELECT ${deliveryColumns}, (SELECT COUNT(*) FROM delivery t WHERE t.pair_id = d.pair_id) AS total
       ${ofPair} FOR UPDATE OF d SKIP LOCKED`,
  } satisfies Text,
  // The claim: succeeds only if nobody claimed the delivery since it was read (same token), it
  // is as it was read, and no live lease of another publisher is on it.
  claim: `UPDATE delivery SET fence = fence + 1, lease_owner = ?, lease_until = ?
       WHERE id = ? AND fence = ? AND status = ? AND ${free}
       RETURNING fence`,
  toSending: `UPDATE delivery SET status = 'sending', attempt = attempt + 1, lookups = 0, claimed_at = ?,
         idem_key = COALESCE(idem_key, ?), lease_until = ?
       WHERE id = ? AND fence = ?`,
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
  // A long send keeps its lease: extended only while the token still holds and is this publisher's.
  renew: `UPDATE delivery SET lease_until = ?
       WHERE id = ? AND fence = ? AND lease_owner = ? AND lease_until IS NOT NULL`,
  release: `UPDATE delivery SET lease_until = NULL, lease_owner = NULL
       WHERE id = ? AND fence = ? AND status <> 'sending' AND lease_owner = ?`,
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
  // Read inside a write, after the pair's deliveries (the order every writer of both takes):
  // PostgreSQL holds the pair row too, so the version or status read stays true until the write ends.
  pairVersion: {
    sqlite: 'SELECT version FROM post_pair WHERE id = ?',
    postgres: 'SELECT version FROM post_pair WHERE id = ? FOR NO KEY UPDATE',
  } satisfies Text,
  pairStatus: {
    sqlite: 'SELECT status FROM post_pair WHERE id = ?',
    postgres: 'SELECT status FROM post_pair WHERE id = ? FOR NO KEY UPDATE',
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
    const free = await this.sql.value<number | null>(deliverySql.nextFree, [now, owner]);
    const leaseEnd = await this.sql.value<number | null>(deliverySql.nextLeaseEnd, [now]);
    const times = [free, leaseEnd].filter((t): t is number => typeof t === 'number');
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Pairs with a delivery due now that no other publisher holds, earliest first. Nothing is locked: the claim decides. */
  async duePairs(now: number, owner: string, limit: number): Promise<string[]> {
    const rows = await this.sql.all<{ pair_id: string }>(deliverySql.duePairs, [now, now, owner, limit]);
    return rows.map((r) => r.pair_id);
  }

  /** The pair's deliveries; inside a write, held until it ends (PostgreSQL locks them). */
  forPair(pairId: string): Promise<LeasedDeliveryRow[]> {
    return this.sql.all<LeasedDeliveryRow>(s.forPair, [pairId]);
  }

  /**
   * The pair's deliveries for a claim, inside its transaction; null when another transaction holds
   * some of them right now, none when it holds them all (PostgreSQL: either way the pair is left
   * to it, as a live lease would be).
   */
  async claimable(pairId: string): Promise<LeasedDeliveryRow[] | null> {
    const rows = await this.sql.all<LeasedDeliveryRow & { total?: number }>(s.claimable, [pairId]);
    const total = rows[0]?.total;
    if (total === undefined) return rows;
    if (rows.length < total) return null;
    return rows.map(({ total: _, ...row }) => row);
  }

  /** Claims one delivery as read; its new fencing token, or null if someone else has it (or it changed). */
  async claim(row: LeasedDeliveryRow, owner: string, now: number, until: number): Promise<number | null> {
    const fence = await this.sql.value<number>(s.claim, [owner, ms(until), row.id, row.fence, row.status, ms(now), owner]);
    return fence ?? null;
  }

  /** Each returns whether the token still held (the row was written). */
  async toSending(held: Held, now: number, key: string, until: number): Promise<boolean> {
    return (await this.sql.run(s.toSending, [ms(now), key, ms(until), held.id, held.fence])) === 1;
  }

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

  /** Extends the leases still held under these tokens; how many were. */
  async renew(held: readonly Held[], owner: string, until: number): Promise<number> {
    let renewed = 0;
    for (const h of held) renewed += await this.sql.run(s.renew, [ms(until), h.id, h.fence, owner]);
    return renewed;
  }

  /** Gives back a claim nothing was written under (a `sending` one stays: its outcome is owed). */
  async release(held: Held, owner: string): Promise<void> {
    await this.sql.run(s.release, [held.id, held.fence, owner]);
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

  /** Inside a write, after `forPair`: PostgreSQL holds the pair row until the write ends. */
  pairStatus(pairId: string): Promise<PairStatus | undefined> {
    return this.sql.value<PairStatus>(s.pairStatus, [pairId]);
  }

  /** Inside a write, after `forPair`: PostgreSQL holds the pair row until the write ends. */
  pairVersion(pairId: string): Promise<number | undefined> {
    return this.sql.value<number>(s.pairVersion, [pairId]);
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
