// The delivery SQL the publisher runs: what is due, claims (lease + fencing token), and results
// written only while the claim's token still holds. SQLite here; the PostgreSQL twin of each
// statement is noted beside it where it differs. On SQLite every claim and result runs in an
// IMMEDIATE transaction (the publisher's `write`), so the read and the conditional update cannot
// interleave with another publisher's; the `changes` checks hold on any engine regardless.
import type { Db } from './index';
import type { DeliveryStatus, PairStatus } from '../../shared/domain';
import type { DeliveryRow } from './pairDetails';
import type { AccountRow } from '../services/accounts';

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
/** A lease nobody holds, one that has run out, or one of this publisher's own (it does one thing per pair at a time). */
const free = '(lease_until IS NULL OR lease_until <= @now OR lease_owner = @owner)';

/** The publisher's hot queries, named so the benchmark explains and times exactly these. */
export const deliverySql = {
  nextFree: `SELECT next_attempt_at FROM delivery
           WHERE status IN ${due} AND next_attempt_at IS NOT NULL AND ${free}
           ORDER BY next_attempt_at LIMIT 1`,
  duePairs: `SELECT DISTINCT pair_id FROM delivery
           WHERE status IN ${due} AND next_attempt_at <= @now AND ${free}
           ORDER BY next_attempt_at LIMIT @limit`,
  nextLeaseEnd: `SELECT MIN(lease_until) FROM delivery WHERE lease_until > @now AND status IN ${due}`,
  allSendingPairs: "SELECT DISTINCT pair_id FROM delivery WHERE status = 'sending'",
};

export class DeliveryStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      // Two index look-ups: the earliest due delivery nobody else holds (delivery_due, in order,
      // skipping the few leased), and the earliest lease on a due delivery to run out (delivery_lease).
      nextFree: db.prepare(deliverySql.nextFree).pluck(),
      nextLeaseEnd: db.prepare(deliverySql.nextLeaseEnd).pluck(),
      // PostgreSQL: the same; the claim below is what keeps two publishers apart.
      duePairs: db.prepare(deliverySql.duePairs).pluck(),
      // PostgreSQL: `... FROM delivery d JOIN account a ... WHERE d.pair_id = $1 FOR UPDATE OF d SKIP LOCKED`
      // inside the claim's transaction; rows locked by another publisher are missing from the answer,
      // and a pair with any row missing is left to that publisher.
      forPair: db.prepare(
        `SELECT d.id, d.pair_id, d.account_id, d.lang, d.status, d.attempt, d.next_attempt_at, d.remote_id,
                d.remote_url, d.sent_at, d.last_error, d.claimed_at, d.idem_key, d.lookups, d.lease_until,
                d.lease_owner, d.fence, a.handle, a.platform
         FROM delivery d JOIN account a ON a.id = d.account_id
         WHERE d.pair_id = ? ORDER BY d.lang, a.handle`,
      ),
      // The claim: succeeds only if nobody claimed the delivery since it was read (same token), it
      // is as it was read, and no live lease of another publisher is on it.
      claim: db
        .prepare(
          `UPDATE delivery SET fence = fence + 1, lease_owner = @owner, lease_until = @until
           WHERE id = @id AND fence = @fence AND status = @status AND ${free}
           RETURNING fence`,
        )
        .pluck(),
      toSending: db.prepare(
        `UPDATE delivery SET status = 'sending', attempt = attempt + 1, lookups = 0, claimed_at = @now,
           idem_key = COALESCE(idem_key, @key), lease_until = @until
         WHERE id = @id AND fence = @fence`,
      ),
      sent: db.prepare(
        `UPDATE delivery SET status = 'sent', remote_id = @remoteId, remote_url = @remoteUrl, sent_at = @sentAt,
           next_attempt_at = NULL, last_error = NULL, lease_until = NULL, lease_owner = NULL
         WHERE id = @id AND fence = @fence`,
      ),
      again: db.prepare(
        `UPDATE delivery SET status = @status, next_attempt_at = @at, attempt = @attempt, last_error = @error,
           lease_until = NULL, lease_owner = NULL
         WHERE id = @id AND fence = @fence`,
      ),
      lookups: db.prepare('UPDATE delivery SET lookups = @lookups WHERE id = @id AND fence = @fence'),
      stop: db.prepare(
        `UPDATE delivery SET status = @status, next_attempt_at = NULL, last_error = @error,
           lease_until = NULL, lease_owner = NULL
         WHERE id = @id AND fence = @fence`,
      ),
      // After an unexpected error: anything of the claim left mid-send is checked later, the rest waits.
      containSending: db.prepare(
        `UPDATE delivery SET status = 'checking', next_attempt_at = @later, lease_until = NULL, lease_owner = NULL
         WHERE id = @id AND fence = @fence AND status = 'sending'`,
      ),
      containDue: db.prepare(
        `UPDATE delivery SET next_attempt_at = @later, lease_until = NULL, lease_owner = NULL
         WHERE id = @id AND fence = @fence AND status IN ${due}`,
      ),
      // The same without a claim (the error came before it): only what no other publisher holds.
      containUnclaimed: db.prepare(
        `UPDATE delivery SET next_attempt_at = @later WHERE pair_id = @pairId AND status IN ${due} AND ${free}`,
      ),
      // A long send keeps its lease: extended only while the token still holds and is this publisher's.
      renew: db.prepare(
        `UPDATE delivery SET lease_until = @until
         WHERE id = @id AND fence = @fence AND lease_owner = @owner AND lease_until IS NOT NULL`,
      ),
      release: db.prepare(
        `UPDATE delivery SET lease_until = NULL, lease_owner = NULL
         WHERE id = @id AND fence = @fence AND status <> 'sending' AND lease_owner = @owner`,
      ),
      // Recovery. Taking over a delivery is a new claim on it: the token moves on, so whoever held
      // it before writes nothing when its answer comes.
      allSendingPairs: db.prepare(deliverySql.allSendingPairs).pluck(),
      recoverAll: db.prepare(
        `UPDATE delivery SET status = 'checking', next_attempt_at = @now, last_error = @error,
           fence = fence + 1, lease_until = NULL, lease_owner = NULL
         WHERE status = 'sending'`,
      ),
      anyLease: db.prepare('SELECT 1 FROM delivery WHERE lease_until IS NOT NULL LIMIT 1').pluck(),
      clearLeases: db.prepare(
        'UPDATE delivery SET fence = fence + 1, lease_until = NULL, lease_owner = NULL WHERE lease_until IS NOT NULL',
      ),
      // PostgreSQL: `... FOR UPDATE SKIP LOCKED` on the rows (a sweep of another instance may be at them).
      expiredPairs: db
        .prepare(
          `SELECT DISTINCT pair_id FROM delivery
           WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= @now)`,
        )
        .pluck(),
      recoverExpired: db.prepare(
        `UPDATE delivery SET status = 'checking', next_attempt_at = @now, last_error = @error,
           fence = fence + 1, lease_until = NULL, lease_owner = NULL
         WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= @now)`,
      ),
      pairVersion: db.prepare('SELECT version FROM post_pair WHERE id = ?').pluck(),
      pairStatus: db.prepare('SELECT status FROM post_pair WHERE id = ?').pluck(),
      account: db.prepare('SELECT * FROM account WHERE id = ?'),
      remoteUserId: db.prepare('SELECT remote_user_id FROM account WHERE id = ?').pluck(),
      needsReauth: db.prepare("UPDATE account SET status = 'needs_reauth' WHERE id = ?"),
    };
  }

  /** When the publisher should next look: the earliest due time it could claim, or when a lease on a due delivery runs out. */
  nextDueAt(now: number, owner: string): number | null {
    const free = this.s.nextFree.get({ now, owner }) as number | undefined;
    const leaseEnd = this.s.nextLeaseEnd.get({ now }) as number | null;
    const times = [free, leaseEnd].filter((t): t is number => typeof t === 'number');
    return times.length === 0 ? null : Math.min(...times);
  }

  duePairs(now: number, owner: string, limit: number): string[] {
    return this.s.duePairs.all({ now, owner, limit }) as string[];
  }

  forPair(pairId: string): LeasedDeliveryRow[] {
    return this.s.forPair.all(pairId) as LeasedDeliveryRow[];
  }

  /** Claims one delivery as read; its new fencing token, or null if someone else has it (or it changed). */
  claim(row: LeasedDeliveryRow, owner: string, now: number, until: number): number | null {
    const fence = this.s.claim.get({ id: row.id, fence: row.fence, status: row.status, owner, now, until }) as number | undefined;
    return fence ?? null;
  }

  /** Each returns whether the token still held (the row was written). */
  toSending(held: Held, now: number, key: string, until: number): boolean {
    return this.s.toSending.run({ id: held.id, fence: held.fence, now, key, until }).changes === 1;
  }

  sent(held: Held, remoteId: string, remoteUrl: string, sentAt: number): boolean {
    return this.s.sent.run({ id: held.id, fence: held.fence, remoteId, remoteUrl, sentAt }).changes === 1;
  }

  again(held: Held, status: DeliveryStatus, at: number, attempt: number, error: string): boolean {
    return this.s.again.run({ id: held.id, fence: held.fence, status, at, attempt, error }).changes === 1;
  }

  lookups(held: Held, lookups: number): boolean {
    return this.s.lookups.run({ id: held.id, fence: held.fence, lookups }).changes === 1;
  }

  /** `held` or `failed`: waits for a person. */
  stop(held: Held, status: 'held' | 'failed', error: string): boolean {
    return this.s.stop.run({ id: held.id, fence: held.fence, status, error }).changes === 1;
  }

  contain(held: readonly Held[], later: number): void {
    for (const h of held) {
      this.s.containSending.run({ id: h.id, fence: h.fence, later });
      this.s.containDue.run({ id: h.id, fence: h.fence, later });
    }
  }

  containUnclaimed(pairId: string, now: number, later: number, owner: string): void {
    this.s.containUnclaimed.run({ pairId, later, now, owner });
  }

  /** Extends the leases still held under these tokens; how many were. */
  renew(held: readonly Held[], owner: string, until: number): number {
    let renewed = 0;
    for (const h of held) renewed += this.s.renew.run({ id: h.id, fence: h.fence, owner, until }).changes;
    return renewed;
  }

  /** Gives back a claim nothing was written under (a `sending` one stays: its outcome is owed). */
  release(held: Held, owner: string): void {
    this.s.release.run({ id: held.id, fence: held.fence, owner });
  }

  /** Whether recovery has anything to do (read only, so a start with nothing to recover writes nothing). */
  hasInterrupted(now: number, sole: boolean): boolean {
    if (sole) return this.s.allSendingPairs.all().length > 0 || this.s.anyLease.get() !== undefined;
    return this.s.expiredPairs.all({ now }).length > 0;
  }

  /** The sole publisher at start: every `sending` delivery was interrupted, every lease is stale. */
  recoverAll(now: number, error: string): string[] {
    const pairIds = this.s.allSendingPairs.all() as string[];
    if (pairIds.length > 0) this.s.recoverAll.run({ now, error });
    this.s.clearLeases.run();
    return pairIds;
  }

  /** One of several publishers: only sends whose lease ran out (their publisher stopped or stalled). */
  recoverExpired(now: number, error: string): string[] {
    const pairIds = this.s.expiredPairs.all({ now }) as string[];
    if (pairIds.length > 0) this.s.recoverExpired.run({ now, error });
    return pairIds;
  }

  pairStatus(pairId: string): PairStatus | undefined {
    return this.s.pairStatus.get(pairId) as PairStatus | undefined;
  }

  pairVersion(pairId: string): number | undefined {
    return this.s.pairVersion.get(pairId) as number | undefined;
  }

  account(accountId: string): AccountRow {
    return this.s.account.get(accountId) as AccountRow;
  }

  remoteUserId(accountId: string): string | null {
    return (this.s.remoteUserId.get(accountId) as string | null | undefined) ?? null;
  }

  needsReauth(accountId: string): void {
    this.s.needsReauth.run(accountId);
  }
}
