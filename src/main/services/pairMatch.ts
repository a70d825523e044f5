// The rules of the queue's query, of "Waiting for me" and of what a person may do with a pair, as
// pure functions over pairs already read (issue 13). The services answer these questions in SQL
// (db/queue.ts, db/waiting.ts) and enforce them step by step (services/pairs.ts); a desk whose
// workspace cannot be reached answers them from its offline copy with these functions, so the two
// agree: the same filters, the same order and cursor, the same counts, the same lists.
import type { Channel, Grant, Pair, PairStatus, Platform, Role } from '../../shared/domain';
import { allowedRoles, isGrantActive, type Action } from '../../shared/permissions';
import { pairStatuses, waitingKinds, waitingShown, type PairPage, type PairReview, type Waiting, type WaitingKind } from '../../shared/contract';
import { fold, searchText } from '../db/search';
import type { QueueCursor, QueueQuery, QueueSort } from '../db/queue';

// ------------------------------------------------------------------------------ roles

/** Statuses in which `pairs.update` edits a pair (an approved or scheduled one goes back to review). */
export const editableStatuses: readonly PairStatus[] = ['draft', 'translation', 'review', 'approved', 'scheduled', 'held', 'failed'];

/** The account pairs where active grants allow something: 'all', or those named (none: empty). */
export type Scope = 'all' | ReadonlySet<string>;

/** Where the grants hold, now, an active role among `roles`. Expired and revoked grants count for nothing. */
export function roleScope(grants: readonly Grant[], roles: readonly Role[], now: number): Scope {
  const active = grants.filter((g) => isGrantActive(g, now) && roles.includes(g.role));
  if (active.some((g) => g.channelId === null)) return 'all';
  return new Set(active.map((g) => g.channelId!));
}

/** Where the grants allow `action` now (the table of shared/permissions.ts). */
export const actionScope = (grants: readonly Grant[], action: Action, now: number): Scope => roleScope(grants, allowedRoles[action], now);

/** Whether the scope covers every one of these account pairs (the rule `canPerform` applies to a pair). */
export function covers(scope: Scope, channelIds: readonly string[]): boolean {
  if (scope === 'all') return true;
  return channelIds.length > 0 && channelIds.every((id) => scope.has(id));
}

export const isEmptyScope = (scope: Scope): boolean => scope !== 'all' && scope.size === 0;

/** Whether this person created the pair, or wrote or edited either language (they may not approve it). */
export function wrote(pair: Pick<Pair, 'createdBy' | 'writtenBy'>, username: string): boolean {
  return pair.createdBy === username || pair.writtenBy.en.includes(username) || pair.writtenBy.fr.includes(username);
}

/** Sides the publisher has taken up: a delivery in any of these may already be live. */
const attemptedStatuses = new Set(['sending', 'checking', 'retrying', 'sent']);

export interface AbilityFacts {
  /** Every grant of the caller, as read now. */
  grants: readonly Grant[];
  username: string;
  now: number;
  /** Whether every account pair of the pair lets a writer approve their own text. */
  selfApproval: boolean;
  /** Whether any side was ever attempted (claimed by the publisher): it can no longer be moved. */
  attempted: boolean;
}

/**
 * What the caller may do with the pair now, by the rules the services enforce: edit (the role and
 * statuses of `pairs.update`), approve (approver on all its account pairs, in review, not their own
 * text unless self-approval is allowed on all of them), schedule (publisher, approved), reschedule
 * (publisher, scheduled, no side attempted), duplicate (drafter on at least one of its account pairs).
 */
export function abilities(pair: Pair, facts: AbilityFacts): PairReview['can'] {
  const may = (action: Action) => covers(actionScope(facts.grants, action, facts.now), pair.channelIds);
  const drafting = actionScope(facts.grants, 'pair.create', facts.now);
  const attempted = facts.attempted || pair.deliveries.some((d) => attemptedStatuses.has(d.status));
  return {
    edit: may('pair.edit') && editableStatuses.includes(pair.status),
    approve: may('pair.approve') && pair.status === 'review' && (!wrote(pair, facts.username) || facts.selfApproval),
    schedule: may('pair.schedule') && pair.status === 'approved',
    reschedule: may('pair.reschedule') && pair.status === 'scheduled' && !attempted,
    duplicate: pair.channelIds.some((id) => covers(drafting, [id])),
  };
}

// ---------------------------------------------------------------------------- waiting

/** Where each list of "Waiting for me" acts, for the person holding these grants now. */
export interface WaitingScopes {
  /** sentBack: whoever may edit the draft (drafter, translator). */
  edit: Scope;
  /** translate: translators. */
  translate: Scope;
  /** approve: approvers. */
  approve: Scope;
  /** publish, and problems on any pair: publishers. */
  publish: Scope;
  /** problems on a pair the person created: roles that may act on it (drafter: cancel, edit). */
  creator: Scope;
}

export function waitingScopes(grants: readonly Grant[], now: number): WaitingScopes {
  return {
    edit: actionScope(grants, 'pair.edit', now),
    translate: roleScope(grants, ['translator'], now),
    approve: actionScope(grants, 'pair.approve', now),
    publish: actionScope(grants, 'pair.schedule', now),
    creator: actionScope(grants, 'pair.create', now),
  };
}

/** Pair statuses in which a side may have failed or be held (a pair's status follows its sides). */
export const problemStatuses: readonly PairStatus[] = ['publishing', 'partial', 'failed', 'held'];

/** Which list a pair belongs on for this person, if any (the lists do not overlap). */
export function waitingKindOf(
  pair: Pair,
  me: string,
  scopes: WaitingScopes,
  selfApproval: (channelIds: readonly string[]) => boolean,
): WaitingKind | null {
  const mine = wrote(pair, me);
  switch (pair.status) {
    case 'translation': {
      // A pair is in translation after a translation was asked for (never decided on) or after a
      // send-back: `rejection` is that send-back.
      if (pair.rejection !== null && mine && covers(scopes.edit, pair.channelIds)) return 'sentBack';
      if (covers(scopes.translate, pair.channelIds)) return pair.rejection !== null && mine ? null : 'translate';
      return null;
    }
    case 'review':
      return covers(scopes.approve, pair.channelIds) && (!mine || selfApproval(pair.channelIds)) ? 'approve' : null;
    case 'approved':
      return covers(scopes.publish, pair.channelIds) ? 'publish' : null;
    default: {
      if (!problemStatuses.includes(pair.status)) return null;
      if (!pair.deliveries.some((d) => d.status === 'failed' || d.status === 'held')) return null;
      const acts = covers(scopes.publish, pair.channelIds) || (pair.createdBy === me && covers(scopes.creator, pair.channelIds));
      return acts ? 'problems' : null;
    }
  }
}

/** Oldest waiting first: by when the pair last changed (entered its status), then by id. */
export function byWaiting(a: Pick<Pair, 'updatedAt' | 'id'>, b: Pick<Pair, 'updatedAt' | 'id'>): number {
  const at = Date.parse(a.updatedAt) - Date.parse(b.updatedAt);
  return at !== 0 ? at : compareIds(a.id, b.id);
}

/** "Waiting for me" over pairs the person may see (the offline copy). */
export function waitingAmong(
  pairs: readonly Pair[],
  me: string,
  grants: readonly Grant[],
  now: number,
  selfApproval: (channelIds: readonly string[]) => boolean,
): Waiting {
  const scopes = waitingScopes(grants, now);
  const lists = Object.fromEntries(waitingKinds.map((kind) => [kind, [] as Pair[]])) as Record<WaitingKind, Pair[]>;
  for (const pair of pairs) {
    const kind = waitingKindOf(pair, me, scopes, selfApproval);
    if (kind !== null) lists[kind].push(pair);
  }
  return Object.fromEntries(
    waitingKinds.map((kind) => [kind, { count: lists[kind].length, pairs: lists[kind].sort(byWaiting).slice(0, waitingShown) }]),
  ) as Waiting;
}

// ------------------------------------------------------------------------------ queue

// The queue's question and cursor are the database's own (db/queue.ts): one shape for both answers.
export type { QueueCursor, QueueSort };
/** The queue's question, its dates as ms (the contract's `pairQuery` once parsed). */
export type QueueQuestion = QueueQuery;

/** Ids compare byte by byte, as both databases compare them (ASCII: code units are bytes). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The queue time: when the pair is scheduled, else when it was created. */
const queueTime = (pair: Pair): number => Date.parse(pair.scheduledAt ?? pair.createdAt);

const sortKey = (pair: Pair, sort: QueueSort): number => (sort === 'scheduled' ? queueTime(pair) : Date.parse(pair.createdAt));

/** The total order of each sort (db/queue.ts): newest (created desc, id), oldest (created, id desc), scheduled (queue time, id). */
function compareFor(sort: QueueSort): (a: { key: number; id: string }, b: { key: number; id: string }) => number {
  if (sort === 'newest') return (a, b) => b.key - a.key || compareIds(a.id, b.id);
  if (sort === 'oldest') return (a, b) => a.key - b.key || compareIds(b.id, a.id);
  return (a, b) => a.key - b.key || compareIds(a.id, b.id);
}

/**
 * Whether a pair meets the question's filters (the status filter aside): the account pair, its
 * platform, the person (created it, or wrote either language), the queue time in [from, to), and
 * the search in either language, accent-, case- and spacing-insensitive as `search_text` is.
 */
export function matchesFilters(pair: Pair, q: Omit<QueueQuestion, 'sort' | 'limit'>, platformOf: (channelId: string) => Platform | undefined): boolean {
  if (q.channelId !== undefined && !pair.channelIds.includes(q.channelId)) return false;
  if (q.platform !== undefined && !pair.channelIds.some((id) => platformOf(id) === q.platform)) return false;
  if (q.person !== undefined && pair.createdBy !== q.person && !pair.writtenBy.en.includes(q.person) && !pair.writtenBy.fr.includes(q.person)) return false;
  if (q.from !== undefined && queueTime(pair) < Math.floor(q.from)) return false;
  if (q.to !== undefined && queueTime(pair) >= Math.floor(q.to)) return false;
  if (q.search !== undefined && !searchText(pair.enText, pair.frText).includes(fold(q.search))) return false;
  return true;
}

/** A page of the queue over pairs the person may see, as `pairs.query` answers (counts: status filter aside). */
export function queryAmong(pairs: readonly Pair[], q: QueueQuestion, platformOf: (channelId: string) => Platform | undefined): PairPage {
  const counts = Object.fromEntries(pairStatuses.map((status) => [status, 0])) as Record<PairStatus, number>;
  const order = compareFor(q.sort);
  const candidates: { key: number; id: string; pair: Pair }[] = [];
  for (const pair of pairs) {
    if (!matchesFilters(pair, q, platformOf)) continue;
    counts[pair.status]++;
    if (q.status !== undefined && !q.status.includes(pair.status)) continue;
    const entry = { key: sortKey(pair, q.sort), id: pair.id, pair };
    if (q.after !== undefined && order(entry, q.after) <= 0) continue;
    candidates.push(entry);
  }
  candidates.sort(order);
  const limit = Math.floor(q.limit);
  const page = candidates.slice(0, limit);
  const end = page[page.length - 1];
  return {
    pairs: page.map((c) => c.pair),
    next: candidates.length > limit && end ? writeCursor({ key: end.key, id: end.id }, q.sort) : null,
    counts,
  };
}

/** A page's end as the caller gets it: opaque (base64url of [sort, key, id]), good only for the same sort. */
export function writeCursor(last: QueueCursor, sort: QueueSort): string {
  return Buffer.from(JSON.stringify([sort, last.key, last.id])).toString('base64url');
}

/** The cursor `writeCursor` made for this sort; null for anything else (the caller refuses it as bad input). */
export function readCursor(cursor: string, sort: QueueSort): QueueCursor | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== sort ||
    typeof parsed[1] !== 'number' ||
    !Number.isSafeInteger(parsed[1]) ||
    typeof parsed[2] !== 'string' ||
    parsed[2].length === 0 ||
    parsed[2].length > 64
  ) {
    return null;
  }
  return { key: parsed[1], id: parsed[2] };
}

/** The platform of each account pair, from the account pairs as listed. */
export function platformsOf(channels: readonly Pick<Channel, 'id' | 'platform'>[]): (channelId: string) => Platform | undefined {
  const map = new Map(channels.map((c) => [c.id, c.platform]));
  return (id) => map.get(id);
}
