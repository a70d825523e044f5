// Sends due deliveries. Wakes at the next due time (one indexed query), validates every
// language of a pair before sending any, sends a pair's languages concurrently and records
// each outcome; a side that fails after its twin went out is retried and the pair is shown
// as partially published until a human or a retry settles it. While the database cannot be
// written (disk full, read-only, locked, failing) it picks nothing and probes with backoff.
import type { Db } from '../db';
import { probeWritable, storageFaultOf } from '../db/faults';
import type { Clock } from '../clock';
import type { DeliveryStatus, ErrorInfo, Platform, StorageFaultCode } from '../../shared/domain';
import type { StorageProblem } from '../../shared/contract';
import type { Credentials } from '../../shared/credentials';
import type { SecretStore } from '../secrets';
import { PlatformError, type PlatformAdapter } from '../platforms/types';
import { sideMedia, type MediaFacts } from '../../shared/limits';
import type { MediaService } from '../services/media';
import { toAccount, type AccountRow } from '../services/accounts';
import { newTid } from './tid';
import type { AuditLog } from '../services/audit';
import { derivePairStatus, type DeliveryRow, type PairService } from '../services/pairs';
import { backoffDelay, type BackoffOptions } from './backoff';

export interface PublisherOptions {
  /** Attempts that reached the platform and failed ambiguously, before a person must decide. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** While the platform cannot be reached at all, try again this often; not counted as attempts. */
  offlineRetryMs: number;
  /** A pair found due later than this (app closed, laptop asleep) waits for a person to confirm. */
  graceMs: number | (() => number);
  /** How many pairs are sent at the same time when several are due together. */
  concurrency: number;
  /** While the database cannot be written: how long to wait before probing it again. */
  storageBackoff: BackoffOptions;
}

export const defaultPublisherOptions: PublisherOptions = {
  maxAttempts: 6,
  backoff: { baseMs: 2_000, capMs: 5 * 60_000 },
  offlineRetryMs: 30_000,
  graceMs: 15 * 60_000,
  concurrency: 8,
  storageBackoff: { baseMs: 1_000, capMs: 60_000 },
};

/** setTimeout cannot wait longer than this; longer waits are re-armed. */
const maxTimer = 2 ** 31 - 1;
const actor = 'system:publisher';
const dueStatuses: readonly DeliveryStatus[] = ['pending', 'retrying', 'checking'];
const openStatuses: readonly DeliveryStatus[] = ['pending', 'retrying', 'checking', 'held', 'sending'];

type Outcome = { ok: true; remoteId: string; remoteUrl: string; sentAt: number } | { ok: false; error: PlatformError };

/** What became of a send (or a look-up: `checking`) that the database could not take when it came back. */
interface Unrecorded {
  /** As the outcome is to be recorded: the attempt and claim time it was sent with. */
  delivery: DeliveryRow;
  outcome: Outcome;
  checking: boolean;
}

export interface PublisherEvents {
  /** Pairs whose deliveries changed. */
  changed(pairIds: string[]): void;
}

export class Publisher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Set while the database cannot be written: nothing is picked, and each wake probes first. */
  private paused = false;
  private probeArmed = false;
  /** Storage faults in a row, for the backoff; any committed write resets it. */
  private faults = 0;
  private problem: { code: StorageFaultCode; since: number } | null = null;
  /** Outcomes a storage fault kept from being recorded: written before anything new is claimed. */
  private unrecorded: Unrecorded[] = [];
  /** Whether sends interrupted by the previous run have been set to `checking` (needs a writable database). */
  private recovered = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly pairs: PairService,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly secrets: SecretStore,
    private readonly audit: AuditLog,
    private readonly onChange: (pairIds: string[]) => void,
    private readonly media: MediaService,
    private readonly options: PublisherOptions = defaultPublisherOptions,
    /** Told when the database stops taking writes, when the reason changes, and when it takes them again. */
    private readonly onStorage: (problem: StorageProblem) => void = () => undefined,
  ) {}

  start(): void {
    this.stopped = false;
    try {
      this.recoverInterrupted();
    } catch (error) {
      // Retried by the first wake that finds the database writable, before anything is claimed.
      this.storageFailed(error);
    }
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.probeArmed = false;
    await this.running;
    if (this.unrecorded.length === 0) return;
    try {
      this.recordUnrecorded();
    } catch {
      // Still cannot be written: the next start finds these deliveries `sending` and asks the
      // platform what became of them before sending anything again.
    }
  }

  /** Re-reads the next due time; call after anything that may have changed it. */
  wake(): void {
    if (this.stopped) return;
    // A run in progress re-arms the timer when it finishes.
    if (this.running) return;
    // A probe already armed keeps its time: a person's actions meanwhile must not postpone it.
    if (this.paused && this.probeArmed) return;
    clearTimeout(this.timer);
    const wait = this.nextWait();
    if (wait === null) return;
    this.probeArmed = this.paused;
    this.timer = setTimeout(() => {
      this.probeArmed = false;
      this.run();
    }, Math.min(wait, maxTimer));
  }

  /** Whether the database can be written now, and since when it cannot. */
  storageProblem(): StorageProblem {
    const problem = this.problem;
    return { code: problem?.code ?? null, since: problem ? new Date(problem.since).toISOString() : null };
  }

  /**
   * A storage fault found outside the publisher (a person's action failed to save): stop
   * picking pairs until a probe finds the database writable again.
   */
  storageFault(code: StorageFaultCode): void {
    this.stall(code);
    this.wake();
  }

  /** Until the next due time; while the database cannot be written, until the next probe. */
  private nextWait(): number | null {
    if (!this.paused) {
      try {
        const next = this.nextDueAt();
        return next === null ? null : Math.max(0, next - this.clock.now());
      } catch (error) {
        this.storageFailed(error);
      }
    }
    return backoffDelay(this.faults, this.options.storageBackoff);
  }

  nextDueAt(): number | null {
    return this.db
      .prepare("SELECT MIN(next_attempt_at) FROM delivery WHERE status IN ('pending', 'retrying', 'checking')")
      .pluck()
      .get() as number | null;
  }

  /** Resolves when every delivery due now has been attempted once. */
  async runDue(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.sendDue().finally(() => {
      this.running = undefined;
      this.wake();
    });
    return this.running;
  }

  private run(): void {
    void this.runDue();
  }

  /**
   * A delivery left `sending` by a crash may or may not have reached the platform: it is never
   * resent blindly. It becomes `checking`: the platform is asked first, and only a post it does
   * not have is sent again.
   */
  private recoverInterrupted(): void {
    const stuck = this.db.prepare("SELECT DISTINCT pair_id FROM delivery WHERE status = 'sending'").pluck().all() as string[];
    if (stuck.length === 0) {
      this.recovered = true;
      return;
    }
    this.write(() => {
      this.db
        .prepare("UPDATE delivery SET status = 'checking', next_attempt_at = ?, last_error = ? WHERE status = 'sending'")
        .run(this.clock.now(), JSON.stringify({ code: 'delivery.outcomeUnknown' } satisfies ErrorInfo));
      for (const pairId of stuck) this.audit.append(actor, 'delivery.interrupted', pairId);
    });
    this.recovered = true;
    this.onChange(stuck);
  }

  private async sendDue(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const now = this.clock.now();
      let duePairs: string[];
      try {
        if (!this.catchUp()) return;
        duePairs = this.db
          .prepare(
            `SELECT DISTINCT pair_id FROM delivery
             WHERE status IN ('pending', 'retrying', 'checking') AND next_attempt_at <= ?
             ORDER BY next_attempt_at LIMIT 500`,
          )
          .pluck()
          .all(now) as string[];
      } catch (error) {
        this.storageFailed(error);
        return;
      }
      if (duePairs.length === 0) break;
      await runLimited(
        duePairs,
        this.options.concurrency,
        (pairId) => this.sendPair(pairId, now).catch((error: unknown) => this.contain(pairId, error)),
        // A storage fault stops the picking (the pairs stay due); the next wake probes first.
        () => this.paused || this.stopped,
      );
      if (this.paused) return;
    }
    this.healthy();
  }

  /**
   * Before picking anything after a storage fault: whether the database takes writes again
   * (one probe, no wait), then what is owed to it, in order: the start-up recovery and the
   * outcomes it could not take. False while it still cannot be written.
   */
  private catchUp(): boolean {
    if (this.paused) {
      const fault = probeWritable(this.db);
      if (fault) {
        this.faults += 1;
        this.report(fault);
        return false;
      }
      this.paused = false;
    }
    if (!this.recovered) this.recoverInterrupted();
    this.recordUnrecorded();
    return true;
  }

  private async sendPair(pairId: string, now: number): Promise<void> {
    // Another pair found the database failing: leave this one due, read no credentials.
    if (this.paused) return;
    const rows = this.pairs.deliveryRows(pairId);
    const open = rows.filter((d) => openStatuses.includes(d.status));
    const due = open.filter((d) => dueStatuses.includes(d.status) && d.next_attempt_at !== null && d.next_attempt_at <= now);
    if (due.length === 0) return;
    const pair = this.pairs.get(pairId);
    if (!pair) return;

    // Missed by more than the grace period and never tried: a person confirms before it goes out.
    // Lateness counts from when the deliveries became due (a release or retry makes them due now).
    const dueSince = Math.min(...due.map((d) => d.next_attempt_at!));
    const neverTried = rows.every((d) => d.attempt === 0 && d.claimed_at === null);
    const graceMs = typeof this.options.graceMs === 'function' ? this.options.graceMs() : this.options.graceMs;
    if (neverTried && now - dueSince > graceMs) {
      const minutes = Math.round((now - dueSince) / 60_000);
      this.write(() => {
        for (const delivery of open) this.hold(delivery, { code: 'schedule.missed', params: { minutes } });
        this.audit.append(actor, 'pair.heldLate', pairId, { minutesLate: minutes });
        this.settlePair(pairId);
      });
      this.onChange([pairId]);
      return;
    }

    // Every side still to send is checked before any side is sent, content checks included
    // (settings may have changed since approval).
    const credentials = new Map<string, Credentials>();
    const problems = new Map<string, ErrorInfo>();
    const blocks = this.pairs.blockingFindings(pair);
    if (blocks.length > 0) {
      const error: ErrorInfo = { code: 'checks.blocked', params: { check: blocks[0]!.check, count: blocks.length } };
      for (const delivery of open) problems.set(delivery.id, error);
    }
    for (const delivery of problems.size > 0 ? [] : open) {
      const problem = await this.check(delivery, delivery.lang === 'en' ? pair.enText : pair.frText, sideMedia(pair.media, delivery.lang), credentials);
      if (problem) problems.set(delivery.id, problem);
    }
    if (problems.size > 0) {
      // Refused credentials wait for re-authorisation; anything else cannot be sent as is.
      const waiting = [...problems.values()].some((p) => p.code === 'account.unauthorized');
      this.write(() => {
        if (!this.unchanged(pair.version, open)) return;
        for (const delivery of open) {
          const error = problems.get(delivery.id) ?? { code: 'delivery.heldForTwin', params: { lang: delivery.lang } };
          if (waiting) this.hold(delivery, error);
          else this.fail(delivery, error);
        }
        this.settlePair(pairId);
      });
      this.onChange([pairId]);
      return;
    }

    // An earlier attempt whose outcome is unknown: ask the platform before sending again.
    const toSend: DeliveryRow[] = [];
    for (const delivery of due) {
      if (delivery.status !== 'checking' || delivery.claimed_at === null) {
        toSend.push(delivery);
        continue;
      }
      const outcome = await this.lookUp(delivery, pair.enText, pair.frText, credentials.get(delivery.id)!);
      if (outcome === 'absent') toSend.push(delivery);
      else this.recordOrKeep(pairId, [{ delivery, outcome, checking: true }]);
    }
    if (toSend.length === 0) {
      this.onChange([pairId]);
      return;
    }

    // The key is set once, at the first claim, and every later attempt sends the same one.
    const keys = new Map(toSend.map((d) => [d.id, d.idem_key ?? newTid(now)]));
    // The image files are read only now, for what is actually being sent, and before the claim:
    // from the claim to the network call nothing touches the database.
    const uploads = { en: this.media.uploads(pairId, 'en'), fr: this.media.uploads(pairId, 'fr') };
    // A look-up above may have found the database failing: claim nothing until it is back.
    if (this.paused) return;

    // Claim before the network call: a crash from here on leaves `sending`, which is checked
    // with the platform on restart, never resent blindly. Nothing is claimed if a person
    // cancelled or edited the pair while its credentials were being read.
    const claimed = this.write(() => {
      if (!this.unchanged(pair.version, toSend)) return false;
      const claim = this.db.prepare(
        "UPDATE delivery SET status = 'sending', attempt = attempt + 1, lookups = 0, claimed_at = ?, idem_key = COALESCE(idem_key, ?) WHERE id = ?",
      );
      for (const delivery of toSend) claim.run(now, keys.get(delivery.id)!, delivery.id);
      this.pairs.setStatus(pairId, derivePairStatus(this.pairs.deliveryRows(pairId).map((d) => d.status)));
      return true;
    });
    if (!claimed) {
      this.onChange([pairId]);
      return;
    }
    // Telling the windows reads who may see the pair; a failing database must not stop a claimed send.
    this.tolerate(() => this.onChange([pairId]));

    const outcomes = await Promise.all(
      toSend.map(async (delivery): Promise<Outcome> => {
        const adapter = this.adapters.get(delivery.platform)!;
        try {
          const published = await adapter.publish({
            text: delivery.lang === 'en' ? pair.enText : pair.frText,
            lang: delivery.lang,
            handle: delivery.handle,
            credentials: credentials.get(delivery.id)!,
            media: uploads[delivery.lang],
            key: keys.get(delivery.id)!,
          });
          return { ok: true, ...published, sentAt: this.clock.now() };
        } catch (error) {
          return { ok: false, error: error instanceof PlatformError ? error : new PlatformError({ code: 'internal' }, 'ambiguous') };
        }
      }),
    );

    this.recordOrKeep(
      pairId,
      toSend.map((delivery, index) => ({
        delivery: { ...delivery, attempt: delivery.attempt + 1, lookups: 0, claimed_at: now },
        outcome: outcomes[index]!,
        checking: false,
      })),
    );
  }

  /**
   * Records outcomes that came from the platform. When the database cannot take them, the posts
   * are live (or not) but their deliveries still say `sending` (or `checking`): the outcomes are
   * kept here and written before anything new is claimed. Meanwhile `sending` is never picked,
   * so nothing is sent again; if Tandem stops first, the next start asks the platform.
   */
  private recordOrKeep(pairId: string, outcomes: Unrecorded[]): void {
    try {
      this.write(() => {
        for (const { delivery, outcome, checking } of outcomes) this.record(delivery, outcome, checking);
        this.settlePair(pairId);
      });
    } catch (error) {
      if (storageFaultOf(error) !== null) this.unrecorded.push(...outcomes);
      throw error;
    }
    this.onChange([pairId]);
  }

  /** Writes the outcomes a storage fault kept back, each only if its delivery is still as it was claimed. */
  private recordUnrecorded(): void {
    while (this.unrecorded.length > 0) {
      const pairId = this.unrecorded[0]!.delivery.pair_id;
      const owed = this.unrecorded.filter((u) => u.delivery.pair_id === pairId);
      this.write(() => {
        const current = new Map(this.pairs.deliveryRows(pairId).map((d) => [d.id, d]));
        for (const { delivery, outcome, checking } of owed) {
          const row = current.get(delivery.id);
          if (row?.status !== (checking ? 'checking' : 'sending') || row.claimed_at !== delivery.claimed_at) continue;
          this.record(delivery, outcome, checking);
        }
        this.settlePair(pairId);
      });
      this.unrecorded = this.unrecorded.filter((u) => u.delivery.pair_id !== pairId);
      this.onChange([pairId]);
    }
  }

  /** A write transaction of the publisher's; one that commits shows the database takes writes. */
  private write<T>(work: () => T): T {
    const result = this.db.transaction(work)();
    this.healthy();
    return result;
  }

  /** Runs `work`; a storage fault pauses the publisher instead of being thrown. */
  private tolerate(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.storageFailed(error);
    }
  }

  /** Pauses on a storage fault; any other error is thrown on. */
  private storageFailed(error: unknown): void {
    const fault = storageFaultOf(error);
    if (fault === null) throw error;
    this.stall(fault);
  }

  private stall(code: StorageFaultCode): void {
    if (!this.paused) {
      this.paused = true;
      this.faults += 1;
    }
    this.report(code);
  }

  private report(code: StorageFaultCode): void {
    if (this.problem?.code === code) return;
    this.problem = { code, since: this.problem?.since ?? this.clock.now() };
    this.onStorage(this.storageProblem());
  }

  /** The database took a write (or had nothing to take): the fault, if any, is over. */
  private healthy(): void {
    if (this.paused) return;
    this.faults = 0;
    if (this.problem === null) return;
    this.problem = null;
    this.onStorage(this.storageProblem());
  }

  /**
   * Whether the pair and these deliveries are as they were read before the last await: same
   * version of the text, same statuses. Call inside the transaction that acts on them.
   */
  private unchanged(version: number, read: readonly DeliveryRow[]): boolean {
    const pairId = read[0]?.pair_id;
    if (!pairId) return false;
    const current = this.db.prepare('SELECT version FROM post_pair WHERE id = ?').pluck().get(pairId);
    if (current !== version) return false;
    const statuses = new Map(this.pairs.deliveryRows(pairId).map((d) => [d.id, d.status]));
    return read.every((d) => statuses.get(d.id) === d.status);
  }

  /**
   * An unexpected error while handling one pair (a database error, a bug) must not stop the
   * others or spin: anything of the pair left mid-send is checked later, and its due
   * deliveries wait a while before the next try.
   */
  private contain(pairId: string, error: unknown): void {
    // Not the pair's fault: it stays as it is (kept outcomes included) until the database is back.
    const fault = storageFaultOf(error);
    if (fault !== null) return this.stall(fault);
    try {
      const later = this.clock.now() + this.options.offlineRetryMs;
      this.write(() => {
        this.db
          .prepare("UPDATE delivery SET status = 'checking', next_attempt_at = ? WHERE pair_id = ? AND status = 'sending'")
          .run(later, pairId);
        this.db
          .prepare(
            "UPDATE delivery SET next_attempt_at = ? WHERE pair_id = ? AND status IN ('pending', 'retrying', 'checking')",
          )
          .run(later, pairId);
        this.audit.append(actor, 'publisher.error', pairId, {
          error: error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200),
        });
      });
      this.onChange([pairId]);
    } catch (failure) {
      // The database itself is failing: the pair is still due, so pause rather than pick it
      // again at once. A write failing for another reason (a damaged file) counts as a disk error.
      this.stall(storageFaultOf(failure) ?? 'storage.io');
    }
  }

  private async lookUp(
    delivery: DeliveryRow,
    enText: string,
    frText: string,
    credentials: Credentials,
  ): Promise<Outcome | 'absent'> {
    const remoteUserId = this.db.prepare('SELECT remote_user_id FROM account WHERE id = ?').pluck().get(delivery.account_id) as
      | string
      | null;
    const adapter = this.adapters.get(delivery.platform)!;
    if (!remoteUserId) {
      return { ok: false, error: new PlatformError({ code: 'delivery.outcomeUnknown' }, 'permanent') };
    }
    try {
      const found = await adapter.findPublished({
        text: delivery.lang === 'en' ? enText : frText,
        lang: delivery.lang,
        // Only deliveries claimed before keys existed lack one; they are X's, which looks up by text.
        key: delivery.idem_key ?? '',
        handle: delivery.handle,
        remoteUserId,
        credentials,
        since: delivery.claimed_at!,
      });
      if (!found) return 'absent';
      return { ok: true, ...found, sentAt: this.clock.now() };
    } catch (error) {
      return { ok: false, error: error instanceof PlatformError ? error : new PlatformError({ code: 'internal' }, 'ambiguous') };
    }
  }

  /** One side, as it would be sent now: within its account's limits, with usable credentials. */
  private async check(
    delivery: DeliveryRow,
    text: string,
    media: readonly MediaFacts[],
    credentials: Map<string, Credentials>,
  ): Promise<ErrorInfo | null> {
    const adapter = this.adapters.get(delivery.platform);
    if (!adapter) return { code: 'channel.unknown', params: { id: delivery.account_id } };
    const account = toAccount(this.db.prepare('SELECT * FROM account WHERE id = ?').get(delivery.account_id) as AccountRow);
    const [problem] = adapter.validate(account.limits, delivery.lang, text, media);
    if (problem) return { code: problem.code, params: { ...problem.params, platform: delivery.platform } };
    if (account.status === 'needs_reauth') return { code: 'account.unauthorized', params: { lang: delivery.lang, platform: delivery.platform } };
    try {
      const stored = await this.secrets.get(delivery.account_id);
      if (!stored || stored.platform !== delivery.platform) {
        return { code: 'account.noCredentials', params: { handle: delivery.handle } };
      }
      credentials.set(delivery.id, stored);
    } catch {
      return { code: 'keychain.unavailable' };
    }
    return null;
  }

  /**
   * Records what became of one attempt. `checking`: the outcome came from asking the platform
   * about an earlier attempt, so no new attempt was made.
   */
  private record(delivery: DeliveryRow, outcome: Outcome, checking: boolean): void {
    if (outcome.ok) {
      this.db
        .prepare(
          `UPDATE delivery SET status = 'sent', remote_id = ?, remote_url = ?, sent_at = ?, next_attempt_at = NULL,
           last_error = NULL WHERE id = ?`,
        )
        .run(outcome.remoteId, outcome.remoteUrl, outcome.sentAt, delivery.id);
      this.audit.append(actor, checking ? 'delivery.reconciled' : 'delivery.sent', delivery.pair_id, {
        lang: delivery.lang,
        handle: delivery.handle,
        remoteId: outcome.remoteId,
      });
      return;
    }
    // The platform is named in the message wherever it matters ("Bluesky refused an image").
    const error = new PlatformError(
      { ...outcome.error.info, params: { ...outcome.error.info.params, platform: delivery.platform } },
      outcome.error.kind,
      outcome.error.retryAt,
    );
    const now = this.clock.now();
    const retry = (status: DeliveryStatus, at: number, attempt = delivery.attempt) => {
      this.db
        .prepare('UPDATE delivery SET status = ?, next_attempt_at = ?, attempt = ?, last_error = ? WHERE id = ?')
        .run(status, at, attempt, JSON.stringify(error.info), delivery.id);
      this.audit.append(actor, 'delivery.retrying', delivery.pair_id, {
        lang: delivery.lang,
        handle: delivery.handle,
        error: error.info.code,
        kind: error.kind,
        attempt,
      });
    };
    // What a fresh attempt would be after this: `checking` if any earlier attempt may have landed.
    const again: DeliveryStatus = checking || error.kind === 'ambiguous' ? 'checking' : 'retrying';
    switch (error.kind) {
      case 'offline':
        // Never reached the platform: not an attempt; wait for the network without giving up.
        return retry(checking ? 'checking' : 'retrying', now + this.options.offlineRetryMs, checking ? delivery.attempt : delivery.attempt - 1);
      case 'rateLimited':
        return retry(again, error.retryAt && error.retryAt > now ? error.retryAt : now + backoffDelay(delivery.attempt, this.options.backoff));
      case 'unauthorized':
        this.db.prepare("UPDATE account SET status = 'needs_reauth' WHERE id = ?").run(delivery.account_id);
        return this.hold(delivery, { code: 'account.unauthorized', params: { lang: delivery.lang, platform: delivery.platform } });
      case 'ambiguous':
        if (checking) {
          // A look-up that could not answer. "Too many posts to tell" will not change by asking
          // again: a person looks at the account. Anything else is asked again, boundedly.
          const lookups = delivery.lookups + 1;
          if (error.info.code === 'platform.lookupIncomplete' || lookups >= this.options.maxAttempts) {
            return this.fail(delivery, error.info);
          }
          this.db.prepare('UPDATE delivery SET lookups = ? WHERE id = ?').run(lookups, delivery.id);
          return retry('checking', now + backoffDelay(lookups, this.options.backoff));
        }
        if (delivery.attempt < this.options.maxAttempts) {
          return retry('checking', now + backoffDelay(Math.max(1, delivery.attempt), this.options.backoff));
        }
        return this.fail(delivery, error.info);
      case 'permanent':
        // "Duplicate" after an attempt whose outcome was unknown: most likely our own post,
        // not yet listed; look again rather than give up.
        if (error.info.code === 'platform.duplicate' && delivery.attempt > 1 && delivery.attempt < this.options.maxAttempts) {
          return retry('checking', now + backoffDelay(delivery.attempt, this.options.backoff));
        }
        return this.fail(delivery, error.info);
    }
  }

  private hold(delivery: DeliveryRow, error: ErrorInfo): void {
    this.db
      .prepare("UPDATE delivery SET status = 'held', next_attempt_at = NULL, last_error = ? WHERE id = ?")
      .run(JSON.stringify(error), delivery.id);
    this.audit.append(actor, 'delivery.held', delivery.pair_id, { lang: delivery.lang, handle: delivery.handle, error: error.code });
  }

  private fail(delivery: DeliveryRow, error: ErrorInfo): void {
    this.db
      .prepare("UPDATE delivery SET status = 'failed', next_attempt_at = NULL, last_error = ? WHERE id = ?")
      .run(JSON.stringify(error), delivery.id);
    this.audit.append(actor, 'delivery.failed', delivery.pair_id, {
      lang: delivery.lang,
      handle: delivery.handle,
      error: error.code,
    });
  }

  private settlePair(pairId: string): void {
    const before = this.pairs.get(pairId)?.status;
    const rows = this.pairs.deliveryRows(pairId);
    if (rows.length === 0) return;
    const status = derivePairStatus(rows.map((d) => d.status));
    this.pairs.setStatus(pairId, status);
    if (status !== before && (status === 'published' || status === 'partial' || status === 'failed' || status === 'held')) {
      this.audit.append(actor, `pair.${status}`, pairId);
    }
  }
}

async function runLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) await work(items[next++]!);
  });
  await Promise.all(workers);
}
