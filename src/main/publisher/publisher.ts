// Sends due deliveries. Wakes at the next due time (one indexed query), validates every
// language of a pair before sending any, sends a pair's languages concurrently and records
// each outcome; a side that fails after its twin went out is retried and the pair is shown
// as partially published until a human or a retry settles it. While the database cannot be
// written (disk full, read-only, locked, failing) it picks nothing and probes with backoff.
//
// Several publishers may share one database (issue 11): each claims a pair's deliveries before
// acting on them, with a lease (`lease_until`) and a fencing token (`fence`, moved on at each
// claim). The claim is conditional and all or nothing per pair, so two publishers never both act
// on one pair; a result is written only while the claim's token still holds, so a publisher whose
// lease ran out and was taken over writes nothing (it logs it), and the one that took over asks
// the platform before sending anything again. The delivery SQL is in db/deliveries.ts; on
// PostgreSQL (several servers on one queue) a claim skips rows another transaction holds.
//
// Pairs due together (a campaign's launch, a thousand at once) are handled as sets, not one by
// one: a batch is claimed in one transaction and read in a fixed number of queries, and the
// `sending` marks and the results of pairs going out at about the same time are each written in
// one transaction (groupCommit.ts), with one statement for all their deliveries. Anything out of
// the ordinary (late, blocked, an earlier attempt to ask the platform about, a failure) takes the
// careful path, one pair at a time, with the same rules.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql';
import { DeliveryStore, dueStatuses, type Held, type LeasedDeliveryRow } from '../db/deliveries';
import { probeWritable, storageFaultOf } from '../db/faults';
import type { Clock } from '../clock';
import type { Account, DeliveryStatus, ErrorInfo, Pair, PairStatus, Platform, StorageFaultCode } from '../../shared/domain';
import type { StorageProblem } from '../../shared/contract';
import type { Credentials } from '../../shared/credentials';
import type { SecretStore } from '../secrets';
import { PlatformError, type PlatformAdapter } from '../platforms/types';
import { sideMedia, type MediaFacts } from '../../shared/limits';
import type { MediaService } from '../services/media';
import { newTid } from './tid';
import { GroupCommit } from './groupCommit';
import type { AuditEntry, AuditLog } from '../services/audit';
import { derivePairStatus, type PairService } from '../services/pairs';
import type { CheckSettings } from '../../shared/checks';
import { createLogger, type Logger } from '../log';
import { backoffDelay, type BackoffOptions } from './backoff';

export interface PublisherOptions {
  /** Attempts that reached the platform and failed ambiguously, before a person must decide. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** While the platform cannot be reached at all, try again this often; not counted as attempts. */
  offlineRetryMs: number;
  /** A pair found due later than this (app closed, laptop asleep) waits for a person to confirm. Read per pair (a setting). */
  graceMs: number | (() => number | Promise<number>);
  /** How many pairs are sent at the same time when several are due together. */
  concurrency: number;
  /** While the database cannot be written: how long to wait before probing it again. */
  storageBackoff: BackoffOptions;
  /**
   * The only publisher on this database (the desk: Electron's single-instance lock makes it so):
   * at start every `sending` delivery was interrupted and every lease is stale. Otherwise (several
   * publishers on one database) only sends whose lease ran out are taken over, at start and by a
   * sweep every `sweepMs` while running.
   */
  soleOwner?: boolean;
  /**
   * How long a claim holds a pair's deliveries. Well above the platforms' request timeout (30 s),
   * so an answer still awaited when it runs out means the publisher stalled (or died).
   */
  leaseMs?: number;
  /**
   * How often a claim still being worked on (look-ups, a slow send with images) extends its lease:
   * a third of `leaseMs` by default. Only a publisher that stalled (a paused process, a laptop
   * asleep) lets its lease run out.
   */
  renewEveryMs?: number;
  /** Several publishers: how often expired leases are taken over and the queue is read again. */
  sweepMs?: number;
  /** Where a result the publisher may no longer write (its claim was taken over) is logged. */
  log?: Logger;
}

export const defaultPublisherOptions: PublisherOptions = {
  maxAttempts: 6,
  backoff: { baseMs: 2_000, capMs: 5 * 60_000 },
  offlineRetryMs: 30_000,
  graceMs: 15 * 60_000,
  concurrency: 32,
  storageBackoff: { baseMs: 1_000, capMs: 60_000 },
  soleOwner: true,
  leaseMs: 2 * 60_000,
  sweepMs: 15_000,
};

/** setTimeout cannot wait longer than this; longer waits are re-armed. */
const maxTimer = 2 ** 31 - 1;
const actor = 'system:publisher';
const openStatuses: readonly DeliveryStatus[] = ['pending', 'retrying', 'checking', 'held', 'sending'];

type Outcome = { ok: true; remoteId: string; remoteUrl: string; sentAt: number } | { ok: false; error: PlatformError };

/** What became of a send (or a look-up: `checking`) that the database could not take when it came back. */
interface Unrecorded {
  /** As the outcome is to be recorded: the attempt and claim time it was sent with, and the claim's token. */
  delivery: Held;
  outcome: Outcome;
  checking: boolean;
}

export interface PublisherEvents {
  /** Pairs whose deliveries changed. */
  changed(pairIds: string[]): void;
}

/** A pair claimed by a round: its deliveries as read, and those the claim holds. */
interface Claim {
  pairId: string;
  rows: LeasedDeliveryRow[];
  held: Held[];
}

/** What a round reads once for all its pairs: each account and its credentials, the settings. */
interface RoundCache {
  accounts: Map<string, Promise<Account>>;
  secrets: Map<string, Promise<Credentials | null>>;
  graceMs?: Promise<number>;
  checkSettings?: Promise<CheckSettings>;
}

/** A pair about to go out: the sides to send, under the keys they are sent with. */
interface Outgoing {
  pair: Pair;
  toSend: Held[];
  keys: Map<string, string>;
  now: number;
  leaseUntil: number;
}

/** Outcomes of one pair's sends, to be written together. */
interface Results {
  pairId: string;
  outcomes: Unrecorded[];
}

const claimKey = (d: Held) => `${d.id}:${d.fence}`;

/**
 * How late a pair never tried is, from when its deliveries became due (a release or retry makes
 * them due now); null once any side was tried (its lateness is no reason to hold it).
 */
function missedBy(rows: readonly LeasedDeliveryRow[], due: readonly LeasedDeliveryRow[], now: number): number | null {
  if (!rows.every((d) => d.attempt === 0 && d.claimed_at === null)) return null;
  return now - Math.min(...due.map((d) => d.next_attempt_at!));
}

/** Thrown inside a claim's transaction when one of its deliveries is no longer as read: nothing of it is kept. */
class Taken extends Error {}

const isDue = (d: LeasedDeliveryRow, now: number) =>
  dueStatuses.includes(d.status) && d.next_attempt_at !== null && d.next_attempt_at <= now;

export class Publisher {
  /** This publisher's id on the leases it takes (random: a new one at each start of the app). */
  readonly owner = randomUUID();
  private readonly store: DeliveryStore;
  private readonly log: Logger;
  private readonly soleOwner: boolean;
  private readonly leaseMs: number;
  private readonly sweepMs: number;
  private readonly renewEveryMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Claims (`id:fence`) whose lease a written result already gave back: nothing to release. */
  private readonly settled = new Set<string>();
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
  /** The recovery under way, if any: start, a sweep and a run after a fault share it rather than race. */
  private recovering: Promise<void> | undefined;
  private sweeping = false;
  /** Work started by a timer or a wake (recovery, a sweep, reading the next due time, a renewal): `stop` waits for it. */
  private readonly tasks = new Set<Promise<unknown>>();
  /** Bumped by each wake: only the latest one to read the next due time arms the timer. */
  private wakes = 0;
  /** Pairs about to go out are marked `sending` together; their results are written together. */
  private readonly marking: GroupCommit<Outgoing, boolean>;
  private readonly recording: GroupCommit<Results, void>;

  constructor(
    private readonly sql: Sql,
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
  ) {
    this.store = new DeliveryStore(sql);
    this.log = options.log ?? createLogger();
    this.soleOwner = options.soleOwner ?? defaultPublisherOptions.soleOwner!;
    this.leaseMs = options.leaseMs ?? defaultPublisherOptions.leaseMs!;
    this.sweepMs = options.sweepMs ?? defaultPublisherOptions.sweepMs!;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    // A storage fault fails the whole batch (each pair keeps what it owes); any other error is
    // retried pair by pair, so it stays with the pair it belongs to.
    const perItem = (error: unknown) => storageFaultOf(error) === null;
    this.marking = new GroupCommit((items) => this.markSending(items), perItem);
    this.recording = new GroupCommit((items) => this.writeResults(items).then(() => items.map(() => undefined)), perItem);
  }

  /** Resolves once the start-up recovery is done (or found the database failing) and the timer is armed. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.track(this.begin());
  }

  private async begin(): Promise<void> {
    try {
      await this.recoverInterrupted();
    } catch (error) {
      // Retried by the first wake that finds the database writable, before anything is claimed.
      this.storageFailed(error);
    }
    if (this.stopped) return;
    // Other publishers change the queue without telling this one: take over their expired
    // leases and read the next due time again, regularly.
    if (!this.soleOwner) this.sweepTimer = setInterval(() => void this.track(this.sweep()), this.sweepMs);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.timer);
    this.probeArmed = false;
    // The database must outlive what is still reading or writing it.
    await Promise.allSettled([...this.tasks]);
    await this.running;
    if (this.unrecorded.length === 0) return;
    try {
      await this.recordUnrecorded();
    } catch {
      // Still cannot be written: the next start finds these deliveries `sending` and asks the
      // platform what became of them before sending anything again.
    }
  }

  /** Re-reads the next due time (in the background); call after anything that may have changed it. */
  wake(): void {
    if (this.stopped) return;
    // A run in progress re-arms the timer when it finishes.
    if (this.running) return;
    // A probe already armed keeps its time: a person's actions meanwhile must not postpone it.
    if (this.paused && this.probeArmed) return;
    void this.track(this.arm(++this.wakes));
  }

  private async arm(wake: number): Promise<void> {
    let wait: number | null;
    try {
      wait = await this.nextWait();
    } catch (error) {
      // Not a storage fault (a bug, an error nobody expected): nothing would wake the publisher
      // again, so it looks again after the storage backoff rather than stay silent.
      this.log.error('publisher.wakeFailed', { error: error instanceof Error ? error.message.slice(0, 200) : 'unknown' });
      wait = backoffDelay(this.faults + 1, this.options.storageBackoff);
    }
    // Meanwhile: stopped, a run began (it re-arms when it finishes), a later wake read the queue
    // again (it arms), or a probe was armed (it keeps its time).
    if (this.stopped || this.running || wake !== this.wakes || (this.paused && this.probeArmed)) return;
    clearTimeout(this.timer);
    if (wait === null) return;
    this.probeArmed = this.paused;
    this.timer = setTimeout(() => {
      this.probeArmed = false;
      this.run();
    }, Math.min(wait, maxTimer));
  }

  /** Keeps background work where `stop` can wait for it. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.tasks.add(work);
    const forget = () => this.tasks.delete(work);
    work.then(forget, forget);
    return work;
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
  private async nextWait(): Promise<number | null> {
    if (!this.paused) {
      try {
        const next = await this.nextDueAt();
        return next === null ? null : Math.max(0, next - this.clock.now());
      } catch (error) {
        this.storageFailed(error);
      }
    }
    return backoffDelay(this.faults, this.options.storageBackoff);
  }

  /** The earliest due time of a delivery this publisher could claim, or when another's lease on one runs out. */
  nextDueAt(): Promise<number | null> {
    return this.store.nextDueAt(this.clock.now(), this.owner);
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
   * not have is sent again. The sole publisher takes over every `sending` delivery at start;
   * one of several only those whose lease ran out (their publisher died or stalled).
   */
  private recoverInterrupted(): Promise<void> {
    this.recovering ??= this.recover().finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  private async recover(): Promise<void> {
    const now = this.clock.now();
    const sole = this.soleOwner;
    // Read first: a start with nothing to recover writes nothing (the database may be read-only).
    if (!(await this.store.hasInterrupted(now, sole))) {
      this.recovered = true;
      return;
    }
    // One audit event per pair taken over (few: only interrupted sends).
    const stuck = await this.write(async () => {
      const error = JSON.stringify({ code: 'delivery.outcomeUnknown' } satisfies ErrorInfo);
      const pairIds = sole ? await this.store.recoverAll(now, error) : await this.store.recoverExpired(now, error);
      for (const pairId of pairIds) await this.audit.append(actor, 'delivery.interrupted', pairId);
      return pairIds;
    });
    this.recovered = true;
    if (stuck.length > 0) this.onChange(stuck);
  }

  /** Several publishers: takes over expired leases, then reads the next due time again. */
  private async sweep(): Promise<void> {
    // A sweep still going (a slow database) is not doubled by the next tick.
    if (this.stopped || this.sweeping) return;
    this.sweeping = true;
    try {
      // This publisher's own sends are taken over too when their lease ran out (it stalled): its
      // late answers then write nothing, and whoever claims them next asks the platform.
      if (!this.paused) {
        try {
          await this.recoverInterrupted();
        } catch (error) {
          const fault = storageFaultOf(error);
          if (fault !== null) this.stall(fault);
          else this.log.error('publisher.sweepFailed', { error: error instanceof Error ? error.message.slice(0, 200) : 'unknown' });
        }
      }
    } finally {
      this.sweeping = false;
    }
    this.wake();
  }

  /**
   * Sends what is due, `concurrency` pairs at a time, until nothing due is left. Pairs are claimed
   * in batches (one transaction, one read of the pairs for the whole batch) whenever at least half
   * the places are free, so the sends flow without waiting for the slowest pair of a batch, and
   * several publishers on one queue each take a share of it. The `sending` marks and the results
   * of pairs going out at about the same time are written together (group commit).
   */
  private async sendDue(): Promise<void> {
    const skipped = new Set<string>();
    /** The pairs being worked on, by id; each entry goes when its pair is done. */
    const working = new Map<string, Promise<void>>();
    const batches: Promise<void>[] = [];
    const limit = Math.max(1, this.options.concurrency);
    try {
      for (let first = true; ; first = false) {
        while (working.size > Math.floor(limit / 2)) await Promise.race(working.values());
        // A storage fault met by this run stops the picking (the pairs stay due); the next wake
        // probes first (catchUp).
        if (this.stopped || (this.paused && !first)) return;
        const now = this.clock.now();
        let due: string[];
        try {
          if (!(await this.catchUp())) return;
          // A pair another publisher holds part of is left to it for this run; one in hand here is
          // still due until it is marked `sending`.
          due = (await this.store.duePairs(now, this.owner, limit + working.size))
            .filter((id) => !skipped.has(id) && !working.has(id))
            .slice(0, limit - working.size);
        } catch (error) {
          this.storageFailed(error);
          return;
        }
        if (due.length === 0) {
          if (working.size === 0) break;
          await Promise.race(working.values());
          continue;
        }
        const batch = await this.startBatch(due, now, skipped, working);
        if (batch) batches.push(batch.done);
      }
      this.healthy();
    } finally {
      await Promise.allSettled(batches);
    }
  }

  /**
   * Claims a batch of due pairs together (one transaction), reads them together, and starts each
   * one's work, registered in `working`. `done` settles when all of them are done and whatever
   * was claimed and not written has been given back (a `sending` delivery keeps its lease: its
   * outcome is owed). Null when nothing was claimed.
   */
  private async startBatch(
    pairIds: string[],
    now: number,
    skipped: Set<string>,
    working: Map<string, Promise<void>>,
  ): Promise<{ done: Promise<void> } | null> {
    let claims: Claim[];
    try {
      claims = await this.claimRound(pairIds, now);
    } catch (error) {
      const fault = storageFaultOf(error);
      if (fault !== null) {
        this.stall(fault);
        return null;
      }
      for (const pairId of pairIds) await this.contain(pairId, [], error);
      return null;
    }
    const claimed = new Set(claims.map((c) => c.pairId));
    for (const pairId of pairIds) if (!claimed.has(pairId)) skipped.add(pairId);
    if (claims.length === 0) return null;
    const held = claims.flatMap((c) => c.held);
    // While the batch is worked on (look-ups, sends with images on a slow link), its leases are
    // extended every third of their length, so another publisher never takes over a send in flight.
    const renewal = setInterval(() => void this.track(this.renew(held)), this.renewEveryMs);
    const giveBack = async () => {
      clearInterval(renewal);
      const unsettled = held.filter((h) => !this.settled.delete(claimKey(h)));
      try {
        if (unsettled.length > 0 && !this.paused) await this.write(() => this.store.releaseMany(unsettled, this.owner));
      } catch {
        // Given back when the lease runs out; this publisher's own leases never hold it back.
      }
    };
    let pairs: Map<string, Pair>;
    try {
      pairs = await this.pairs.getMany([...claimed]);
    } catch (error) {
      const fault = storageFaultOf(error);
      if (fault !== null) this.stall(fault);
      else for (const claim of claims) await this.contain(claim.pairId, claim.held, error);
      await giveBack();
      return null;
    }
    const cache: RoundCache = { accounts: new Map(), secrets: new Map() };
    const works = claims.map((claim) => {
      const work = this.sendClaim(claim, pairs.get(claim.pairId), now, cache)
        .catch((error: unknown) => this.contain(claim.pairId, claim.held, error))
        .finally(() => working.delete(claim.pairId));
      working.set(claim.pairId, work);
      return work;
    });
    return { done: Promise.allSettled(works).then(giveBack) };
  }

  /**
   * A claimed pair: the usual case (due, on time, every check passing, nothing to ask the
   * platform first) goes out through the round's shared writes; anything else takes the careful
   * path, one pair at a time.
   */
  private async sendClaim(claim: Claim, pair: Pair | undefined, now: number, cache: RoundCache): Promise<void> {
    if (!pair || this.paused) return;
    const credentials = await this.ready(claim, pair, now, cache);
    if (!credentials) return this.sendClaimed(claim.pairId, now, claim.rows, claim.held);
    const toSend = claim.held.filter((d) => isDue(d, now));
    // The key is set once, at the first claim, and every later attempt sends the same one.
    const keys = new Map(toSend.map((d) => [d.id, d.idem_key ?? newTid(now)]));
    const uploads = await this.uploads(pair);
    if (this.paused) return;
    const marked = await this.marking.submit({ pair, toSend, keys, now, leaseUntil: this.clock.now() + this.leaseMs });
    if (!marked) {
      this.onChange([pair.id]);
      return;
    }
    await this.sendMarked(pair, toSend, keys, credentials, uploads, now);
  }

  /**
   * The credentials of each side, when the pair can go out as it is: due and on time, every check
   * passing, no earlier attempt to ask the platform about. Null sends it down the careful path.
   */
  private async ready(claim: Claim, pair: Pair, now: number, cache: RoundCache): Promise<Map<string, Credentials> | null> {
    const due = claim.held.filter((d) => isDue(d, now));
    if (due.length === 0 || due.some((d) => d.status === 'checking' && d.claimed_at !== null)) return null;
    const missed = missedBy(claim.rows, due, now);
    if (missed !== null && missed > (await (cache.graceMs ??= this.graceMs()))) return null;
    const settings = await (cache.checkSettings ??= this.pairs.currentCheckSettings());
    if ((await this.pairs.blockingFindings(pair, settings)).length > 0) return null;
    const credentials = new Map<string, Credentials>();
    for (const delivery of claim.held) {
      const text = delivery.lang === 'en' ? pair.enText : pair.frText;
      if (await this.check(delivery, text, sideMedia(pair.media, delivery.lang), credentials, cache)) return null;
    }
    return credentials;
  }

  private async graceMs(): Promise<number> {
    return typeof this.options.graceMs === 'function' ? await this.options.graceMs() : this.options.graceMs;
  }

  /** The image files, read only now, for what is actually being sent (a side without images reads nothing). */
  private async uploads(pair: Pair): Promise<Record<'en' | 'fr', Awaited<ReturnType<MediaService['uploads']>>>> {
    const side = (lang: 'en' | 'fr') => (sideMedia(pair.media, lang).length > 0 ? this.media.uploads(pair.id, lang) : Promise.resolve([]));
    const [en, fr] = await Promise.all([side('en'), side('fr')]);
    return { en, fr };
  }

  /**
   * `sending` before the network call, for every pair of the batch in one transaction: a crash
   * from here on leaves `sending`, which is checked with the platform on restart (or when the
   * lease runs out), never resent blindly. A pair goes out only if it is as read (a person did not
   * cancel or edit it meanwhile) and its claim still holds: then both sides or neither.
   */
  private async markSending(items: Outgoing[]): Promise<boolean[]> {
    const marked = await this.write(async () => {
      const ids = items.map((i) => i.pair.id);
      const current = await this.store.forPairs(ids);
      const states = await this.store.pairStates(ids);
      const go = items.filter((item) => {
        const rows = new Map(current.get(item.pair.id)!.map((r) => [r.id, r]));
        if (states.get(item.pair.id)?.version !== item.pair.version) return false;
        if (!item.toSend.every((d) => rows.get(d.id)?.status === d.status)) return false;
        // Taken over since the claim (its token moved on): nothing of the pair is sent.
        const lost = item.toSend.filter((d) => rows.get(d.id)!.fence !== d.fence);
        for (const d of lost) this.superseded(d, 'sending');
        return lost.length === 0;
      });
      const written = await this.store.toSendingMany(
        go.flatMap((item) =>
          item.toSend.map((held) => ({ held, key: item.keys.get(held.id)!, now: item.now, until: item.leaseUntil })),
        ),
      );
      // Under the transaction's locks every token read above still holds.
      if (go.some((item) => item.toSend.some((d) => !written.has(d.id)))) throw new Error('a claim changed under its lock');
      const statuses = new Map<string, PairStatus>();
      for (const item of go) {
        statuses.set(item.pair.id, derivePairStatus(current.get(item.pair.id)!.map((r) => (written.has(r.id) ? 'sending' : r.status))));
      }
      await this.pairs.setStatuses(statuses);
      return new Set(go.map((item) => item.pair.id));
    });
    // Telling the windows reads who may see the pairs; a failing database must not stop a claimed send.
    if (marked.size > 0) this.tolerate(() => this.onChange([...marked]));
    return items.map((item) => marked.has(item.pair.id));
  }

  /** Sends both sides at the same moment and records what came back. */
  private async sendMarked(
    pair: Pair,
    toSend: readonly Held[],
    keys: ReadonlyMap<string, string>,
    credentials: ReadonlyMap<string, Credentials>,
    uploads: Record<'en' | 'fr', Awaited<ReturnType<MediaService['uploads']>>>,
    now: number,
  ): Promise<void> {
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
    await this.recordOrKeep(
      pair.id,
      toSend.map((delivery, index) => ({
        delivery: { ...delivery, attempt: delivery.attempt + 1, lookups: 0, claimed_at: now },
        outcome: outcomes[index]!,
        checking: false,
      })),
    );
  }

  /**
   * The results of a batch of pairs, in one transaction. Pairs whose every side went out are
   * written set-wise (one statement for the sends, one for the pairs' statuses, one for the audit
   * events); any other outcome (a failure, a look-up's answer) is recorded pair by pair.
   */
  private async writeResults(items: Results[]): Promise<void> {
    await this.write(async () => {
      const clean = items.filter((i) => i.outcomes.every((o) => o.outcome.ok && !o.checking));
      const others = items.filter((i) => !clean.includes(i));
      const sends = clean.flatMap((i) =>
        i.outcomes.flatMap(({ delivery, outcome }) => (outcome.ok ? [{ held: delivery, ...outcome }] : [])),
      );
      const written = await this.store.sentMany(sends);
      const events = new Map<string, AuditEntry[]>(clean.map((i) => [i.pairId, []]));
      for (const { held, remoteId } of sends) {
        if (!written.has(held.id)) {
          this.superseded(held, 'sent');
          continue;
        }
        this.settle(held);
        events.get(held.pair_id)!.push([actor, 'delivery.sent', held.pair_id, { lang: held.lang, handle: held.handle, remoteId }]);
      }
      await this.settlePairs(clean.map((i) => i.pairId), events);
      await this.audit.appendMany([...events.values()].flat());
      for (const { pairId, outcomes } of others) {
        for (const { delivery, outcome, checking } of outcomes) await this.record(delivery, outcome, checking);
        await this.settlePair(pairId);
      }
    });
    this.onChange(items.map((i) => i.pairId));
  }

  /**
   * Before picking anything after a storage fault: whether the database takes writes again
   * (one probe, no wait), then what is owed to it, in order: the start-up recovery and the
   * outcomes it could not take. False while it still cannot be written.
   */
  private async catchUp(): Promise<boolean> {
    if (this.paused) {
      const fault = await probeWritable(this.sql);
      if (fault) {
        this.faults += 1;
        this.report(fault);
        return false;
      }
      this.paused = false;
    }
    if (!this.recovered) await this.recoverInterrupted();
    await this.recordUnrecorded();
    return true;
  }

  /** Extends this pair's leases; a database that cannot be written now leaves them to run out (the token keeps it safe). */
  private async renew(held: readonly Held[]): Promise<void> {
    try {
      // A renewal landing after the result was written changes nothing (the lease is gone).
      await this.store.renew(held, this.owner, this.clock.now() + this.leaseMs);
    } catch {
      // Nothing else to do: a lease that runs out is taken over and checked with the platform.
    }
  }

  /**
   * The claim, in one transaction for the whole batch: every open delivery of each pair gets this
   * publisher's lease and a new fencing token, each only if it is still as just read and no other
   * publisher's live lease is on it; a pair is claimed all or nothing. One read and one
   * conditional update for all of them. A pair another publisher holds (a live lease, or on
   * PostgreSQL a row another transaction has locked right now: read `FOR UPDATE SKIP LOCKED`) is
   * left out, as is one with nothing due any more.
   */
  private async claimRound(pairIds: readonly string[], now: number): Promise<Claim[]> {
    try {
      return await this.claimTogether(pairIds, now);
    } catch (error) {
      if (!(error instanceof Taken)) throw error;
      // Under the claim's locks nothing can change between its read and its update; should it
      // anyway, each pair is claimed on its own, so only the pair that changed is left out.
      const claims: Claim[] = [];
      for (const pairId of pairIds) {
        try {
          claims.push(...(await this.claimTogether([pairId], now)));
        } catch (failure) {
          if (!(failure instanceof Taken)) throw failure;
        }
      }
      return claims;
    }
  }

  /** `claimRound`'s transaction; throws Taken (nothing kept) if a delivery changed between the read and the update. */
  private async claimTogether(pairIds: readonly string[], now: number): Promise<Claim[]> {
    return this.write(async () => {
      const at = this.clock.now();
      const until = at + this.leaseMs;
      const read = await this.store.claimableMany(pairIds);
      const busy = (d: LeasedDeliveryRow) =>
        d.status === 'sending' || (d.lease_until !== null && d.lease_until > at && d.lease_owner !== this.owner);
      const chosen: { pairId: string; rows: LeasedDeliveryRow[]; open: LeasedDeliveryRow[] }[] = [];
      for (const pairId of pairIds) {
        const rows = read.get(pairId);
        if (!rows) continue;
        const open = rows.filter((d) => openStatuses.includes(d.status));
        if (open.some(busy) || !open.some((d) => isDue(d, now))) continue;
        chosen.push({ pairId, rows, open });
      }
      const fences = await this.store.claimMany(chosen.flatMap((c) => c.open), this.owner, at, until);
      return chosen.map(({ pairId, rows, open }) => ({
        pairId,
        rows,
        held: open.map((row) => {
          const fence = fences.get(row.id);
          // Claimed by someone else since it was read: keep nothing of the transaction.
          if (fence === undefined) throw new Taken();
          return { ...row, fence, lease_until: until, lease_owner: this.owner };
        }),
      }));
    });
  }

  private async sendClaimed(pairId: string, now: number, rows: LeasedDeliveryRow[], open: Held[]): Promise<void> {
    const due = open.filter((d) => isDue(d, now));
    const pair = await this.pairs.get(pairId);
    if (!pair) return;

    // Missed by more than the grace period and never tried: a person confirms before it goes out.
    const missed = missedBy(rows, due, now);
    if (missed !== null && missed > (await this.graceMs())) {
      const minutes = Math.round(missed / 60_000);
      await this.write(async () => {
        let held = false;
        for (const delivery of open) held = (await this.hold(delivery, { code: 'schedule.missed', params: { minutes } })) || held;
        if (held) await this.audit.append(actor, 'pair.heldLate', pairId, { minutesLate: minutes });
        await this.settlePair(pairId);
      });
      this.onChange([pairId]);
      return;
    }

    // Every side still to send is checked before any side is sent, content checks included
    // (settings may have changed since approval).
    const credentials = new Map<string, Credentials>();
    const problems = new Map<string, ErrorInfo>();
    const blocks = await this.pairs.blockingFindings(pair);
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
      await this.write(async () => {
        if (!(await this.unchanged(pair.version, open))) return;
        for (const delivery of open) {
          const error = problems.get(delivery.id) ?? { code: 'delivery.heldForTwin', params: { lang: delivery.lang } };
          if (waiting) await this.hold(delivery, error);
          else await this.fail(delivery, error);
        }
        await this.settlePair(pairId);
      });
      this.onChange([pairId]);
      return;
    }

    // An earlier attempt whose outcome is unknown: ask the platform before sending again.
    const toSend: Held[] = [];
    for (const delivery of due) {
      if (delivery.status !== 'checking' || delivery.claimed_at === null) {
        toSend.push(delivery);
        continue;
      }
      const outcome = await this.lookUp(delivery, pair.enText, pair.frText, credentials.get(delivery.id)!);
      if (outcome === 'absent') toSend.push(delivery);
      else await this.recordOrKeep(pairId, [{ delivery, outcome, checking: true }]);
    }
    if (toSend.length === 0) {
      this.onChange([pairId]);
      return;
    }

    // The key is set once, at the first claim, and every later attempt sends the same one.
    const keys = new Map(toSend.map((d) => [d.id, d.idem_key ?? newTid(now)]));
    const uploads = await this.uploads(pair);
    // A look-up above may have found the database failing: claim nothing until it is back.
    if (this.paused) return;
    const marked = await this.marking.submit({ pair, toSend, keys, now, leaseUntil: this.clock.now() + this.leaseMs });
    if (!marked) {
      this.onChange([pairId]);
      return;
    }
    await this.sendMarked(pair, toSend, keys, credentials, uploads, now);
  }

  /**
   * Records outcomes that came from the platform. When the database cannot take them, the posts
   * are live (or not) but their deliveries still say `sending` (or `checking`): the outcomes are
   * kept here and written before anything new is claimed. Meanwhile `sending` is never picked,
   * so nothing is sent again; if Tandem stops first, the next start asks the platform.
   */
  private async recordOrKeep(pairId: string, outcomes: Unrecorded[]): Promise<void> {
    try {
      // Written with the results of the other pairs that came back meanwhile (writeResults).
      await this.recording.submit({ pairId, outcomes });
    } catch (error) {
      if (storageFaultOf(error) !== null) this.unrecorded.push(...outcomes);
      throw error;
    }
  }

  /** Writes the outcomes a storage fault kept back, each only if its delivery is still as it was claimed. */
  private async recordUnrecorded(): Promise<void> {
    while (this.unrecorded.length > 0) {
      const pairId = this.unrecorded[0]!.delivery.pair_id;
      const owed = this.unrecorded.filter((u) => u.delivery.pair_id === pairId);
      await this.write(async () => {
        const current = new Map((await this.store.forPair(pairId)).map((d) => [d.id, d]));
        for (const { delivery, outcome, checking } of owed) {
          const row = current.get(delivery.id);
          if (row?.status !== (checking ? 'checking' : 'sending') || row.claimed_at !== delivery.claimed_at) continue;
          // Written only if the claim still holds (the token is checked by the write).
          await this.record(delivery, outcome, checking);
        }
        await this.settlePair(pairId);
      });
      // Their claims' runs are over: nothing is left to release.
      for (const { delivery } of owed) this.settled.delete(claimKey(delivery));
      this.unrecorded = this.unrecorded.filter((u) => u.delivery.pair_id !== pairId);
      this.onChange([pairId]);
    }
  }

  /**
   * A write transaction of the publisher's; one that commits shows the database takes writes.
   * What the transaction reads stays true until it commits, whatever another process (another
   * publisher) does meanwhile: SQLite takes the write lock at BEGIN (IMMEDIATE); on PostgreSQL
   * the rows it acts on are locked as they are read (db/deliveries.ts). Nothing in `work` waits
   * for the network.
   */
  private async write<T>(work: () => Promise<T>): Promise<T> {
    const result = await this.sql.tx(work);
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
  private async unchanged(version: number, read: readonly LeasedDeliveryRow[]): Promise<boolean> {
    const pairId = read[0]?.pair_id;
    if (!pairId) return false;
    // The deliveries before the pair: the order every writer of both takes (PostgreSQL locks them as read).
    const statuses = new Map((await this.store.forPair(pairId)).map((d) => [d.id, d.status]));
    if ((await this.store.pairStates([pairId])).get(pairId)?.version !== version) return false;
    return read.every((d) => statuses.get(d.id) === d.status);
  }

  /**
   * An unexpected error while handling one pair (a database error, a bug) must not stop the
   * others or spin: anything of the pair this publisher left mid-send is checked later, and its
   * due deliveries wait a while before the next try. `held`: the pair's claim, if it was made.
   */
  private async contain(pairId: string, held: readonly Held[], error: unknown): Promise<void> {
    // Not the pair's fault: it stays as it is (kept outcomes included) until the database is back.
    const fault = storageFaultOf(error);
    if (fault !== null) return this.stall(fault);
    try {
      const now = this.clock.now();
      const later = now + this.options.offlineRetryMs;
      await this.write(async () => {
        if (held.length > 0) await this.store.contain(held, later);
        else await this.store.containUnclaimed(pairId, now, later, this.owner);
        await this.audit.append(actor, 'publisher.error', pairId, {
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

  /**
   * A result was written under this claim (and gave its lease back). Recorded only once the
   * transaction commits would be exact; a rolled-back one leaves the lease to run out, which
   * holds back no one but other publishers, for at most the lease.
   */
  private settle(delivery: Held): void {
    this.settled.add(claimKey(delivery));
  }

  /** A result this publisher may no longer write: its claim was taken over (its lease ran out). */
  private superseded(delivery: Held, result: string): void {
    this.log.warn('publisher.superseded', {
      pairId: delivery.pair_id,
      deliveryId: delivery.id,
      lang: delivery.lang,
      fence: delivery.fence,
      result,
    });
  }

  private async lookUp(
    delivery: Held,
    enText: string,
    frText: string,
    credentials: Credentials,
  ): Promise<Outcome | 'absent'> {
    const remoteUserId = await this.store.remoteUserId(delivery.account_id);
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
    delivery: Held,
    text: string,
    media: readonly MediaFacts[],
    credentials: Map<string, Credentials>,
    cache: RoundCache = { accounts: new Map(), secrets: new Map() },
  ): Promise<ErrorInfo | null> {
    const adapter = this.adapters.get(delivery.platform);
    if (!adapter) return { code: 'channel.unknown', params: { id: delivery.account_id } };
    const once = <T>(map: Map<string, Promise<T>>, read: () => Promise<T>): Promise<T> => {
      let value = map.get(delivery.account_id);
      if (!value) map.set(delivery.account_id, (value = read()));
      return value;
    };
    // A round reads each account and its credentials once, however many of its pairs are on it.
    const account = await once(cache.accounts, () => this.store.account(delivery.account_id));
    const [problem] = adapter.validate(account.limits, delivery.lang, text, media);
    if (problem) return { code: problem.code, params: { ...problem.params, platform: delivery.platform } };
    if (account.status === 'needs_reauth') return { code: 'account.unauthorized', params: { lang: delivery.lang, platform: delivery.platform } };
    try {
      const stored = await once(cache.secrets, () => this.secrets.get(delivery.account_id));
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
   * about an earlier attempt, so no new attempt was made. Written only while the claim's token
   * holds; otherwise nothing is written and it is logged (the publisher that took the delivery
   * over asks the platform itself).
   */
  private async record(delivery: Held, outcome: Outcome, checking: boolean): Promise<void> {
    if (outcome.ok) {
      if (!(await this.store.sent(delivery, outcome.remoteId, outcome.remoteUrl, outcome.sentAt))) {
        return this.superseded(delivery, 'sent');
      }
      this.settle(delivery);
      await this.audit.append(actor, checking ? 'delivery.reconciled' : 'delivery.sent', delivery.pair_id, {
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
    const retry = async (status: DeliveryStatus, at: number, attempt = delivery.attempt): Promise<void> => {
      if (!(await this.store.again(delivery, status, at, attempt, JSON.stringify(error.info)))) {
        return this.superseded(delivery, status);
      }
      this.settle(delivery);
      await this.audit.append(actor, 'delivery.retrying', delivery.pair_id, {
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
        // A fact about the account, whoever holds the delivery now.
        await this.store.needsReauth(delivery.account_id);
        await this.hold(delivery, { code: 'account.unauthorized', params: { lang: delivery.lang, platform: delivery.platform } });
        return;
      case 'ambiguous':
        if (checking) {
          // A look-up that could not answer. "Too many posts to tell" will not change by asking
          // again: a person looks at the account. Anything else is asked again, boundedly.
          const lookups = delivery.lookups + 1;
          if (error.info.code === 'platform.lookupIncomplete' || lookups >= this.options.maxAttempts) {
            await this.fail(delivery, error.info);
            return;
          }
          if (!(await this.store.lookups(delivery, lookups))) return this.superseded(delivery, 'checking');
          return retry('checking', now + backoffDelay(lookups, this.options.backoff));
        }
        if (delivery.attempt < this.options.maxAttempts) {
          return retry('checking', now + backoffDelay(Math.max(1, delivery.attempt), this.options.backoff));
        }
        await this.fail(delivery, error.info);
        return;
      case 'permanent':
        // "Duplicate" after an attempt whose outcome was unknown: most likely our own post,
        // not yet listed; look again rather than give up.
        if (error.info.code === 'platform.duplicate' && delivery.attempt > 1 && delivery.attempt < this.options.maxAttempts) {
          return retry('checking', now + backoffDelay(delivery.attempt, this.options.backoff));
        }
        await this.fail(delivery, error.info);
        return;
    }
  }

  /** Whether the claim still held (the delivery was written). */
  private async hold(delivery: Held, error: ErrorInfo): Promise<boolean> {
    if (!(await this.store.stop(delivery, 'held', JSON.stringify(error)))) {
      this.superseded(delivery, 'held');
      return false;
    }
    this.settle(delivery);
    await this.audit.append(actor, 'delivery.held', delivery.pair_id, { lang: delivery.lang, handle: delivery.handle, error: error.code });
    return true;
  }

  private async fail(delivery: Held, error: ErrorInfo): Promise<boolean> {
    if (!(await this.store.stop(delivery, 'failed', JSON.stringify(error)))) {
      this.superseded(delivery, 'failed');
      return false;
    }
    this.settle(delivery);
    await this.audit.append(actor, 'delivery.failed', delivery.pair_id, {
      lang: delivery.lang,
      handle: delivery.handle,
      error: error.code,
    });
    return true;
  }

  /**
   * `settlePair` for many pairs in a fixed number of statements; each pair's status event is added
   * after its own events in `events`, so the trail reads the same as pair by pair.
   */
  private async settlePairs(pairIds: readonly string[], events: Map<string, AuditEntry[]>): Promise<void> {
    if (pairIds.length === 0) return;
    // The deliveries before the pairs: the order every writer of both takes (PostgreSQL locks them as read).
    const rows = await this.store.forPairs(pairIds);
    const before = await this.store.pairStates(pairIds);
    const statuses = new Map<string, PairStatus>();
    for (const pairId of pairIds) {
      const deliveries = rows.get(pairId)!;
      if (deliveries.length === 0) continue;
      const status = derivePairStatus(deliveries.map((d) => d.status));
      statuses.set(pairId, status);
      if (status !== before.get(pairId)?.status && (status === 'published' || status === 'partial' || status === 'failed' || status === 'held')) {
        events.get(pairId)!.push([actor, `pair.${status}`, pairId]);
      }
    }
    await this.pairs.setStatuses(statuses);
  }

  private async settlePair(pairId: string): Promise<void> {
    const events = new Map<string, AuditEntry[]>([[pairId, []]]);
    await this.settlePairs([pairId], events);
    await this.audit.appendMany(events.get(pairId)!);
  }
}
