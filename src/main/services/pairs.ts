// Bilingual post pairs: the unit of work, and their workflow:
// draft -> translation -> review -> approved -> scheduled -> (publishing) -> published,
// with cancelled, failed and partial. Every step checks the actor's role in main.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql';
import {
  accountStatus,
  anyDeliveryAttempted,
  anyDeliveryClaimed,
  approvalOf,
  cancelDeliveries,
  carryApproval,
  channelsOfPairs,
  deleteDeliveries,
  editPair,
  getPair,
  getPairs,
  insertDecision,
  insertDeliveries,
  insertPair,
  listPairs,
  moveDeliveries,
  movePair,
  pairDeliveries,
  previousDecision,
  pairState,
  recordWriters,
  releaseHeldDeliveries,
  reschedulePair,
  retryFailedDeliveries,
  schedulePair,
  setPairStatuses,
  type DeliveryRow,
  type NewDelivery,
} from '../db/pairs';
import type { Clock } from '../clock';
import type { DeliveryStatus, Lang, Pair, PairStatus, Platform, User } from '../../shared/domain';
import { pairStatuses, type PairPage, type PairReview, type ParsedInput, type Waiting } from '../../shared/contract';
import { queryPairs } from '../db/queue';
import { waitingLists } from '../db/waiting';
import { abilities, readCursor, waitingScopes, writeCursor, type QueueSort } from './pairMatch';
import type { PlatformAdapter } from '../platforms/types';
import type { MediaService } from './media';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import { canPerform, type Action } from '../../shared/permissions';
import type { AuditLog } from './audit';
import type { AccountService } from './accounts';
import type { UserService } from './users';
import type { AuditAction } from '../../shared/audit-actions';
import { blocking, runChecks, type CheckSettings, type Finding } from '../../shared/checks';
import { sideMedia } from '../../shared/limits';

/** A schedule up to this far in the past is taken as "now" (clock skew, slow typing). */
const pastTolerance = 60_000;

export type { DeliveryRow } from '../db/pairs';

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
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly users: UserService,
    private readonly adapters: ReadonlyMap<Platform, PlatformAdapter>,
    private readonly audit: AuditLog,
    private readonly checkSettings: () => CheckSettings | Promise<CheckSettings>,
    private readonly media: MediaService,
  ) {}

  /**
   * Results of the checks by what they read (both texts, the images' alt text, the settings): the
   * checks are pure, so a pair approved and scheduled here is not checked again when it is due.
   * Pairs due together then go out as fast as they can be sent (the burst the bench measures).
   */
  private readonly checked = new Map<string, Finding[]>();
  private static readonly checkedLimit = 5_000;

  /** The check settings as they are now (a publisher's round reads them once for all its pairs). */
  async currentCheckSettings(): Promise<CheckSettings> {
    return this.checkSettings();
  }

  /** Content checks set to block, for the pair as it stands (under these settings, else the current ones). */
  async blockingFindings(pair: Pick<Pair, 'enText' | 'frText' | 'media'>, given?: CheckSettings): Promise<Finding[]> {
    const settings = given ?? (await this.checkSettings());
    const key = JSON.stringify([pair.enText, pair.frText, pair.media, settings]);
    let found = this.checked.get(key);
    if (found === undefined) {
      found = blocking(runChecks({ en: pair.enText, fr: pair.frText }, settings, pair.media));
      if (this.checked.size >= PairService.checkedLimit) this.checked.delete(this.checked.keys().next().value!);
    } else this.checked.delete(key);
    // Most recently used last: the oldest entry is the one dropped.
    this.checked.set(key, found);
    return found;
  }

  private async enforceChecks(pair: Pair, user: User, action: string): Promise<void> {
    const blocks = await this.blockingFindings(pair);
    if (blocks.length === 0) return;
    const first = blocks[0]!;
    await this.audit.append(user.username, 'checks.blocked', pair.id, { action, checks: blocks.map((b) => b.check) });
    throw new AppError('checks.blocked', { check: first.check, count: blocks.length });
  }

  /** A new pair starts as a draft; either language may still be empty. */
  async create(ctx: CallContext, input: ParsedInput<'pairs.create'>): Promise<Pair> {
    const user = signedIn(ctx);
    if (input.channelIds.length === 0) throw new AppError('channel.none');
    const channelIds = [...new Set(input.channelIds)];
    for (const id of channelIds) if (!(await this.accounts.get(id))) throw new AppError('channel.unknown', { id });
    await this.users.authorize(user, 'pair.create', channelIds, 'pair:new');
    const now = this.clock.now();
    // A desk that drafted the pair offline chose its id; anyone's pair with that id already stops it.
    const id = input.id ?? randomUUID();
    if (input.id !== undefined && (await this.get(input.id))) throw new AppError('pair.exists');
    const written = langs.filter((lang) => sideWritten(lang === 'en' ? input.enText : input.frText, input.media, lang));
    await this.sql.tx(async () => {
      await insertPair(this.sql, {
        id,
        enText: input.enText,
        frText: input.frText,
        authorTz: input.authorTz,
        createdBy: user.username,
        channelIds,
        at: now,
      });
      await this.media.setForPair(id, input.media);
      await recordWriters(this.sql, id, written, user.username, now);
      await this.audit.append(user.username, 'pair.created', id, { channels: channelIds, version: 1, images: input.media.length, languages: written });
    });
    return (await this.get(id))!;
  }

  /**
   * Edits the text. Editing an approved or scheduled pair withdraws the approval (and any
   * deliveries not yet sent) and sends the pair back to review.
   */
  async update(ctx: CallContext, input: ParsedInput<'pairs.update'>): Promise<Pair> {
    const user = signedIn(ctx);
    const states: PairStatus[] = ['draft', 'translation', 'review', 'approved', 'scheduled', 'held', 'failed'];
    const pair = await this.current(user, 'pair.edit', input.id, input.version, states);
    const media = input.media ?? pairMediaInput(pair);
    const mediaChanged = !(await this.media.same(pair.media, media));
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
    await this.sql.tx(async () => {
      if (backToReview) await this.withdrawDeliveries(pair.id);
      const edited = await editPair(this.sql, pair.id, { status: pair.status, version: pair.version }, {
        enText: input.enText,
        frText: input.frText,
        status: backToReview ? 'review' : pair.status,
        clearSchedule: backToReview,
        by: user.username,
        at: this.clock.now(),
      });
      if (!edited) throw await this.moved(pair, true, states, (status) => new AppError('pair.wrongState', { status }));
      if (mediaChanged) await this.media.setForPair(pair.id, media);
      await recordWriters(this.sql, pair.id, written, user.username, this.clock.now());
      await this.audit.append(user.username, pair.status === 'translation' ? 'pair.translated' : 'pair.edited', pair.id, {
        languages: changed,
        version: pair.version + 1,
        backToReview,
      });
    });
    return (await this.get(pair.id))!;
  }

  async requestTranslation(ctx: CallContext, input: ParsedInput<'pairs.requestTranslation'>): Promise<Pair> {
    const user = signedIn(ctx);
    const states: PairStatus[] = ['draft'];
    const pair = await this.current(user, 'pair.requestTranslation', input.id, input.version, states);
    return this.transition(pair, states, 'translation', user, 'pair.translationRequested');
  }

  /** Both languages must be complete and within every target platform's limits. */
  async submitForReview(ctx: CallContext, input: ParsedInput<'pairs.submitForReview'>): Promise<Pair> {
    const user = signedIn(ctx);
    const states: PairStatus[] = ['draft', 'translation'];
    const pair = await this.current(user, 'pair.submitForReview', input.id, input.version, states);
    await this.validate(pair);
    return this.transition(pair, states, 'review', user, 'pair.submitted');
  }

  /** Approval covers this version of both languages, as a unit, and is kept as evidence. */
  async approve(ctx: CallContext, input: ParsedInput<'pairs.approve'>): Promise<Pair> {
    const user = signedIn(ctx);
    const pair = await this.current(user, 'pair.approve', input.id, input.version, ['review']);
    // Nobody approves text they wrote: whoever created the pair, or wrote or edited either language.
    const wroteIt = pair.createdBy === user.username || langs.some((lang) => pair.writtenBy[lang].includes(user.username));
    if (wroteIt && !(await this.allAllowSelfApproval(pair.channelIds))) {
      await this.audit.append(user.username, 'permission.denied', pair.id, { action: 'pair.approve', reason: 'selfApproval' });
      throw new AppError('approval.selfNotAllowed');
    }
    await this.validate(pair);
    await this.enforceChecks(pair, user, 'pair.approve');
    return this.decide(pair, 'approved', input.comment.trim(), user);
  }

  async reject(ctx: CallContext, input: ParsedInput<'pairs.reject'>): Promise<Pair> {
    const user = signedIn(ctx);
    const pair = await this.current(user, 'pair.reject', input.id, input.version, ['review']);
    if (input.comment.trim() === '') throw new AppError('approval.commentRequired');
    return this.decide(pair, 'rejected', input.comment.trim(), user);
  }

  /** Queues an approved pair: one delivery per target account, both languages at the same time. */
  async schedule(ctx: CallContext, input: ParsedInput<'pairs.schedule'>): Promise<Pair> {
    const user = signedIn(ctx);
    const states: PairStatus[] = ['approved'];
    const pair = await this.current(user, 'pair.schedule', input.id, input.version, states);
    await this.validate(pair);
    await this.enforceChecks(pair, user, 'pair.schedule');
    const now = this.clock.now();
    let scheduledAt = now;
    if (input.when === 'at') {
      if (!input.scheduledAt) throw new AppError('schedule.invalid');
      const at = Date.parse(input.scheduledAt);
      if (at < now - pastTolerance) throw new AppError('schedule.inPast');
      scheduledAt = Math.max(at, now);
    }
    const deliveries: NewDelivery[] = [];
    for (const id of pair.channelIds) {
      const channel = (await this.accounts.get(id))!;
      deliveries.push({ id: randomUUID(), accountId: channel.en.id, lang: 'en' }, { id: randomUUID(), accountId: channel.fr.id, lang: 'fr' });
    }
    await this.sql.tx(async () => {
      // The pair first: a second schedule of the same version finds it scheduled and adds nothing.
      const scheduled = await schedulePair(this.sql, pair.id, { status: pair.status, version: pair.version }, scheduledAt, user.username, now);
      if (!scheduled) throw await this.moved(pair, true, states, (status) => new AppError('pair.wrongState', { status }));
      await insertDeliveries(this.sql, pair.id, deliveries, scheduledAt);
      await this.audit.append(user.username, 'pair.scheduled', pair.id, {
        at: new Date(scheduledAt).toISOString(),
        now: input.when === 'now',
        version: pair.version,
      });
    });
    return (await this.get(pair.id))!;
  }

  async cancel(ctx: CallContext, id: string): Promise<Pair> {
    const user = signedIn(ctx);
    const pair = await this.authorized(user, 'pair.cancel', id);
    if (!cancellable.includes(pair.status)) throw new AppError('pair.notCancellable');
    await this.sql.tx(async () => {
      // Re-checked inside the transaction: the publisher may have claimed a delivery meanwhile.
      if (await anyDeliveryClaimed(this.sql, id)) throw new AppError('pair.notCancellable');
      await cancelDeliveries(this.sql, id);
      if (!(await movePair(this.sql, id, { status: pair.status }, 'cancelled', this.clock.now()))) {
        throw await this.moved(pair, false, cancellable, () => new AppError('pair.notCancellable'));
      }
      await this.audit.append(user.username, 'pair.cancelled', id, { from: pair.status });
    });
    return (await this.get(id))!;
  }

  /** Sends again whatever failed; what was sent stays sent. */
  async retry(ctx: CallContext, id: string): Promise<Pair> {
    const user = signedIn(ctx);
    const pair = await this.authorized(user, 'pair.retry', id);
    const retryable: PairStatus[] = ['failed', 'partial'];
    if (!retryable.includes(pair.status)) throw new AppError('pair.notRetryable');
    const now = this.clock.now();
    await this.sql.tx(async () => {
      // A side that may have reached the platform is checked there before it is sent again,
      // except one Tandem could not check (too many recent posts): the message asked the person
      // to look at the account first, and retrying is their word that the post is not there.
      const changed = await retryFailedDeliveries(this.sql, id, now);
      if (changed === 0) throw new AppError('pair.notRetryable');
      if (!(await movePair(this.sql, id, { status: pair.status }, 'publishing', this.clock.now()))) {
        throw await this.moved(pair, false, retryable, () => new AppError('pair.notRetryable'));
      }
      await this.audit.append(user.username, 'pair.retried', id, { deliveries: changed });
    });
    return (await this.get(id))!;
  }

  /**
   * Sends a held pair now: one that missed its time while Tandem was closed or asleep (a person
   * confirms it is still worth publishing), or whose account has been re-authorised.
   */
  async release(ctx: CallContext, input: ParsedInput<'pairs.release'>): Promise<Pair> {
    const user = signedIn(ctx);
    const states: PairStatus[] = ['held', 'partial'];
    const pair = await this.current(user, 'pair.release', input.id, input.version, states);
    const held = pair.deliveries.filter((d) => d.status === 'held');
    if (held.length === 0) throw new AppError('pair.notRetryable');
    for (const delivery of held) {
      const status = await accountStatus(this.sql, delivery.accountId);
      if (status === 'needs_reauth') throw new AppError('account.unauthorized', { lang: delivery.lang, platform: delivery.platform });
    }
    const now = this.clock.now();
    const late = held.some((d) => d.lastError?.code === 'schedule.missed');
    await this.sql.tx(async () => {
      await releaseHeldDeliveries(this.sql, pair.id, now);
      const status = derivePairStatus((await this.deliveryRows(pair.id)).map((d) => d.status));
      if (!(await movePair(this.sql, pair.id, { status: pair.status, version: pair.version }, status, this.clock.now()))) {
        throw await this.moved(pair, true, states, (current) => new AppError('pair.wrongState', { status: current }));
      }
      await this.audit.append(user.username, 'pair.released', pair.id, {
        late,
        originallyScheduledAt: pair.scheduledAt,
      });
    });
    return (await this.get(pair.id))!;
  }

  /**
   * A publisher moves a scheduled pair, none of whose sides was attempted yet, to another time.
   *
   * The approval stays in force: only the time changed, not what was approved. The time change is
   * still a new version, so optimistic concurrency stays honest for everyone else: a caller who
   * read the pair before (another publisher rescheduling it or about to, an editor) gets
   * `pair.stale` and sees the new time, instead of silently overwriting a move they never saw.
   * The approval of the version before is therefore carried to the new one: recorded again for it
   * (db/pairs.ts `carryApproval`) with the same approver, time, comment and evidence — texts and
   * images, which a reschedule cannot change — and the audit event names both approvals.
   */
  async reschedule(ctx: CallContext, input: ParsedInput<'pairs.reschedule'>): Promise<Pair> {
    const user = signedIn(ctx);
    const states: PairStatus[] = ['scheduled'];
    const pair = await this.current(user, 'pair.reschedule', input.id, input.version, states);
    const now = this.clock.now();
    const at = Date.parse(input.scheduledAt);
    if (at < now - pastTolerance) throw new AppError('schedule.inPast');
    const scheduledAt = Math.max(at, now);
    await this.sql.tx(async () => {
      // The pair first: a second reschedule of the same version finds a newer one and changes nothing.
      if (!(await reschedulePair(this.sql, pair.id, pair.version, scheduledAt, user.username, now))) {
        throw await this.moved(pair, true, states, (status) => new AppError('pair.wrongState', { status }));
      }
      // A side the publisher took up (or holds now) may already be live: it is too late to move.
      if (!(await moveDeliveries(this.sql, pair.id, scheduledAt, now))) throw new AppError('pair.wrongState', { status: 'publishing' });
      const approvedAs = await approvalOf(this.sql, pair.id, pair.version);
      const carried = randomUUID();
      if (approvedAs === undefined || !(await carryApproval(this.sql, pair.id, pair.version, pair.version + 1, carried))) {
        throw new AppError('pair.wrongState', { status: pair.status });
      }
      await this.audit.append(user.username, 'pair.rescheduled', pair.id, {
        from: pair.scheduledAt,
        to: new Date(scheduledAt).toISOString(),
        version: pair.version + 1,
        carriedFrom: pair.version,
        approval: carried,
        carriedApproval: approvedAs,
      });
    });
    return (await this.get(pair.id))!;
  }

  /**
   * A new draft from any pair the caller may see: the same texts, images with their alt text, and
   * those of its account pairs the caller may still draft for (none: the usual refusal, saying why).
   * The writers of the source's texts are recorded as writers of the copy: their text stays theirs,
   * so none of them approves it unless self-approval allows (the rule of `approve`).
   */
  async duplicate(ctx: CallContext, id: string): Promise<Pair> {
    const user = signedIn(ctx);
    const source = await this.visible(user, id);
    const grants = await this.users.grantsOf(user.id);
    const now = this.clock.now();
    const drafting = source.channelIds.filter((c) => canPerform(grants, 'pair.create', [c], now));
    if (drafting.length === 0) await this.users.authorize(user, 'pair.create', source.channelIds, 'pair:new');
    const copy = randomUUID();
    await this.sql.tx(async () => {
      await insertPair(this.sql, {
        id: copy,
        enText: source.enText,
        frText: source.frText,
        authorTz: source.authorTz,
        createdBy: user.username,
        channelIds: drafting,
        at: now,
      });
      await this.media.setForPair(copy, pairMediaInput(source));
      for (const lang of langs) for (const writer of source.writtenBy[lang]) await recordWriters(this.sql, copy, [lang], writer, now);
      await this.audit.append(user.username, 'pair.duplicated', copy, {
        from: source.id,
        fromVersion: source.version,
        channels: drafting,
        version: 1,
        images: source.media.length,
      });
    });
    return (await this.get(copy))!;
  }

  /**
   * One pair as the review screen shows it: the pair, the texts at the last decision on an earlier
   * version (the caller's own if they made one, else anyone's), and what the caller may do now.
   * A pair the caller may not see is answered as one that does not exist.
   */
  async open(ctx: CallContext, id: string): Promise<PairReview> {
    const user = signedIn(ctx);
    const pair = await this.visible(user, id);
    const [grants, decision, selfApproval, attempted] = await Promise.all([
      this.users.grantsOf(user.id),
      previousDecision(this.sql, pair.id, pair.version, user.username),
      this.allAllowSelfApproval(pair.channelIds),
      anyDeliveryAttempted(this.sql, pair.id),
    ]);
    return {
      pair,
      previous: decision
        ? {
            version: decision.pair_version,
            enText: decision.en_text,
            frText: decision.fr_text,
            decision: decision.decision,
            by: decision.by_user,
            at: new Date(Number(decision.at)).toISOString(),
          }
        : null,
      can: abilities(pair, { grants, username: user.username, now: this.clock.now(), selfApproval, attempted }),
    };
  }

  /** "Waiting for me": the five lists, each only where the caller holds an active role acting on it (db/waiting.ts). */
  async waiting(ctx: CallContext): Promise<Waiting> {
    const user = signedIn(ctx);
    const scopes = waitingScopes(await this.users.grantsOf(user.id), this.clock.now());
    return waitingLists(this.sql, user.username, scopes);
  }

  /** Newest first; with `visible`, only pairs whose every account pair is in it. */
  async list(limit = 50, visible: ReadonlySet<string> | null = null): Promise<Pair[]> {
    return listPairs(this.sql, limit, visible);
  }

  /**
   * The queue's question (contract `pairQuery`): a page of the pairs `visible` lets the caller see,
   * the cursor of the next, and counts per status of all that match (the status filter aside).
   * Everything is decided by the database (db/queue.ts).
   */
  async query(input: ParsedInput<'pairs.query'>, visible: ReadonlySet<string> | null): Promise<PairPage> {
    const from = input.from === undefined ? undefined : Date.parse(input.from);
    const to = input.to === undefined ? undefined : Date.parse(input.to);
    if (from !== undefined && to !== undefined && from > to) throw new AppError('input.invalid', { field: 'to' });
    const page = await queryPairs(
      this.sql,
      { ...input, from, to, after: input.after === undefined ? undefined : cursorOf(input.after, input.sort) },
      visible,
    );
    const counts = Object.fromEntries(pairStatuses.map((status) => [status, page.counts.get(status) ?? 0])) as Record<PairStatus, number>;
    return { pairs: page.pairs, next: page.last && writeCursor(page.last, input.sort), counts };
  }

  /** Of these pairs, those whose every account pair is in `visible` (null: all), in the same order. */
  async visibleAmong(pairIds: readonly string[], visible: ReadonlySet<string> | null): Promise<string[]> {
    const unique = [...new Set(pairIds)];
    if (visible === null || unique.length === 0) return unique;
    const rows = await channelsOfPairs(this.sql, unique);
    const hidden = new Set(rows.filter((r) => !visible.has(r.channel_id)).map((r) => r.pair_id));
    const known = new Set(rows.map((r) => r.pair_id));
    return unique.filter((id) => known.has(id) && !hidden.has(id));
  }

  async get(id: string): Promise<Pair | undefined> {
    return getPair(this.sql, id);
  }

  /** Many pairs by id in a fixed number of queries (the publisher's round); unknown ids are missing. */
  async getMany(ids: readonly string[]): Promise<Map<string, Pair>> {
    return getPairs(this.sql, ids);
  }

  /** Sets the status of many pairs (the publisher's round), one statement per status. */
  async setStatuses(statuses: ReadonlyMap<string, PairStatus>): Promise<void> {
    if (statuses.size > 0) await setPairStatuses(this.sql, statuses, this.clock.now());
  }

  async deliveryRows(pairId: string): Promise<DeliveryRow[]> {
    return pairDeliveries(this.sql, pairId);
  }


  /**
   * The pair, once the user is known to see it and to hold the role for this action on every
   * one of its account pairs. A pair they cannot see is unknown to them, exactly as one that does
   * not exist: its version, status and existence are never told before the role check.
   */
  private async authorized(user: User, action: Action, id: string): Promise<Pair> {
    const pair = await this.get(id);
    const visible = await this.users.visibleChannels(user);
    if (!pair || (visible !== null && !pair.channelIds.every((c) => visible.has(c)))) {
      await this.audit.append(user.username, 'permission.denied', id, { action, reason: 'notVisible' });
      throw new AppError('pair.unknown');
    }
    await this.users.authorize(user, action, pair.channelIds, pair.id);
    return pair;
  }

  /** The pair, once the user is known to see it (every one of its account pairs); else unknown, as one that does not exist. */
  private async visible(user: User, id: string): Promise<Pair> {
    const pair = await this.get(id);
    const visible = await this.users.visibleChannels(user);
    if (!pair || (visible !== null && !pair.channelIds.every((c) => visible.has(c)))) throw new AppError('pair.unknown');
    return pair;
  }

  /** The pair as the user last saw it, in a state where the action makes sense, after the role check. */
  private async current(user: User, action: Action, id: string, version: number, states: PairStatus[]): Promise<Pair> {
    const pair = await this.authorized(user, action, id);
    if (pair.version !== version) throw new AppError('pair.stale');
    if (!states.includes(pair.status)) throw new AppError('pair.wrongState', { status: pair.status });
    return pair;
  }

  /**
   * Why a step's write found the pair no longer as it was read (another call or the publisher
   * changed it in between): the answer the call would have had, had it come after that change.
   * With `byVersion`, a new version is `pair.stale` as in `current`; a status the step no longer
   * applies to is `wrongState`'s; anything else changed under the step is `pair.stale`.
   */
  private async moved(
    pair: Pair,
    byVersion: boolean,
    states: readonly PairStatus[],
    wrongState: (status: PairStatus) => AppError,
  ): Promise<AppError> {
    const now = await pairState(this.sql, pair.id);
    if (!now || (byVersion && now.version !== pair.version)) return new AppError('pair.stale');
    if (!states.includes(now.status)) return wrongState(now.status);
    return new AppError('pair.stale');
  }

  /** Whether every one of these account pairs lets a writer approve their own text. */
  private async allAllowSelfApproval(channelIds: readonly string[]): Promise<boolean> {
    for (const id of channelIds) if (!(await this.accounts.get(id))?.allowSelfApproval) return false;
    return true;
  }

  /** Both sides, on every target account, against that account's own limits: text and images. */
  private async validate(pair: Pair): Promise<void> {
    for (const channelId of pair.channelIds) {
      const channel = await this.accounts.get(channelId);
      const adapter = channel && this.adapters.get(channel.platform);
      if (!channel || !adapter) throw new AppError('channel.unknown', { id: channelId });
      for (const lang of ['en', 'fr'] as const) {
        const text = lang === 'en' ? pair.enText : pair.frText;
        const [problem] = adapter.validate(channel[lang].limits, lang, text, sideMedia(pair.media, lang));
        if (problem) throw new AppError(problem.code, { ...problem.params, platform: channel.platform });
      }
    }
  }

  private async transition(pair: Pair, states: readonly PairStatus[], to: PairStatus, user: User, action: AuditAction): Promise<Pair> {
    await this.sql.tx(async () => {
      if (!(await movePair(this.sql, pair.id, { status: pair.status, version: pair.version }, to, this.clock.now()))) {
        throw await this.moved(pair, true, states, (status) => new AppError('pair.wrongState', { status }));
      }
      await this.audit.append(user.username, action, pair.id, { from: pair.status, version: pair.version });
    });
    return (await this.get(pair.id))!;
  }

  private async decide(pair: Pair, decision: 'approved' | 'rejected', comment: string, user: User): Promise<Pair> {
    const id = randomUUID();
    await this.sql.tx(async () => {
      const to = decision === 'approved' ? 'approved' : 'translation';
      if (!(await movePair(this.sql, pair.id, { status: pair.status, version: pair.version }, to, this.clock.now()))) {
        throw await this.moved(pair, true, ['review'], (status) => new AppError('pair.wrongState', { status }));
      }
      await insertDecision(this.sql, {
        id,
        pairId: pair.id,
        pairVersion: pair.version,
        decision,
        by: user.username,
        comment,
        enText: pair.enText,
        frText: pair.frText,
        media: mediaEvidence(pair),
        at: this.clock.now(),
      });
      await this.audit.append(user.username, decision === 'approved' ? 'pair.approved' : 'pair.rejected', pair.id, {
        approval: id,
        version: pair.version,
        comment,
      });
    });
    return (await this.get(pair.id))!;
  }

  /** Only deliveries never attempted can be withdrawn: an attempted one may already be live. */
  private async withdrawDeliveries(pairId: string): Promise<void> {
    if (await anyDeliveryAttempted(this.sql, pairId)) throw new AppError('pair.wrongState', { status: 'publishing' });
    await deleteDeliveries(this.sql, pairId);
  }
}

const cancellable: PairStatus[] = ['draft', 'translation', 'review', 'approved', 'scheduled', 'held', 'failed'];


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

/** The caller's cursor for this sort; anything else is refused as bad input. */
function cursorOf(cursor: string, sort: QueueSort): { key: number; id: string } {
  const read = readCursor(cursor, sort);
  if (read === null) throw new AppError('input.invalid', { field: 'after' });
  return read;
}
