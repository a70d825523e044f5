// Sends due deliveries. Wakes at the next due time (one indexed query), validates every
// language of a pair before sending any, sends a pair's languages concurrently and records
// each outcome; a side that fails after its twin went out is retried and the pair is shown
// as partially published until a human or a retry settles it.
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { ErrorInfo, Platform } from '../../shared/domain';
import type { XCredentials } from '../../shared/contract';
import type { SecretStore } from '../secrets';
import { PlatformError, type PlatformAdapter } from '../platforms/types';
import type { AuditLog } from '../services/audit';
import { derivePairStatus, type DeliveryRow, type PairService } from '../services/pairs';
import { backoffDelay, type BackoffOptions } from './backoff';

export interface PublisherOptions {
  maxAttempts: number;
  backoff: BackoffOptions;
  /** How many pairs are sent at the same time when several are due together. */
  concurrency: number;
}

export const defaultPublisherOptions: PublisherOptions = {
  maxAttempts: 6,
  backoff: { baseMs: 2_000, capMs: 5 * 60_000 },
  concurrency: 8,
};

/** setTimeout cannot wait longer than this; longer waits are re-armed. */
const maxTimer = 2 ** 31 - 1;
const actor = 'system:publisher';

type Outcome = { ok: true; remoteId: string; remoteUrl: string; sentAt: number } | { ok: false; error: PlatformError };

export class Publisher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly pairs: PairService,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly secrets: SecretStore,
    private readonly audit: AuditLog,
    private readonly onChange: (pairIds: string[]) => void,
    private readonly options: PublisherOptions = defaultPublisherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.recoverInterrupted();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Re-reads the next due time; call after anything that may have changed it. */
  wake(): void {
    if (this.stopped) return;
    // A run in progress re-arms the timer when it finishes.
    if (this.running) return;
    clearTimeout(this.timer);
    const next = this.nextDueAt();
    if (next === null) return;
    const wait = Math.min(Math.max(0, next - this.clock.now()), maxTimer);
    this.timer = setTimeout(() => this.run(), wait);
  }

  nextDueAt(): number | null {
    return this.db
      .prepare("SELECT MIN(next_attempt_at) FROM delivery WHERE status IN ('pending', 'retrying')")
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
   * A delivery left `sending` by a crash may or may not have reached the platform. Until
   * reconciliation with the platform exists it is never resent blindly: it is failed with
   * "outcome unknown" so a person checks the account and decides.
   */
  private recoverInterrupted(): void {
    const stuck = this.db.prepare("SELECT DISTINCT pair_id FROM delivery WHERE status = 'sending'").pluck().all() as string[];
    if (stuck.length === 0) return;
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE delivery SET status = 'failed', next_attempt_at = NULL, last_error = ? WHERE status = 'sending'")
        .run(JSON.stringify({ code: 'delivery.outcomeUnknown' } satisfies ErrorInfo));
      for (const pairId of stuck) this.settlePair(pairId);
    })();
    this.onChange(stuck);
  }

  private async sendDue(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const duePairs = this.db
        .prepare(
          `SELECT DISTINCT pair_id FROM delivery
           WHERE status IN ('pending', 'retrying') AND next_attempt_at <= ?
           ORDER BY next_attempt_at LIMIT 500`,
        )
        .pluck()
        .all(now) as string[];
      if (duePairs.length === 0 || this.stopped) return;
      await runLimited(duePairs, this.options.concurrency, (pairId) => this.sendPair(pairId, now));
    }
  }

  private async sendPair(pairId: string, now: number): Promise<void> {
    const rows = this.pairs.deliveryRows(pairId);
    const unsent = rows.filter((d) => d.status !== 'sent' && d.status !== 'cancelled');
    const due = unsent.filter(
      (d) => (d.status === 'pending' || d.status === 'retrying') && d.next_attempt_at !== null && d.next_attempt_at <= now,
    );
    if (due.length === 0) return;
    const pair = this.pairs.get(pairId);
    if (!pair) return;

    // Every side still to send is checked before any side is sent.
    const credentials = new Map<string, XCredentials>();
    const problems = new Map<string, ErrorInfo>();
    for (const delivery of unsent) {
      const problem = await this.check(delivery, delivery.lang === 'en' ? pair.enText : pair.frText, credentials);
      if (problem) problems.set(delivery.id, problem);
    }
    if (problems.size > 0) {
      this.db.transaction(() => {
        for (const delivery of unsent) {
          const error = problems.get(delivery.id) ?? { code: 'delivery.heldForTwin', params: { lang: delivery.lang } };
          this.fail(delivery, error);
        }
        this.settlePair(pairId);
      })();
      this.onChange([pairId]);
      return;
    }

    // Claim before the network call: a crash from here on leaves `sending`, never a silent resend.
    this.db.transaction(() => {
      const claim = this.db.prepare(
        "UPDATE delivery SET status = 'sending', attempt = attempt + 1 WHERE id = ? AND status IN ('pending', 'retrying')",
      );
      for (const delivery of due) claim.run(delivery.id);
      this.pairs.setStatus(pairId, 'publishing');
    })();
    this.onChange([pairId]);

    const outcomes = await Promise.all(
      due.map(async (delivery): Promise<Outcome> => {
        const adapter = this.adapters.get(delivery.platform)!;
        try {
          const published = await adapter.publish({
            text: delivery.lang === 'en' ? pair.enText : pair.frText,
            lang: delivery.lang,
            handle: delivery.handle,
            credentials: credentials.get(delivery.id)!,
          });
          return { ok: true, ...published, sentAt: this.clock.now() };
        } catch (error) {
          return { ok: false, error: error instanceof PlatformError ? error : new PlatformError({ code: 'internal' }, 'permanent') };
        }
      }),
    );

    this.db.transaction(() => {
      due.forEach((delivery, index) => this.record(delivery, outcomes[index]!));
      this.settlePair(pairId);
    })();
    this.onChange([pairId]);
  }

  private async check(
    delivery: DeliveryRow,
    text: string,
    credentials: Map<string, XCredentials>,
  ): Promise<ErrorInfo | null> {
    const adapter = this.adapters.get(delivery.platform);
    if (!adapter) return { code: 'channel.unknown', params: { id: delivery.account_id } };
    const measure = adapter.validate(delivery.lang, text);
    if (measure.error) return measure.error;
    const status = this.db.prepare('SELECT status FROM account WHERE id = ?').pluck().get(delivery.account_id);
    if (status === 'needs_reauth') return { code: 'account.unauthorized', params: { lang: delivery.lang } };
    try {
      const stored = await this.secrets.get(delivery.account_id);
      if (!stored) return { code: 'account.noCredentials', params: { handle: delivery.handle } };
      credentials.set(delivery.id, stored);
    } catch {
      return { code: 'keychain.unavailable' };
    }
    return null;
  }

  private record(delivery: DeliveryRow, outcome: Outcome): void {
    if (outcome.ok) {
      this.db
        .prepare(
          `UPDATE delivery SET status = 'sent', remote_id = ?, remote_url = ?, sent_at = ?, next_attempt_at = NULL,
           last_error = NULL WHERE id = ?`,
        )
        .run(outcome.remoteId, outcome.remoteUrl, outcome.sentAt, delivery.id);
      this.audit.append(actor, 'delivery.sent', delivery.pair_id, {
        lang: delivery.lang,
        handle: delivery.handle,
        remoteId: outcome.remoteId,
      });
      return;
    }
    const { error } = outcome;
    const attempt = delivery.attempt + 1;
    if (error.kind === 'unauthorized') {
      this.db.prepare("UPDATE account SET status = 'needs_reauth' WHERE id = ?").run(delivery.account_id);
    }
    const retryable = error.kind === 'retryable' || error.kind === 'rateLimited';
    if (retryable && attempt < this.options.maxAttempts) {
      const now = this.clock.now();
      const at =
        error.kind === 'rateLimited' && error.retryAt && error.retryAt > now
          ? error.retryAt
          : now + backoffDelay(attempt, this.options.backoff);
      this.db
        .prepare("UPDATE delivery SET status = 'retrying', next_attempt_at = ?, last_error = ? WHERE id = ?")
        .run(at, JSON.stringify(error.info), delivery.id);
      this.audit.append(actor, 'delivery.retrying', delivery.pair_id, {
        lang: delivery.lang,
        handle: delivery.handle,
        error: error.info.code,
        attempt,
      });
      return;
    }
    this.fail({ ...delivery, attempt }, error.info);
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
    const status = derivePairStatus(this.pairs.deliveryRows(pairId).map((d) => d.status));
    this.pairs.setStatus(pairId, status);
    if (status !== before && (status === 'published' || status === 'partial' || status === 'failed')) {
      this.audit.append(actor, `pair.${status}`, pairId);
    }
  }
}

async function runLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
