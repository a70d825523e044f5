// The queue's, "Waiting for me"'s and the review screen's rules as pure functions (the offline desk
// answers with them; the services answer the same questions in SQL, compared in offline-desk.test.ts).
import { describe, expect, it } from 'vitest';
import type { Delivery, Grant, Pair, PairStatus, Role } from '../../src/shared/domain';
import {
  abilities,
  covers,
  queryAmong,
  readCursor,
  roleScope,
  waitingAmong,
  waitingKindOf,
  waitingScopes,
  writeCursor,
  type QueueQuestion,
} from '../../src/main/services/pairMatch';

const now = Date.parse('2026-12-03T12:00:00.000Z');
const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();

function grant(role: Role, channelId: string | null = null, more: Partial<Grant> = {}): Grant {
  return { id: `${role}-${channelId}`, role, channelId, expiresAt: null, grantedBy: 'admin', grantedAt: at(-1000), revokedAt: null, ...more };
}

let n = 0;
function pair(more: Partial<Pair> = {}): Pair {
  n++;
  return {
    id: `p${String(n).padStart(3, '0')}`,
    enText: 'Text',
    frText: 'Texte',
    media: [],
    status: 'draft',
    scheduledAt: null,
    authorTz: 'America/Toronto',
    createdBy: 'dana',
    translatedBy: null,
    writtenBy: { en: ['dana'], fr: [] },
    scheduledBy: null,
    names: {},
    approval: null,
    rejection: null,
    createdAt: at(-n),
    updatedAt: at(-n),
    version: 1,
    channelIds: ['a'],
    deliveries: [],
    skewMs: null,
    ...more,
  };
}

const side = (status: Delivery['status']): Delivery => ({
  id: `d-${status}`,
  accountId: 'acct',
  handle: 'h',
  platform: 'x',
  lang: 'en',
  status,
  attempt: 0,
  nextAttemptAt: null,
  remoteId: null,
  remoteUrl: null,
  sentAt: null,
  lastError: null,
});
const rejection = { decision: 'rejected' as const, by: 'ava', at: at(-5), comment: 'No', version: 1 };

describe('roles in force', () => {
  it('counts only active grants: an expired or revoked role covers nothing', () => {
    expect(roleScope([grant('drafter')], ['drafter'], now)).toBe('all');
    expect(roleScope([grant('drafter', 'a', { expiresAt: at(-1) })], ['drafter'], now)).toEqual(new Set());
    expect(roleScope([grant('drafter', 'a', { revokedAt: at(-1) })], ['drafter'], now)).toEqual(new Set());
    expect(roleScope([grant('drafter', 'a', { expiresAt: at(1) }), grant('approver', 'b')], ['drafter'], now)).toEqual(new Set(['a']));
    // Every account pair of the pair must be covered.
    expect(covers(new Set(['a']), ['a', 'b'])).toBe(false);
    expect(covers(new Set(['a', 'b']), ['a', 'b'])).toBe(true);
    expect(covers(new Set(), [])).toBe(false);
  });
});

describe('what the caller may do', () => {
  const facts = (grants: Grant[], more: Partial<Parameters<typeof abilities>[1]> = {}) => ({ grants, username: 'ava', now, selfApproval: false, attempted: false, ...more });

  it('follows the services’ rules for each action', () => {
    const review = pair({ status: 'review' });
    expect(abilities(review, facts([grant('approver', 'a')]))).toEqual({ edit: false, approve: true, schedule: false, reschedule: false, duplicate: false });
    // Her own text: only where self-approval is allowed.
    const own = pair({ status: 'review', writtenBy: { en: [], fr: ['ava'] } });
    expect(abilities(own, facts([grant('approver', 'a')])).approve).toBe(false);
    expect(abilities(own, facts([grant('approver', 'a')], { selfApproval: true })).approve).toBe(true);
    // Editing: drafter or translator, in the statuses pairs.update takes.
    for (const status of ['draft', 'translation', 'review', 'approved', 'scheduled', 'held', 'failed'] as PairStatus[]) {
      expect(abilities(pair({ status }), facts([grant('translator', 'a')])).edit).toBe(true);
    }
    for (const status of ['publishing', 'published', 'partial', 'cancelled'] as PairStatus[]) {
      expect(abilities(pair({ status }), facts([grant('drafter')])).edit).toBe(false);
    }
    expect(abilities(pair({ status: 'approved' }), facts([grant('publisher')])).schedule).toBe(true);
    const scheduled = pair({ status: 'scheduled', deliveries: [side('pending')] });
    expect(abilities(scheduled, facts([grant('publisher')])).reschedule).toBe(true);
    expect(abilities(scheduled, facts([grant('publisher')], { attempted: true })).reschedule).toBe(false);
    expect(abilities(pair({ status: 'scheduled', deliveries: [side('sent')] }), facts([grant('publisher')])).reschedule).toBe(false);
    // Duplicating: drafter on at least one of its account pairs; an ended role does not count.
    const two = pair({ channelIds: ['a', 'b'] });
    expect(abilities(two, facts([grant('drafter', 'b')])).duplicate).toBe(true);
    expect(abilities(two, facts([grant('drafter', 'b', { expiresAt: at(-1) })])).duplicate).toBe(false);
    expect(abilities(two, facts([grant('drafter', 'b')])).edit).toBe(false);
  });
});

describe('Waiting for me', () => {
  const allow = () => true;
  const deny = () => false;

  it('puts each pair on at most one list, by the person’s roles', () => {
    const me = 'dana';
    const scopes = (grants: Grant[]) => waitingScopes(grants, now);
    const sentBack = pair({ status: 'translation', rejection });
    expect(waitingKindOf(sentBack, me, scopes([grant('drafter', 'a')]), deny)).toBe('sentBack');
    // Someone else's sent-back draft is a translator's work, not hers.
    expect(waitingKindOf(pair({ status: 'translation', rejection, createdBy: 'eve', writtenBy: { en: ['eve'], fr: [] } }), me, scopes([grant('translator', 'a')]), deny)).toBe('translate');
    expect(waitingKindOf(sentBack, me, scopes([grant('translator', 'a')]), deny)).toBe('sentBack');
    expect(waitingKindOf(pair({ status: 'translation' }), me, scopes([grant('translator', 'a')]), deny)).toBe('translate');
    expect(waitingKindOf(pair({ status: 'translation' }), me, scopes([grant('drafter', 'a')]), deny)).toBeNull();
    // Her own pair in review: only with self-approval.
    expect(waitingKindOf(pair({ status: 'review' }), me, scopes([grant('approver')]), deny)).toBeNull();
    expect(waitingKindOf(pair({ status: 'review' }), me, scopes([grant('approver')]), allow)).toBe('approve');
    expect(waitingKindOf(pair({ status: 'approved' }), me, scopes([grant('publisher', 'a')]), deny)).toBe('publish');
    expect(waitingKindOf(pair({ status: 'approved', channelIds: ['a', 'b'] }), me, scopes([grant('publisher', 'a')]), deny)).toBeNull();
    // Failed or held sides: the publishers', and the creator's while she may act on it.
    const failed = pair({ status: 'partial', deliveries: [side('sent'), side('failed')] });
    expect(waitingKindOf(failed, 'pat', scopes([grant('publisher')]), deny)).toBe('problems');
    expect(waitingKindOf(failed, me, scopes([grant('drafter', 'a')]), deny)).toBe('problems');
    expect(waitingKindOf(failed, 'eve', scopes([grant('drafter', 'a')]), deny)).toBeNull();
    expect(waitingKindOf(pair({ status: 'publishing', deliveries: [side('pending')] }), 'pat', scopes([grant('publisher')]), deny)).toBeNull();
    expect(waitingKindOf(pair({ status: 'held', deliveries: [side('held')] }), 'pat', scopes([grant('publisher', 'a', { expiresAt: at(-1) })]), deny)).toBeNull();
  });

  it('counts every pair waiting, shows the first twenty oldest first, and gives an expired role nothing', () => {
    const reviews = Array.from({ length: 25 }, (_, i) => pair({ status: 'review', createdBy: 'eve', writtenBy: { en: ['eve'], fr: [] }, updatedAt: at(100 - i) }));
    const w = waitingAmong(reviews, 'ava', [grant('approver')], now, deny);
    expect(w.approve.count).toBe(25);
    expect(w.approve.pairs.map((p) => p.id)).toEqual([...reviews].reverse().slice(0, 20).map((p) => p.id));
    expect(w.publish).toEqual({ count: 0, pairs: [] });
    const ended = waitingAmong(reviews, 'ava', [grant('approver', null, { expiresAt: at(-1) })], now, deny);
    expect(Object.values(ended).every((list) => list.count === 0 && list.pairs.length === 0)).toBe(true);
  });
});

describe('the queue over a copy', () => {
  const platformOf = (id: string) => (id === 'b' ? ('bluesky' as const) : ('x' as const));
  const q = (more: Partial<QueueQuestion> = {}): QueueQuestion => ({ sort: 'newest', limit: 50, ...more });

  it('searches both languages without regard to accents, case or spacing; counts each status whatever the status filter', () => {
    const election = pair({ enText: 'Vote', frText: 'Résultats de l’ÉLECTION   générale', status: 'review' });
    const housing = pair({ enText: 'Housing starts', frText: 'Mises en chantier', channelIds: ['b'] });
    const other = pair({ enText: 'Other', frText: 'Autre', createdBy: 'eve', writtenBy: { en: ['eve'], fr: ['dana'] } });
    const all = [election, housing, other];
    expect(queryAmong(all, q({ search: 'election generale' }), platformOf).pairs).toEqual([election]);
    expect(queryAmong(all, q({ search: '  HOUSING ' }), platformOf).pairs).toEqual([housing]);
    expect(queryAmong(all, q({ platform: 'bluesky' }), platformOf).pairs).toEqual([housing]);
    expect(queryAmong(all, q({ person: 'dana' }), platformOf).pairs.map((p) => p.id).sort()).toEqual([election.id, housing.id, other.id].sort());
    expect(queryAmong(all, q({ person: 'eve' }), platformOf).pairs).toEqual([other]);
    const reviewOnly = queryAmong(all, q({ status: ['review'] }), platformOf);
    expect(reviewOnly.pairs).toEqual([election]);
    expect(reviewOnly.counts).toMatchObject({ review: 1, draft: 2, approved: 0 });
  });

  it('pages by cursor in each order, neither skipping nor repeating pairs whose keys tie', () => {
    const same = at(-500);
    const pairs = Array.from({ length: 9 }, (_, i) => pair({ createdAt: i % 3 === 0 ? same : at(-600 - i), scheduledAt: i % 2 ? at(i) : null }));
    for (const sort of ['newest', 'oldest', 'scheduled'] as const) {
      const whole = queryAmong(pairs, q({ sort, limit: 200 }), platformOf).pairs.map((p) => p.id);
      const paged: string[] = [];
      let after: string | null = null;
      do {
        const page = queryAmong(pairs, q({ sort, limit: 2, after: after === null ? undefined : readCursor(after, sort)! }), platformOf);
        paged.push(...page.pairs.map((p) => p.id));
        after = page.next;
      } while (after !== null);
      expect(paged).toEqual(whole);
      expect(new Set(paged).size).toBe(9);
    }
    const newest = queryAmong(pairs, q({ limit: 200 }), platformOf).pairs;
    expect(newest.map((p) => Date.parse(p.createdAt))).toEqual(newest.map((p) => Date.parse(p.createdAt)).sort((x, y) => y - x));
  });

  it('takes back only its own cursors, for the same sort', () => {
    const cursor = writeCursor({ key: 5, id: 'p1' }, 'newest');
    expect(readCursor(cursor, 'newest')).toEqual({ key: 5, id: 'p1' });
    expect(readCursor(cursor, 'oldest')).toBeNull();
    expect(readCursor('bm90IGEgY3Vyc29y', 'newest')).toBeNull();
    expect(readCursor(Buffer.from(JSON.stringify(['newest', 1.5, 'p1'])).toString('base64url'), 'newest')).toBeNull();
  });
});
