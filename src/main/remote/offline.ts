// A desk's work while its team workspace cannot be reached (issue 12, item 6), and what it keeps
// so that this is possible: a copy of the pairs its person may see (pulled from the workspace
// since a cursor), the last answers the app needs to show itself, and the outbox.
//
// Offline, drafting and translating go on: creating, editing, images and alt text, asking for a
// translation, submitting. Each change is applied to the copy at once (the person sees it) and
// queued in order, with the version it was made on and an id of its own. On reconnect each is sent
// once, in order; the id makes a retry after a lost answer harmless (services/sync.ts). A change
// someone else overtook (`pair.stale`) waits for the person to choose, theirs or mine, seeing
// both; a change the workspace refuses keeps its text. Nothing typed is dropped without the
// person saying so. Approving, scheduling, rescheduling, duplicating and publishing need the
// workspace. The queue (`pairs.query`), "Waiting for me" (`pairs.waiting`) and one pair
// (`pairs.open`) are answered from the copy by the services' own rules (services/pairMatch.ts).
import { createHash, randomUUID } from 'node:crypto';
import { type DeskStatus, type OutboxEntry, type ParsedInput, type Result, type SyncPage } from '../../shared/contract';
import type { Channel, ErrorInfo, MediaFile, Pair, PairMedia, User } from '../../shared/domain';
import type { PairReview } from '../../shared/contract';
import { abilities, platformsOf, queryAmong, readCursor, waitingAmong } from '../services/pairMatch';
import type { Method } from '../../shared/methods';
import { OfflineCopyStore, type OutboxRow } from '../db/offlineCopy';
import { parseInput } from '../services/input';
import { sniffImage } from '../media/image';
import { maxUploadBytes } from '../../shared/contract';
import type { Logger } from '../log';

export type OfflineMethod = OutboxEntry['method'];
export const offlineMethods: ReadonlySet<Method> = new Set<OfflineMethod>([
  'pairs.create',
  'pairs.update',
  'pairs.requestTranslation',
  'pairs.submitForReview',
  'media.upload',
]);

/** Reads answered offline with the workspace's last answer. */
const cachedReads: ReadonlySet<Method> = new Set<Method>([
  'session.current',
  'accounts.list',
  'users.list',
  'settings.get',
  'pii.requests',
  'storage.problem',
  'unsent.get',
]);

/** What the copy answers for itself offline (beside the cached reads and the queued changes). */
const localMethods: ReadonlySet<Method> = new Set<Method>([
  'pairs.list',
  'pairs.query',
  'pairs.waiting',
  'pairs.open',
  'media.read',
  'unsent.save',
  'unsent.clear',
]);

/** One call to the workspace: its answer, or null when it could not be reached. */
export type Send = (method: Method, input: unknown, mutationId?: string) => Promise<Result<unknown> | null>;

const offline: ErrorInfo = { code: 'workspace.offline' };
const fail = (error: ErrorInfo): Result<never> => ({ ok: false, error });
const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** Where flushing stopped. */
export type FlushOutcome = 'sent' | 'unreachable';

export class OfflineDesk {
  constructor(
    private readonly store: OfflineCopyStore,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The person the copy belongs to (the last one signed in here), if any. */
  get person(): User | null {
    const json = this.store.answer('session.current');
    return json === null ? null : ((JSON.parse(json) as { user: User | null }).user ?? null);
  }

  /** Keeps what the workspace answered, for offline use. */
  remember(method: Method, input: unknown, result: Result<unknown>): void {
    if (!result.ok) return;
    if (method === 'session.current') {
      const user = (result.value as { user: User | null }).user;
      // Another person on this desk: the copy was someone else's view; the outbox keeps its writer.
      if (user !== null && user.id !== this.store.meta('person')) {
        this.store.clearCopy();
        this.store.setMeta('person', user.id);
      }
    }
    if (cachedReads.has(method)) this.store.setAnswer(method, JSON.stringify(result.value));
    if (method === 'media.upload') {
      const file = result.value as MediaFile;
      this.store.setAnswer(`file:${file.id}`, JSON.stringify(file));
    }
    if (method === 'media.read') {
      const { id } = input as { id: string };
      const { mime, data } = result.value as { mime: string; data: string };
      this.store.putMedia(id, mime, Buffer.from(data, 'base64'));
    }
    if (isPairMethod(method)) this.storePairs([result.value as Pair]);
    // What changed since the last decision needs the texts decided on, which the copy does not hold.
    if (method === 'pairs.open') {
      const review = result.value as PairReview;
      this.store.setAnswer(`open:${review.pair.id}`, JSON.stringify({ version: review.pair.version, previous: review.previous }));
    }
  }

  /** Signed out here: the copy goes (it is that person's view); their outbox stays for their return. */
  forget(): void {
    this.store.clearCopy();
  }

  /** Answers a call without the workspace: from the copy, by queueing a change, or "needs the workspace". */
  answer(method: Method, rawInput: unknown, mutationId?: string): Result<unknown> {
    if (cachedReads.has(method)) {
      const json = this.store.answer(method);
      if (json !== null) return ok(JSON.parse(json));
      if (method === 'unsent.get') return ok(null);
      return fail(offline);
    }
    const person = this.person;
    if (!localMethods.has(method) && !offlineMethods.has(method)) return fail(offline);
    // Never synced here (a new desk, or the copy was just cleared): nothing to answer from.
    if (person === null) return fail({ code: 'workspace.unreachable' });
    const parsed = parseInput(method, rawInput);
    if (!parsed.ok) return parsed;
    const input: unknown = parsed.value;
    try {
      switch (method) {
        case 'pairs.list': {
          const { limit = 50 } = (input as ParsedInput<'pairs.list'>) ?? {};
          return ok(this.store.pairs(limit).map((json) => JSON.parse(json) as Pair));
        }
        case 'pairs.query': {
          const q = input as ParsedInput<'pairs.query'>;
          const from = q.from === undefined ? undefined : Date.parse(q.from);
          const to = q.to === undefined ? undefined : Date.parse(q.to);
          if (from !== undefined && to !== undefined && from > to) return fail({ code: 'input.invalid', params: { field: 'to' } });
          const after = q.after === undefined ? undefined : readCursor(q.after, q.sort);
          if (after === null) return fail({ code: 'input.invalid', params: { field: 'after' } });
          // Which platform each account pair is on is known from the account pairs as last listed.
          if (q.platform !== undefined && this.store.answer('accounts.list') === null) return fail(offline);
          return ok(queryAmong(this.copy(), { ...q, from, to, after }, platformsOf(this.channels())));
        }
        case 'pairs.waiting':
          return ok(waitingAmong(this.copy(), person.username, person.grants, this.now(), this.selfApproval()));
        case 'pairs.open': {
          const { id } = input as ParsedInput<'pairs.open'>;
          // The copy holds exactly the pairs the person may see: any other is unknown, as on the workspace.
          const json = this.store.pair(id);
          if (json === null) return fail({ code: 'pair.unknown' });
          const pair = JSON.parse(json) as Pair;
          const seen = this.store.answer(`open:${id}`);
          const last = seen === null ? null : (JSON.parse(seen) as { version: number; previous: PairReview['previous'] });
          const can = abilities(pair, {
            grants: person.grants,
            username: person.username,
            now: this.now(),
            selfApproval: this.selfApproval()(pair.channelIds),
            attempted: false,
          });
          // Editing goes on offline (queued); deciding, scheduling and duplicating need the workspace.
          const review: PairReview = {
            pair,
            previous: last !== null && last.version === pair.version ? last.previous : null,
            can: { ...can, approve: false, schedule: false, reschedule: false, duplicate: false },
          };
          return ok(review);
        }
        case 'media.read': {
          const file = this.store.media((input as ParsedInput<'media.read'>).id);
          return file ? ok({ mime: file.mime, data: file.data.toString('base64') }) : fail({ code: 'media.unknown' });
        }
        case 'unsent.save': {
          const saved = input as ParsedInput<'unsent.save'>;
          if (saved.owner !== person.id) return fail({ code: 'auth.required' });
          const media = this.mediaOf(saved.media);
          const unsent = { enText: saved.enText, frText: saved.frText, channelIds: saved.channelIds, media: media.kept, missingMedia: media.missing };
          this.store.setAnswer('unsent.get', JSON.stringify(unsent));
          return ok(null);
        }
        case 'unsent.clear':
          this.store.setAnswer('unsent.get', 'null');
          return ok(null);
        default:
          return this.queue(method as OfflineMethod, input, person, mutationId ?? randomUUID());
      }
    } catch (error) {
      if (error instanceof Refusal) return fail(error.info);
      throw error;
    }
  }

  /** Applies a change to the copy at once and queues it for the workspace. */
  private queue(method: OfflineMethod, input: unknown, person: User, mutationId: string): Result<unknown> {
    const at = this.now();
    if (method === 'media.upload') {
      const bytes = Buffer.from((input as ParsedInput<'media.upload'>).data, 'base64');
      if (bytes.length > maxUploadBytes) throw new Refusal({ code: 'media.fileTooLarge', params: { size: mb(bytes.length), max: mb(maxUploadBytes) } });
      const info = sniffImage(bytes);
      if (!info) throw new Refusal({ code: 'media.unreadable' });
      // The workspace names a file by its content, so the desk can name it the same way now.
      const file: MediaFile = { id: createHash('sha256').update(bytes).digest('hex'), mime: info.mime, bytes: bytes.length, width: info.width, height: info.height };
      this.store.putMedia(file.id, file.mime, bytes);
      this.store.setAnswer(`file:${file.id}`, JSON.stringify(file));
      this.store.enqueue({ mutation_id: mutationId, person: person.id, method, input: JSON.stringify(input), pair_id: null, created_at: at });
      return ok(file);
    }
    let pair: Pair;
    let sent: unknown = input;
    if (method === 'pairs.create') {
      const create = { ...(input as ParsedInput<'pairs.create'>) };
      create.id ??= randomUUID();
      sent = create;
      const media = this.mediaOf(create.media);
      if (media.missing > 0) throw new Refusal({ code: 'media.unknown' });
      const written = (text: string, lang: 'en' | 'fr') => (text.trim() !== '' || media.kept.some((m) => (lang === 'en' ? m.altEn : m.altFr).trim() !== '') ? [person.username] : []);
      const stamp = new Date(at).toISOString();
      pair = {
        id: create.id,
        enText: create.enText,
        frText: create.frText,
        media: media.kept,
        status: 'draft',
        scheduledAt: null,
        authorTz: create.authorTz,
        createdBy: person.username,
        translatedBy: null,
        writtenBy: { en: written(create.enText, 'en'), fr: written(create.frText, 'fr') },
        scheduledBy: null,
        names: { [person.username]: person.displayName },
        approval: null,
        rejection: null,
        createdAt: stamp,
        updatedAt: stamp,
        version: 1,
        channelIds: [...new Set(create.channelIds)],
        deliveries: [],
        skewMs: null,
      };
    } else {
      const ref = input as { id: string; version: number };
      const json = this.store.pair(ref.id);
      if (json === null) throw new Refusal({ code: 'pair.unknown' });
      const before = JSON.parse(json) as Pair;
      if (before.version !== ref.version) throw new Refusal({ code: 'pair.stale' });
      pair = { ...before, updatedAt: new Date(at).toISOString() };
      if (method === 'pairs.update') {
        const edit = input as ParsedInput<'pairs.update'>;
        const media = edit.media === undefined ? { kept: before.media, missing: 0 } : this.mediaOf(edit.media);
        if (media.missing > 0) throw new Refusal({ code: 'media.unknown' });
        const changed = edit.enText !== before.enText || edit.frText !== before.frText || JSON.stringify(media.kept) !== JSON.stringify(before.media);
        // The workspace's rule: re-saving what is there changes nothing.
        if (!changed) return ok(before);
        const backToReview = ['approved', 'scheduled', 'held', 'failed'].includes(before.status);
        if (!['draft', 'translation', 'review', 'approved', 'scheduled', 'held', 'failed'].includes(before.status)) {
          throw new Refusal({ code: 'pair.wrongState', params: { status: before.status } });
        }
        pair = {
          ...pair,
          enText: edit.enText,
          frText: edit.frText,
          media: media.kept,
          version: before.version + 1,
          status: backToReview ? 'review' : before.status,
          approval: backToReview ? null : before.approval,
          scheduledAt: backToReview ? null : before.scheduledAt,
        };
      } else if (method === 'pairs.requestTranslation') {
        if (before.status !== 'draft') throw new Refusal({ code: 'pair.wrongState', params: { status: before.status } });
        pair = { ...pair, status: 'translation' };
      } else {
        if (before.status !== 'draft' && before.status !== 'translation') throw new Refusal({ code: 'pair.wrongState', params: { status: before.status } });
        pair = { ...pair, status: 'review' };
      }
    }
    this.store.enqueue({ mutation_id: mutationId, person: person.id, method, input: JSON.stringify(sent), pair_id: pair.id, created_at: at });
    this.storePairs([pair]);
    return ok(pair);
  }

  /** A pair's images as files, from what this desk was given or made; how many it does not have. */
  private mediaOf(list: readonly { en: string; fr: string; altEn: string; altFr: string }[]): { kept: PairMedia[]; missing: number } {
    const kept: PairMedia[] = [];
    let missing = 0;
    for (const item of list) {
      const en = this.file(item.en);
      const fr = this.file(item.fr);
      if (en && fr) kept.push({ en, fr, altEn: item.altEn, altFr: item.altFr });
      else missing++;
    }
    return { kept, missing };
  }

  /** Every pair of the copy. */
  private copy(): Pair[] {
    return this.store.allPairs().map((json) => JSON.parse(json) as Pair);
  }

  /** The account pairs as the workspace last listed them. */
  private channels(): Channel[] {
    const json = this.store.answer('accounts.list');
    return json === null ? [] : (JSON.parse(json) as Channel[]);
  }

  /** Whether every one of these account pairs lets a writer approve their own text (unknown: no). */
  private selfApproval(): (channelIds: readonly string[]) => boolean {
    const allowed = new Map(this.channels().map((c) => [c.id, c.allowSelfApproval]));
    return (ids) => ids.every((id) => allowed.get(id) === true);
  }

  private file(id: string): MediaFile | null {
    const json = this.store.answer(`file:${id}`);
    return json === null ? null : (JSON.parse(json) as MediaFile);
  }

  private storePairs(pairs: readonly Pair[], only?: ReadonlySet<string>): void {
    this.store.putPairs(pairs, only);
    // Their images' files, so an offline edit can keep or reuse them.
    for (const pair of pairs) {
      for (const m of pair.media) {
        this.store.setAnswer(`file:${m.en.id}`, JSON.stringify(m.en));
        this.store.setAnswer(`file:${m.fr.id}`, JSON.stringify(m.fr));
      }
    }
  }

  /**
   * Brings the copy up to date: every page of what changed since the cursor (or everything, when
   * the person's view changed). Resolves to the ids that changed, or null if the workspace went away.
   */
  async pull(send: Send): Promise<string[] | null> {
    let request = { cursor: this.store.meta('cursor'), scope: this.store.meta('scope'), page: null as string | null };
    const changed: string[] = [];
    let whole: Set<string> | null = null;
    for (;;) {
      const answer = await send('sync.pull', request);
      if (answer === null) return null;
      if (!answer.ok) {
        this.log.warn('workspace.pullRefused', { code: answer.error.code });
        return changed;
      }
      const page = answer.value as SyncPage;
      if (page.reset) whole = new Set();
      for (const pair of page.pairs) whole?.add(pair.id);
      // Pairs with changes still in the outbox keep the person's version until those are sent.
      const pending = new Set(this.pendingPairs());
      const fresh = page.pairs.filter((p) => !pending.has(p.id));
      // The workspace's version of a pair with changes still here: what a conflict shows beside the person's.
      for (const pair of page.pairs) if (pending.has(pair.id)) this.store.setAnswer(`theirs:${pair.id}`, JSON.stringify(pair));
      if (whole !== null) for (const id of pending) whole.add(id);
      this.storePairs(fresh, page.page === null && whole !== null ? whole : undefined);
      changed.push(...fresh.map((p) => p.id));
      if (page.page === null) {
        this.store.setMeta('cursor', page.cursor);
        this.store.setMeta('scope', page.scope);
        return changed;
      }
      request = { cursor: page.cursor, scope: page.scope, page: page.page };
    }
  }

  private pendingPairs(): string[] {
    const person = this.store.meta('person');
    if (person === null) return [];
    return this.store.outbox(person).flatMap((row) => (row.pair_id ? [row.pair_id] : []));
  }

  /**
   * Sends the person's waiting changes, in order, each once. A change whose pair has an earlier
   * change still waiting for the person's choice waits too.
   */
  async flush(send: Send): Promise<FlushOutcome> {
    const person = this.store.meta('person');
    if (person === null) return 'sent';
    /** Versions the workspace gave each pair during this flush: a later change of the same pair follows them. */
    const versions = new Map<string, number>();
    const held = new Set<string>();
    for (const row of this.store.outbox(person)) {
      if (row.pair_id && held.has(row.pair_id)) continue;
      if (row.state !== 'waiting') {
        if (row.pair_id) held.add(row.pair_id);
        continue;
      }
      const input = JSON.parse(row.input) as Record<string, unknown>;
      if (row.pair_id && typeof input['version'] === 'number' && versions.has(row.pair_id)) input['version'] = versions.get(row.pair_id);
      const answer = await send(row.method as Method, input, row.mutation_id);
      if (answer === null) return 'unreachable';
      if (answer.ok) {
        this.store.done(row.id);
        if (row.method !== 'media.upload') {
          const pair = answer.value as Pair;
          versions.set(pair.id, pair.version);
          this.storePairs([pair]);
        }
        continue;
      }
      // The workspace's answer is kept with the change, and the person sees it: conflict, or refusal.
      const state = answer.error.code === 'pair.stale' ? 'conflict' : 'refused';
      this.store.setState(row.id, state, JSON.stringify(answer.error));
      if (row.pair_id) held.add(row.pair_id);
      this.log.info('workspace.changeNotTaken', { method: row.method, code: answer.error.code });
    }
    return 'sent';
  }

  /** The person's outbox, with the workspace's version of each pair in conflict beside theirs. */
  entries(): OutboxEntry[] {
    const person = this.store.meta('person');
    if (person === null) return [];
    return this.store.outbox(person).map((row) => this.entry(row));
  }

  status(online: boolean): DeskStatus {
    const entries = this.entries();
    return {
      joined: true,
      online,
      waiting: entries.filter((e) => e.state === 'waiting').length,
      conflicts: entries.filter((e) => e.state === 'conflict').length,
      refused: entries.filter((e) => e.state === 'refused').length,
    };
  }

  /**
   * The person's choice on a change the workspace did not take. Theirs: the change is dropped (with
   * the later ones of that pair, made on top of it). Mine: sent again on the workspace's current version.
   */
  resolve(id: number, keep: 'mine' | 'theirs'): void {
    const person = this.store.meta('person');
    const row = this.store.outboxEntry(id);
    if (!row || row.person !== person || row.state === 'waiting') throw new Refusal({ code: 'outbox.unknown' });
    const theirs = row.pair_id === null ? null : this.theirs(row.pair_id);
    if (keep === 'theirs') {
      for (const later of this.store.outbox(row.person)) {
        if (later.id === row.id || (row.pair_id !== null && later.pair_id === row.pair_id && later.id > row.id)) this.store.done(later.id);
      }
      // The copy shows the workspace's pair again; a pair that never reached it is gone.
      if (theirs) this.storePairs([theirs]);
      else if (row.pair_id !== null && row.method === 'pairs.create') this.store.deletePair(row.pair_id);
      return;
    }
    const input = JSON.parse(row.input) as Record<string, unknown>;
    if (theirs && typeof input['version'] === 'number') input['version'] = theirs.version;
    this.store.retry(row.id, randomUUID(), JSON.stringify(input));
  }

  private entry(row: OutboxRow): OutboxEntry {
    const input = JSON.parse(row.input) as Partial<ParsedInput<'pairs.update'>> & { media?: ParsedInput<'pairs.update'>['media'] };
    const local = row.pair_id ? this.store.pair(row.pair_id) : null;
    const mine =
      row.method === 'media.upload'
        ? null
        : typeof input.enText === 'string'
          ? { enText: input.enText, frText: input.frText ?? '', media: this.mediaOf(input.media ?? []).kept }
          : local
            ? pick(JSON.parse(local) as Pair)
            : null;
    return {
      id: row.id,
      method: row.method as OfflineMethod,
      pairId: row.pair_id,
      state: row.state,
      createdAt: new Date(row.created_at).toISOString(),
      mine,
      theirs: row.state !== 'waiting' && row.pair_id !== null ? this.theirs(row.pair_id) : null,
      error: row.error === null ? null : (JSON.parse(row.error) as ErrorInfo),
    };
  }

  /** The workspace's version of a pair the person changed here, as last pulled. */
  theirs(pairId: string): Pair | null {
    const json = this.store.answer(`theirs:${pairId}`);
    return json === null ? null : (JSON.parse(json) as Pair);
  }

  /** Changes made here by anyone that the workspace does not have yet (leaving would lose them). */
  unsentCount(): number {
    return this.store.outboxCount();
  }

  /** Whether changes wait to be sent (a new change then queues behind them, keeping the order). */
  hasWaiting(): boolean {
    const person = this.store.meta('person');
    return person !== null && this.store.waitingCount(person) > 0;
  }

  close(): void {
    this.store.close();
  }
}

export class Refusal extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.code);
  }
}

function pick(pair: Pair): Pick<Pair, 'enText' | 'frText' | 'media'> {
  return { enText: pair.enText, frText: pair.frText, media: pair.media };
}

function isPairMethod(method: Method): boolean {
  return method === 'pairs.create' || method === 'pairs.update' || method === 'pairs.requestTranslation' || method === 'pairs.submitForReview' || method === 'pairs.approve' || method === 'pairs.reject' || method === 'pairs.schedule' || method === 'pairs.cancel' || method === 'pairs.retry' || method === 'pairs.release' || method === 'pairs.reschedule' || method === 'pairs.duplicate';
}

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;
