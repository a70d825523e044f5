// Bilingual post pairs: the unit of work, and their workflow:
// draft -> translation -> review -> approved -> scheduled -> (publishing) -> published,
// with cancelled, failed and partial. Every step checks the actor's role in main.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { pairDetails, type ApprovalRow, type DeliveryRow, type PairDetails } from '../db/pairDetails';
import type { Clock } from '../clock';
import type { Approval, Delivery, DeliveryStatus, ErrorInfo, Lang, Pair, PairStatus, Platform, User } from '../../shared/domain';
import type { ParsedInput } from '../../shared/contract';
import type { PlatformAdapter } from '../platforms/types';
import type { MediaService } from './media';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { Action } from '../../shared/permissions';
import type { AuditLog } from './audit';
import type { AccountService } from './accounts';
import type { UserService } from './users';
import type { AuditAction } from '../../shared/audit-actions';
import { blocking, runChecks, type CheckSettings, type Finding } from '../../shared/checks';
import { sideMedia } from '../../shared/limits';

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
  scheduled_by: string | null;
}

export type { DeliveryRow } from '../db/pairDetails';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The pair's status follows from its deliveries once publishing has begun. */
export function derivePairStatus(statuses: DeliveryStatus[]): PairStatus {
  const sent = statuses.filter((s) => s === 'sent').length;
  if (statuses.length > 0 && sent === statuses.length) return 'published';
  if (sent > 0) return 'partial';
  if (statuses.some((s) => s === 'held')) return 'held';
  if (statuses.every((s) => s === 'failed' || s === 'cancelled')) return 'failed';
  return 'publishing';
}

export class PairService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly users: UserService,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly audit: AuditLog,
    private readonly checkSettings: () => CheckSettings,
    private readonly media: MediaService,
  ) {
    this.statements = prepareStatements(db);
  }

  /** Content checks set to block, for the pair as it stands. */
  blockingFindings(pair: Pick<Pair, 'enText' | 'frText' | 'media'>): Finding[] {
    return blocking(runChecks({ en: pair.enText, fr: pair.frText }, this.checkSettings(), pair.media));
  }

  private enforceChecks(pair: Pair, user: User, action: string): void {
    const blocks = this.blockingFindings(pair);
    if (blocks.length === 0) return;
    const first = blocks[0]!;
    this.audit.append(user.username, 'checks.blocked', pair.id, { action, checks: blocks.map((b) => b.check) });
    throw new AppError('checks.blocked', { check: first.check, count: blocks.length });
  }

  /** Prepared once: the queue reads three of these per pair on every refresh. */
  private readonly statements: ReturnType<typeof prepareStatements>;

  /** A new pair starts as a draft; either language may still be empty. */
  create(ctx: CallContext, input: ParsedInput<'pairs.create'>): Pair {
    const user = signedIn(ctx);
    if (input.channelIds.length === 0) throw new AppError('channel.none');
    const channelIds = [...new Set(input.channelIds)];
    for (const id of channelIds) if (!this.accounts.get(id)) throw new AppError('channel.unknown', { id });
    this.users.authorize(user, 'pair.create', channelIds, 'pair:new');
    const now = this.clock.now();
    const id = randomUUID();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO post_pair (id, en_text, fr_text, status, author_tz, created_by, created_at, updated_at)
           VALUES (?, ?, ?, 'draft', ?, ?, ?, ?)`,
        )
        .run(id, input.enText, input.frText, input.authorTz, user.username, now, now);
      const link = this.db.prepare('INSERT INTO pair_channel (pair_id, channel_id) VALUES (?, ?)');
      for (const channelId of channelIds) link.run(id, channelId);
      this.media.setForPair(id, input.media);
      const written = langs.filter((lang) => sideWritten(lang === 'en' ? input.enText : input.frText, input.media, lang));
      this.recordWriter(id, written, user, now);
      this.audit.append(user.username, 'pair.created', id, { channels: channelIds, version: 1, images: input.media.length, languages: written });
    })();
    return this.get(id)!;
  }

  /**
   * Edits the text. Editing an approved or scheduled pair withdraws the approval (and any
   * deliveries not yet sent) and sends the pair back to review.
   */
  update(ctx: CallContext, input: ParsedInput<'pairs.update'>): Pair {
    const user = signedIn(ctx);
    const pair = this.current(user, 'pair.edit', input.id, input.version, ['draft', 'translation', 'review', 'approved', 'scheduled', 'held', 'failed']);
    const media = input.media ?? pairMediaInput(pair);
    const mediaChanged = !this.media.same(pair.media, media);
    const changed = [
      ...(input.enText !== pair.enText ? ['en'] : []),
      ...(input.frText !== pair.frText ? ['fr'] : []),
      ...(mediaChanged ? ['media'] : []),
    ];
    // Re-saving what is already there changes nothing: no new version, no withdrawn approval.
    if (changed.length === 0) return pair;
    // A language is written by whoever changes its text, its image files or its alt text.
    const before = pairMediaInput(pair);
    const written = langs.filter(
      (lang) => (lang === 'en' ? input.enText !== pair.enText : input.frText !== pair.frText) || !sameSide(before, media, lang),
    );
    const backToReview = ['approved', 'scheduled', 'held', 'failed'].includes(pair.status);
    this.db.transaction(() => {
      if (backToReview) this.withdrawDeliveries(pair.id);
      this.db
        .prepare(
          `UPDATE post_pair SET en_text = ?, fr_text = ?, version = version + 1, updated_at = ?, last_edited_by = ?,
           status = ?, scheduled_at = CASE WHEN ? THEN NULL ELSE scheduled_at END WHERE id = ?`,
        )
        .run(input.enText, input.frText, this.clock.now(), user.username, backToReview ? 'review' : pair.status, backToReview ? 1 : 0, pair.id);
      if (mediaChanged) this.media.setForPair(pair.id, media);
      this.recordWriter(pair.id, written, user, this.clock.now());
      this.audit.append(user.username, pair.status === 'translation' ? 'pair.translated' : 'pair.edited', pair.id, {
        languages: changed,
        version: pair.version + 1,
        backToReview,
      });
    })();
    return this.get(pair.id)!;
  }

  requestTranslation(ctx: CallContext, input: ParsedInput<'pairs.requestTranslation'>): Pair {
    const user = signedIn(ctx);
    const pair = this.current(user, 'pair.requestTranslation', input.id, input.version, ['draft']);
    return this.transition(pair, 'translation', user, 'pair.translationRequested');
  }

  /** Both languages must be complete and within every target platform's limits. */
  submitForReview(ctx: CallContext, input: ParsedInput<'pairs.submitForReview'>): Pair {
    const user = signedIn(ctx);
    const pair = this.current(user, 'pair.submitForReview', input.id, input.version, ['draft', 'translation']);
    this.validate(pair);
    return this.transition(pair, 'review', user, 'pair.submitted');
  }

  /** Approval covers this version of both languages, as a unit, and is kept as evidence. */
  approve(ctx: CallContext, input: ParsedInput<'pairs.approve'>): Pair {
    const user = signedIn(ctx);
    const pair = this.current(user, 'pair.approve', input.id, input.version, ['review']);
    // Nobody approves text they wrote: whoever created the pair, or wrote or edited either language.
    const wroteIt = pair.createdBy === user.username || langs.some((lang) => pair.writtenBy[lang].includes(user.username));
    if (wroteIt && !pair.channelIds.every((id) => this.accounts.get(id)?.allowSelfApproval)) {
      this.audit.append(user.username, 'permission.denied', pair.id, { action: 'pair.approve', reason: 'selfApproval' });
      throw new AppError('approval.selfNotAllowed');
    }
    this.validate(pair);
    this.enforceChecks(pair, user, 'pair.approve');
    return this.decide(pair, 'approved', input.comment.trim(), user);
  }

  reject(ctx: CallContext, input: ParsedInput<'pairs.reject'>): Pair {
    const user = signedIn(ctx);
    const pair = this.current(user, 'pair.reject', input.id, input.version, ['review']);
    if (input.comment.trim() === '') throw new AppError('approval.commentRequired');
    return this.decide(pair, 'rejected', input.comment.trim(), user);
  }

  /** Queues an approved pair: one delivery per target account, both languages at the same time. */
  schedule(ctx: CallContext, input: ParsedInput<'pairs.schedule'>): Pair {
    const user = signedIn(ctx);
    const pair = this.current(user, 'pair.schedule', input.id, input.version, ['approved']);
    this.validate(pair);
    this.enforceChecks(pair, user, 'pair.schedule');
    const now = this.clock.now();
    let scheduledAt = now;
    if (input.when === 'at') {
      if (!input.scheduledAt) throw new AppError('schedule.invalid');
      const at = Date.parse(input.scheduledAt);
      if (at < now - pastTolerance) throw new AppError('schedule.inPast');
      scheduledAt = Math.max(at, now);
    }
    const channels = pair.channelIds.map((id) => this.accounts.get(id)!);
    this.db.transaction(() => {
      const delivery = this.db.prepare(
        `INSERT INTO delivery (id, pair_id, account_id, lang, status, next_attempt_at)
         VALUES (?, ?, ?, ?, 'pending', ?)`,
      );
      for (const channel of channels) {
        delivery.run(randomUUID(), pair.id, channel.en.id, 'en', scheduledAt);
        delivery.run(randomUUID(), pair.id, channel.fr.id, 'fr', scheduledAt);
      }
      this.db
        .prepare("UPDATE post_pair SET status = 'scheduled', scheduled_at = ?, scheduled_by = ?, updated_at = ? WHERE id = ?")
        .run(scheduledAt, user.username, now, pair.id);
      this.audit.append(user.username, 'pair.scheduled', pair.id, {
        at: new Date(scheduledAt).toISOString(),
        now: input.when === 'now',
        version: pair.version,
      });
    })();
    return this.get(pair.id)!;
  }

  cancel(ctx: CallContext, id: string): Pair {
    const user = signedIn(ctx);
    const pair = this.authorized(user, 'pair.cancel', id);
    if (!cancellable.includes(pair.status)) throw new AppError('pair.notCancellable');
    this.db.transaction(() => {
      // Re-checked inside the transaction: the publisher may have claimed a delivery meanwhile.
      const claimed = this.db
        .prepare("SELECT 1 FROM delivery WHERE pair_id = ? AND status NOT IN ('pending', 'cancelled', 'held', 'failed')")
        .get(id);
      if (claimed) throw new AppError('pair.notCancellable');
      this.db.prepare("UPDATE delivery SET status = 'cancelled', next_attempt_at = NULL WHERE pair_id = ?").run(id);
      this.setStatus(id, 'cancelled');
      this.audit.append(user.username, 'pair.cancelled', id, { from: pair.status });
    })();
    return this.get(id)!;
  }

  /** Sends again whatever failed; what was sent stays sent. */
  retry(ctx: CallContext, id: string): Pair {
    const user = signedIn(ctx);
    const pair = this.authorized(user, 'pair.retry', id);
    if (pair.status !== 'failed' && pair.status !== 'partial') throw new AppError('pair.notRetryable');
    const now = this.clock.now();
    this.db.transaction(() => {
      // A side that may have reached the platform is checked there before it is sent again,
      // except one Tandem could not check (too many recent posts): the message asked the person
      // to look at the account first, and retrying is their word that the post is not there.
      const changed = this.db
        .prepare(
          `UPDATE delivery SET status = CASE
             WHEN claimed_at IS NULL OR json_extract(last_error, '$.code') = 'platform.lookupIncomplete' THEN 'pending'
             ELSE 'checking' END,
           lookups = 0, next_attempt_at = ?, last_error = NULL WHERE pair_id = ? AND status = 'failed'`,
        )
        .run(now, id).changes;
      if (changed === 0) throw new AppError('pair.notRetryable');
      this.setStatus(id, 'publishing');
      this.audit.append(user.username, 'pair.retried', id, { deliveries: changed });
    })();
    return this.get(id)!;
  }

  /**
   * Sends a held pair now: one that missed its time while Tandem was closed or asleep (a person
   * confirms it is still worth publishing), or whose account has been re-authorised.
   */
  release(ctx: CallContext, input: ParsedInput<'pairs.release'>): Pair {
    const user = signedIn(ctx);
    const pair = this.current(user, 'pair.release', input.id, input.version, ['held', 'partial']);
    const held = pair.deliveries.filter((d) => d.status === 'held');
    if (held.length === 0) throw new AppError('pair.notRetryable');
    for (const delivery of held) {
      const status = this.db.prepare('SELECT status FROM account WHERE id = ?').pluck().get(delivery.accountId);
      if (status === 'needs_reauth') throw new AppError('account.unauthorized', { lang: delivery.lang, platform: delivery.platform });
    }
    const now = this.clock.now();
    const late = held.some((d) => d.lastError?.code === 'schedule.missed');
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE delivery SET status = CASE WHEN claimed_at IS NULL THEN 'pending' ELSE 'checking' END,
           lookups = 0, next_attempt_at = ?, last_error = NULL WHERE pair_id = ? AND status = 'held'`,
        )
        .run(now, pair.id);
      this.setStatus(pair.id, derivePairStatus(this.deliveryRows(pair.id).map((d) => d.status)));
      this.audit.append(user.username, 'pair.released', pair.id, {
        late,
        originallyScheduledAt: pair.scheduledAt,
      });
    })();
    return this.get(pair.id)!;
  }

  setStatus(id: string, status: PairStatus): void {
    this.db.prepare('UPDATE post_pair SET status = ?, updated_at = ? WHERE id = ?').run(status, this.clock.now(), id);
  }

  /** Newest first; with `visible`, only pairs whose every account pair is in it. */
  list(limit = 50, visible: Set<string> | null = null): Pair[] {
    const rows = (
      visible === null ? this.statements.page.all(limit) : this.statements.visiblePage.all(JSON.stringify([...visible]), limit)
    ) as PairRow[];
    const details = pairDetails(this.db, rows.map((row) => row.id));
    return rows.map((row) => this.toPair(row, details.get(row.id)!));
  }

  /** Of these pairs, those whose every account pair is in `visible` (null: all), in the same order. */
  visibleAmong(pairIds: readonly string[], visible: Set<string> | null): string[] {
    const unique = [...new Set(pairIds)];
    if (visible === null || unique.length === 0) return unique;
    const rows = this.statements.channelsOf.all(JSON.stringify(unique)) as { pair_id: string; channel_id: string }[];
    const hidden = new Set(rows.filter((r) => !visible.has(r.channel_id)).map((r) => r.pair_id));
    const known = new Set(rows.map((r) => r.pair_id));
    return unique.filter((id) => known.has(id) && !hidden.has(id));
  }

  get(id: string): Pair | undefined {
    const row = this.statements.byId.get(id) as PairRow | undefined;
    return row && this.toPair(row, pairDetails(this.db, [row.id]).get(row.id)!);
  }

  deliveryRows(pairId: string): DeliveryRow[] {
    return this.statements.deliveries.all(pairId) as DeliveryRow[];
  }


  /**
   * The pair, once the user is known to see it and to hold the role for this action on every
   * one of its account pairs. A pair they cannot see is unknown to them, exactly as one that does
   * not exist: its version, status and existence are never told before the role check.
   */
  private authorized(user: User, action: Action, id: string): Pair {
    const pair = this.get(id);
    const visible = this.users.visibleChannels(user);
    if (!pair || (visible !== null && !pair.channelIds.every((c) => visible.has(c)))) {
      this.audit.append(user.username, 'permission.denied', id, { action, reason: 'notVisible' });
      throw new AppError('pair.unknown');
    }
    this.users.authorize(user, action, pair.channelIds, pair.id);
    return pair;
  }

  /** The pair as the user last saw it, in a state where the action makes sense, after the role check. */
  private current(user: User, action: Action, id: string, version: number, states: PairStatus[]): Pair {
    const pair = this.authorized(user, action, id);
    if (pair.version !== version) throw new AppError('pair.stale');
    if (!states.includes(pair.status)) throw new AppError('pair.wrongState', { status: pair.status });
    return pair;
  }

  /** Both sides, on every target account, against that account's own limits: text and images. */
  private validate(pair: Pair): void {
    for (const channelId of pair.channelIds) {
      const channel = this.accounts.get(channelId);
      const adapter = channel && this.adapters.get(channel.platform);
      if (!channel || !adapter) throw new AppError('channel.unknown', { id: channelId });
      for (const lang of ['en', 'fr'] as const) {
        const text = lang === 'en' ? pair.enText : pair.frText;
        const [problem] = adapter.validate(channel[lang].limits, lang, text, sideMedia(pair.media, lang));
        if (problem) throw new AppError(problem.code, { ...problem.params, platform: channel.platform });
      }
    }
  }

  /** Records that the user wrote or edited these languages of the pair (inside its transaction). */
  private recordWriter(pairId: string, languages: readonly Lang[], user: User, at: number): void {
    for (const lang of languages) this.statements.recordWriter.run(pairId, lang, user.username, at, at);
  }

  private transition(pair: Pair, to: PairStatus, user: User, action: AuditAction): Pair {
    this.db.transaction(() => {
      this.setStatus(pair.id, to);
      this.audit.append(user.username, action, pair.id, { from: pair.status, version: pair.version });
    })();
    return this.get(pair.id)!;
  }

  private decide(pair: Pair, decision: 'approved' | 'rejected', comment: string, user: User): Pair {
    const id = randomUUID();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO approval (id, pair_id, pair_version, decision, by_user, comment, en_text, fr_text, media, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, pair.id, pair.version, decision, user.username, comment, pair.enText, pair.frText, mediaEvidence(pair), this.clock.now());
      this.setStatus(pair.id, decision === 'approved' ? 'approved' : 'translation');
      this.audit.append(user.username, decision === 'approved' ? 'pair.approved' : 'pair.rejected', pair.id, {
        approval: id,
        version: pair.version,
        comment,
      });
    })();
    return this.get(pair.id)!;
  }

  /** Only deliveries never attempted can be withdrawn: an attempted one may already be live. */
  private withdrawDeliveries(pairId: string): void {
    const attempted = this.db
      .prepare(
        "SELECT 1 FROM delivery WHERE pair_id = ? AND (claimed_at IS NOT NULL OR status IN ('sending', 'checking', 'retrying', 'sent'))",
      )
      .get(pairId);
    if (attempted) throw new AppError('pair.wrongState', { status: 'publishing' });
    this.db.prepare('DELETE FROM delivery WHERE pair_id = ?').run(pairId);
  }

  private toPair(row: PairRow, details: PairDetails): Pair {
    const deliveries = details.deliveries.map(toDelivery);
    const channelIds = details.channelIds;
    const sentTimes = deliveries.map((d) => (d.sentAt ? Date.parse(d.sentAt) : null));
    const allSent = deliveries.length > 0 && sentTimes.every((t) => t !== null);
    const times = sentTimes.filter((t): t is number => t !== null);
    const decisions = details.decisions;
    const latest = decisions[0];
    const approval = decisions.find((d) => d.decision === 'approved' && d.pair_version === row.version);
    const writers = details.writers;
    const writtenBy = { en: writers.filter((w) => w.lang === 'en').map((w) => w.username), fr: writers.filter((w) => w.lang === 'fr').map((w) => w.username) };
    const others = [...new Set([...writtenBy.en, ...writtenBy.fr])].filter((name) => name !== row.created_by);
    return {
      id: row.id,
      enText: row.en_text,
      frText: row.fr_text,
      media: details.media,
      status: row.status,
      scheduledAt: iso(row.scheduled_at),
      authorTz: row.author_tz,
      createdBy: row.created_by,
      translatedBy: others.length > 0 ? others.join(', ') : null,
      writtenBy,
      scheduledBy: row.scheduled_by,
      approval: approval && approvedStates.includes(row.status) ? toApproval(approval) : null,
      rejection: latest?.decision === 'rejected' && row.status === 'translation' ? toApproval(latest) : null,
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at)!,
      version: row.version,
      channelIds,
      deliveries,
      skewMs: allSent ? Math.max(...times) - Math.min(...times) : null,
    };
  }
}

function prepareStatements(db: Db) {
  return {
    deliveries: db.prepare(
      `SELECT d.*, a.handle, a.platform FROM delivery d JOIN account a ON a.id = d.account_id
       WHERE d.pair_id = ? ORDER BY d.lang, a.handle`,
    ),
    byId: db.prepare('SELECT * FROM post_pair WHERE id = ?'),
    channelsOf: db.prepare('SELECT pair_id, channel_id FROM pair_channel WHERE pair_id IN (SELECT value FROM json_each(?))'),
    recordWriter: db.prepare(
      `INSERT INTO pair_author (pair_id, lang, username, first_at, last_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (pair_id, lang, username) DO UPDATE SET last_at = excluded.last_at`,
    ),
    page: db.prepare('SELECT * FROM post_pair ORDER BY created_at DESC, id LIMIT ?'),
    visiblePage: db.prepare(
      `SELECT p.* FROM post_pair p WHERE NOT EXISTS (
         SELECT 1 FROM pair_channel pc WHERE pc.pair_id = p.id AND pc.channel_id NOT IN (SELECT value FROM json_each(?)))
       ORDER BY p.created_at DESC, p.id LIMIT ?`,
    ),
  };
}

const cancellable: PairStatus[] = ['draft', 'translation', 'review', 'approved', 'scheduled', 'held', 'failed'];
const approvedStates: PairStatus[] = ['approved', 'scheduled', 'publishing', 'published', 'partial', 'held', 'failed'];


const langs = ['en', 'fr'] as const;

type MediaInput = ParsedInput<'pairs.create'>['media'];

function pairMediaInput(pair: Pair): MediaInput {
  return pair.media.map((m) => ({ en: m.en.id, fr: m.fr.id, altEn: m.altEn, altFr: m.altFr }));
}

/** One language's images as that language's readers get them: files in order, with their alt text. */
function side(media: MediaInput, lang: Lang): string[] {
  return media.map((m) => (lang === 'en' ? `${m.en}\n${m.altEn.trim()}` : `${m.fr}\n${m.altFr.trim()}`));
}

function sameSide(a: MediaInput, b: MediaInput, lang: Lang): boolean {
  const [x, y] = [side(a, lang), side(b, lang)];
  return x.length === y.length && x.every((item, i) => item === y[i]);
}

/** Whether a new pair has anything written in this language: text or alt text. */
function sideWritten(text: string, media: MediaInput, lang: Lang): boolean {
  return text.trim() !== '' || media.some((m) => (lang === 'en' ? m.altEn : m.altFr).trim() !== '');
}

/** What an approval covered of the images: which files, with which alt text, in order. */
function mediaEvidence(pair: Pair): string {
  return JSON.stringify(pair.media.map((m) => ({ en: m.en.id, fr: m.fr.id, altEn: m.altEn, altFr: m.altFr })));
}

function toApproval(row: ApprovalRow): Approval {
  return { decision: row.decision, by: row.by_user, at: iso(row.at)!, comment: row.comment, version: row.pair_version };
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
