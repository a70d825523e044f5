// Bilingual post pairs: the unit of work. Creating one validates both languages for every
// target channel and records one delivery per target account; nothing is half-written.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { Delivery, DeliveryStatus, ErrorInfo, Lang, Pair, PairStatus, Platform } from '../../shared/domain';
import type { ParsedInput } from '../../shared/contract';
import type { PlatformAdapter } from '../platforms/types';
import { AppError } from '../errors';
import type { AuditLog } from './audit';
import type { AccountService } from './accounts';

/** A schedule up to this far in the past is taken as "now" (clock skew, slow typing). */
const pastTolerance = 60_000;

interface PairRow {
  id: string;
  en_text: string;
  fr_text: string;
  status: PairStatus;
  scheduled_at: number | null;
  author_tz: string;
  version: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface DeliveryRow {
  id: string;
  pair_id: string;
  account_id: string;
  lang: Lang;
  status: DeliveryStatus;
  attempt: number;
  next_attempt_at: number | null;
  remote_id: string | null;
  remote_url: string | null;
  sent_at: number | null;
  last_error: string | null;
  handle: string;
  platform: Platform;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The pair's status follows from its deliveries once publishing has begun. */
export function derivePairStatus(statuses: DeliveryStatus[]): PairStatus {
  const sent = statuses.filter((s) => s === 'sent').length;
  if (statuses.length > 0 && sent === statuses.length) return 'published';
  if (sent > 0) return 'partial';
  if (statuses.every((s) => s === 'failed' || s === 'cancelled')) return 'failed';
  return 'publishing';
}

export class PairService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly audit: AuditLog,
  ) {}

  create(input: ParsedInput<'pairs.create'>, actor: string): Pair {
    const now = this.clock.now();
    const channels = input.channelIds.map((id) => {
      const channel = this.accounts.get(id);
      if (!channel) throw new AppError('channel.unknown', { id });
      return channel;
    });

    let scheduledAt: number | null = null;
    if (input.action !== 'draft') {
      if (channels.length === 0) throw new AppError('channel.none');
      // Both languages, for every platform targeted, before anything is stored or sent.
      for (const channel of channels) {
        const adapter = this.adapters.get(channel.platform);
        if (!adapter) throw new AppError('channel.unknown', { id: channel.id });
        for (const lang of ['en', 'fr'] as const) {
          const measure = adapter.validate(lang, lang === 'en' ? input.enText : input.frText);
          if (measure.error) throw new AppError(measure.error.code, measure.error.params);
        }
      }
      if (input.action === 'now') {
        scheduledAt = now;
      } else {
        if (!input.scheduledAt) throw new AppError('schedule.invalid');
        const at = Date.parse(input.scheduledAt);
        if (Number.isNaN(at)) throw new AppError('schedule.invalid');
        if (at < now - pastTolerance) throw new AppError('schedule.inPast');
        scheduledAt = Math.max(at, now);
      }
    }

    const id = randomUUID();
    const status: PairStatus = input.action === 'draft' ? 'draft' : 'scheduled';
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO post_pair (id, en_text, fr_text, status, scheduled_at, author_tz, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.enText, input.frText, status, scheduledAt, input.authorTz, actor, now, now);
      const link = this.db.prepare('INSERT INTO pair_channel (pair_id, channel_id) VALUES (?, ?)');
      const delivery = this.db.prepare(
        `INSERT INTO delivery (id, pair_id, account_id, lang, status, next_attempt_at)
         VALUES (?, ?, ?, ?, 'pending', ?)`,
      );
      for (const channel of channels) {
        link.run(id, channel.id);
        if (scheduledAt !== null) {
          delivery.run(randomUUID(), id, channel.en.id, 'en', scheduledAt);
          delivery.run(randomUUID(), id, channel.fr.id, 'fr', scheduledAt);
        }
      }
      this.audit.append(actor, 'pair.created', id, { channels: input.channelIds });
      if (scheduledAt !== null) {
        this.audit.append(actor, 'pair.scheduled', id, {
          at: new Date(scheduledAt).toISOString(),
          now: input.action === 'now',
        });
      }
    })();
    return this.get(id)!;
  }

  cancel(id: string, actor: string): Pair {
    const pair = this.require(id);
    if (pair.status !== 'scheduled' && pair.status !== 'draft') throw new AppError('pair.notCancellable');
    this.db.transaction(() => {
      // Re-checked inside the transaction: the publisher may have claimed a delivery meanwhile.
      const claimed = this.db
        .prepare("SELECT 1 FROM delivery WHERE pair_id = ? AND status NOT IN ('pending', 'cancelled')")
        .get(id);
      if (claimed) throw new AppError('pair.notCancellable');
      this.db.prepare("UPDATE delivery SET status = 'cancelled', next_attempt_at = NULL WHERE pair_id = ?").run(id);
      this.setStatus(id, 'cancelled');
      this.audit.append(actor, 'pair.cancelled', id);
    })();
    return this.get(id)!;
  }

  /** Sends again whatever failed; what was sent stays sent. */
  retry(id: string, actor: string): Pair {
    const pair = this.require(id);
    if (pair.status !== 'failed' && pair.status !== 'partial') throw new AppError('pair.notRetryable');
    const now = this.clock.now();
    this.db.transaction(() => {
      const changed = this.db
        .prepare(
          "UPDATE delivery SET status = 'pending', next_attempt_at = ?, last_error = NULL WHERE pair_id = ? AND status = 'failed'",
        )
        .run(now, id).changes;
      if (changed === 0) throw new AppError('pair.notRetryable');
      this.setStatus(id, 'publishing');
      this.audit.append(actor, 'pair.retried', id, { deliveries: changed });
    })();
    return this.get(id)!;
  }

  setStatus(id: string, status: PairStatus): void {
    this.db
      .prepare('UPDATE post_pair SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?')
      .run(status, this.clock.now(), id);
  }

  list(limit = 50): Pair[] {
    const rows = this.db
      .prepare('SELECT * FROM post_pair ORDER BY created_at DESC, id LIMIT ?')
      .all(limit) as PairRow[];
    return rows.map((row) => this.toPair(row));
  }

  get(id: string): Pair | undefined {
    const row = this.db.prepare('SELECT * FROM post_pair WHERE id = ?').get(id) as PairRow | undefined;
    return row && this.toPair(row);
  }

  deliveryRows(pairId: string): DeliveryRow[] {
    return this.db
      .prepare(
        `SELECT d.*, a.handle, a.platform FROM delivery d JOIN account a ON a.id = d.account_id
         WHERE d.pair_id = ? ORDER BY d.lang, a.handle`,
      )
      .all(pairId) as DeliveryRow[];
  }

  private require(id: string): Pair {
    const pair = this.get(id);
    if (!pair) throw new AppError('pair.unknown');
    return pair;
  }

  private toPair(row: PairRow): Pair {
    const deliveries = this.deliveryRows(row.id).map(toDelivery);
    const channelIds = (
      this.db.prepare('SELECT channel_id FROM pair_channel WHERE pair_id = ? ORDER BY channel_id').pluck().all(row.id) as string[]
    );
    const sentTimes = deliveries.map((d) => (d.sentAt ? Date.parse(d.sentAt) : null));
    const allSent = deliveries.length > 0 && sentTimes.every((t) => t !== null);
    const times = sentTimes.filter((t): t is number => t !== null);
    return {
      id: row.id,
      enText: row.en_text,
      frText: row.fr_text,
      status: row.status,
      scheduledAt: iso(row.scheduled_at),
      authorTz: row.author_tz,
      createdBy: row.created_by,
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
      version: row.version,
      channelIds,
      deliveries,
      skewMs: allSent ? Math.max(...times) - Math.min(...times) : null,
    };
  }
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    accountId: row.account_id,
    handle: row.handle,
    platform: row.platform,
    lang: row.lang,
    status: row.status,
    attempt: row.attempt,
    nextAttemptAt: iso(row.next_attempt_at),
    remoteId: row.remote_id,
    remoteUrl: row.remote_url,
    sentAt: iso(row.sent_at),
    lastError: row.last_error ? (JSON.parse(row.last_error) as ErrorInfo) : null,
  };
}
