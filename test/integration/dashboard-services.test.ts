// The services behind issue 13's screens, on SQLite and PostgreSQL: "Waiting for me" per role
// (pairs.waiting), one pair opened on its own with what changed since the last decision and what
// the caller may do (pairs.open), a publisher's reschedule that keeps the approval and publishes at
// the new time (pairs.reschedule), and a pair duplicated as a new draft (pairs.duplicate).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiFailure, setDue, startTestApp, waitFor, type TestApp } from '../support';
import { makePng } from '../fakes/images';
import { fakeAccount, fakeApp } from '../fakes/x-api';
import type { PairReview, Waiting } from '../../src/shared/contract';
import type { MediaFile, Pair, User } from '../../src/shared/domain';

const tz = 'America/Toronto';
const hour = 3_600_000;
let offset = 0;
const clock = { now: () => Date.now() + offset };
let t: TestApp;
let a: string;

beforeEach(async () => {
  offset = 0;
  t = await startTestApp({ clock });
  a = await t.addChannel('A');
});
afterEach(async () => t.cleanup());

/** A second account pair, on accounts of its own. */
const addB = () => {
  const app = fakeApp();
  return t.addChannel('B', { accounts: { en: fakeAccount(t.fake, 'B_eng', app), fr: fakeAccount(t.fake, 'B_fra', app) } });
};
/** Whether a writer may approve their own text on A (as the admin). */
const selfApproval = async (allowed: boolean) => {
  await as('admin');
  await t.call('accounts.setSelfApproval', { channelId: a, allowed });
};
const as = async (username: string) => t.signInAs(username);
/** Two milliseconds on before each change, so that no two changes share a time and "oldest first" has one answer. */
const later = () => {
  offset += 2;
};
const create = (enText: string, frText: string, channelIds = [a]) => (later(), t.call<Pair>('pairs.create', { channelIds, enText, frText, authorTz: tz }));
const step = (method: string, pair: Pair, more: Record<string, unknown> = {}) => (later(), t.call<Pair>(method, { id: pair.id, version: pair.version, ...more }));
const waiting = () => t.call<Waiting>('pairs.waiting');
const open = (id: string) => t.call<PairReview>('pairs.open', { id });
const failure = async (run: Promise<unknown>) => {
  try {
    await run;
  } catch (error) {
    if (error instanceof ApiFailure) return { code: error.code, params: error.params };
    throw error;
  }
  throw new Error('the call succeeded');
};
/** Each list as ids in order, with its count. */
const lists = (w: Waiting) => Object.fromEntries(Object.entries(w).map(([kind, list]) => [kind, [list.count, list.pairs.map((p) => p.id)]]));
const none = { sentBack: [0, []], translate: [0, []], approve: [0, []], publish: [0, []], problems: [0, []] };
const auditOf = (pairId: string) => t.tandem.audit.list(pairId);

describe('pairs.waiting', () => {
  it('gives each role its own lists, oldest waiting first, with names, and nothing to an expired role', async () => {
    await t.addUser('dana', ['drafter'], { channelId: a });
    await t.addUser('tom', ['translator'], { channelId: a });
    await t.addUser('ava', ['drafter', 'approver'], { channelId: a });
    await t.addUser('pat', ['publisher'], { channelId: a });
    const soon = new Date(Date.now() + 60_000).toISOString();
    await t.addUser('gone', ['drafter', 'translator', 'approver', 'publisher'], { channelId: a, expiresAt: soon });

    // Dana drafts a pair X will refuse; the admin gets one approved, one scheduled (on no list),
    // Dana's failed and one held.
    await as('dana');
    const refused = await step('pairs.submitForReview', await create('Refused by X', 'Refusée par X'));
    await as('admin');
    const toPublish = await step('pairs.approve', await step('pairs.submitForReview', await create('Publish me', 'Publiez-moi')), { comment: 'Fine' });
    await t.publish(a, 'Scheduled later', 'Programmée plus tard', new Date(Date.now() + 5 * hour));
    t.fake.failNext(t.en.username, { status: 403, body: JSON.stringify({ title: 'Forbidden', detail: 'Not allowed' }) });
    t.fake.failNext(t.fr.username, { status: 403, body: JSON.stringify({ title: 'Forbidden', detail: 'Not allowed' }) });
    const failed = await step('pairs.schedule', await step('pairs.approve', refused, { comment: 'Fine' }), { when: 'now' });
    await waitFor(async () => (await t.tandem.pairs.get(failed.id))?.status === 'failed', 8_000, 'failed pair');
    const held = await t.publish(a, 'Missed its time', 'A manqué son heure', new Date(Date.now() + hour));
    await setDue(t.tandem.sql, held.id, Date.now() - 2 * hour);
    await t.tandem.publisher.runDue();
    await waitFor(async () => (await t.tandem.pairs.get(held.id))?.status === 'held', 8_000, 'held pair');

    // Dana drafts three pairs: one sent back to her, one sent for translation, one to approve.
    await as('dana');
    let sentBack = await step('pairs.submitForReview', await create('Sent back', 'Renvoyée'));
    let toTranslate = await step('pairs.requestTranslation', await create('Translate me', ''));
    const toApprove = await step('pairs.submitForReview', await create('Approve me', 'Approuvez-moi'));
    // Ava's own pair in review: not hers to approve while self-approval is off.
    await selfApproval(false);
    await as('ava');
    const avasOwn = await step('pairs.submitForReview', await create('Ava wrote this', 'Ava a écrit ceci'));
    sentBack = await step('pairs.reject', sentBack, { comment: 'Fix the French' });
    await as('dana');
    const danas = await waiting();
    // Hers: the draft sent back, and the pair she created whose sides failed.
    expect(lists(danas)).toEqual({ ...none, sentBack: [1, [sentBack.id]], problems: [1, [failed.id]] });
    expect(danas.sentBack.pairs[0]!.rejection).toMatchObject({ by: 'ava', comment: 'Fix the French' });
    expect(danas.sentBack.pairs[0]!.names).toMatchObject({ dana: 'dana', ava: 'ava' });

    // The translator: both pairs in translation (the sent-back one is not theirs).
    await as('tom');
    expect(lists(await waiting())).toEqual({ ...none, translate: [2, [toTranslate.id, sentBack.id].sort(byUpdated([toTranslate, sentBack]))] });
    toTranslate = await step('pairs.update', toTranslate, { enText: 'Translate me', frText: 'Traduisez-moi' });
    // Edited in translation: it waited less long than the sent-back one now.
    expect(lists(await waiting()).translate).toEqual([2, [sentBack.id, toTranslate.id]]);

    await as('ava');
    expect(lists(await waiting())).toEqual({ ...none, approve: [1, [toApprove.id]] });
    await selfApproval(true);
    await as('ava');
    expect(lists(await waiting())).toEqual({ ...none, approve: [2, [toApprove.id, avasOwn.id]] });

    await as('pat');
    const pats = await waiting();
    expect(lists(pats)).toEqual({ ...none, publish: [1, [toPublish.id]], problems: [2, [failed.id, held.id]] });
    expect(pats.problems.pairs.map((p) => p.status)).toEqual(['failed', 'held']);

    // Whoever holds every role on every account pair sees every list, and the creator their own problems.
    await as('admin');
    const admins = await waiting();
    expect(admins.problems.count).toBe(2);
    expect(admins.approve.count).toBe(2);
    expect(admins.publish.pairs.map((p) => p.id)).toEqual([toPublish.id]);

    // A role past its end date acts on nothing: every list empty.
    await as('gone');
    expect(lists(await waiting())).not.toEqual(none);
    offset = 2 * 60_000;
    expect(lists(await waiting())).toEqual(none);
  });

  it('keeps to the account pairs the role is on, and counts beyond the first twenty', async () => {
    const b = await addB();
    await t.addUser('ava', ['approver'], { channelId: a });
    const onA: Pair[] = [];
    for (let i = 0; i < 23; i++) onA.push(await step('pairs.submitForReview', await create(`Review ${i}`, `Révision ${i}`)));
    await step('pairs.submitForReview', await create('On B', 'Sur B', [b]));
    await step('pairs.submitForReview', await create('On A and B', 'Sur A et B', [a, b]));
    await as('ava');
    const w = await waiting();
    expect(w.approve.count).toBe(23);
    expect(w.approve.pairs.map((p) => p.id)).toEqual(onA.slice(0, 20).map((p) => p.id));
  });
});

/** Oldest waiting first: by when each last changed, then id. */
function byUpdated(pairs: Pair[]): (x: string, y: string) => number {
  const at = new Map(pairs.map((p) => [p.id, Date.parse(p.updatedAt)]));
  return (x, y) => at.get(x)! - at.get(y)! || (x < y ? -1 : 1);
}

describe('pairs.open', () => {
  it('answers a pair the caller may not see exactly as one that does not exist', async () => {
    const b = await addB();
    const hidden = await create('Hidden', 'Cachée', [b]);
    await t.addUser('dana', ['drafter'], { channelId: a });
    await as('dana');
    const missing = await t.tandem.dispatch(t.caller, 'pairs.open', { id: '00000000-0000-4000-8000-000000000000' });
    const invisible = await t.tandem.dispatch(t.caller, 'pairs.open', { id: hidden.id });
    expect(invisible).toEqual(missing);
    expect(invisible).toEqual({ ok: false, error: { code: 'pair.unknown' } });
    expect(await t.tandem.dispatch(t.caller, 'pairs.duplicate', { id: hidden.id })).toEqual(missing);
  });

  it('says what the caller may do, by the rules the services enforce', async () => {
    await t.addUser('dana', ['drafter'], { channelId: a });
    await t.addUser('ava', ['approver', 'drafter'], { channelId: a });
    await t.addUser('pat', ['publisher'], { channelId: a });
    const scheduled = await t.publish(a, 'Later', 'Plus tard', new Date(Date.now() + hour));
    await selfApproval(false);
    await as('ava');
    const own = await step('pairs.submitForReview', await create('Ava wrote this', 'Ava a écrit ceci'));
    expect((await open(own.id)).can).toEqual({ edit: true, approve: false, schedule: false, reschedule: false, duplicate: true });
    await as('dana');
    const draft = await create('Draft', 'Ébauche');
    expect((await open(draft.id)).can).toEqual({ edit: true, approve: false, schedule: false, reschedule: false, duplicate: true });
    const review = await step('pairs.submitForReview', await create('Review', 'Révision'));
    await as('ava');
    expect((await open(review.id)).can).toEqual({ edit: true, approve: true, schedule: false, reschedule: false, duplicate: true });
    await as('pat');
    expect((await open(scheduled.id)).can).toEqual({ edit: false, approve: false, schedule: false, reschedule: true, duplicate: false });
    expect((await open(draft.id)).can).toEqual({ edit: false, approve: false, schedule: false, reschedule: false, duplicate: false });
  });

  it('gives the texts of the last decision on an earlier version: the caller’s own first, else anyone’s', async () => {
    await t.addUser('dana', ['drafter'], { channelId: a });
    await t.addUser('ava', ['approver'], { channelId: a });
    await t.addUser('ben', ['approver'], { channelId: a });
    await as('dana');
    let pair = await step('pairs.submitForReview', await create('First words', 'Premiers mots'));
    expect((await open(pair.id)).previous).toBeNull();
    await as('ava');
    pair = await step('pairs.reject', pair, { comment: 'Shorter' });
    await as('dana');
    pair = await step('pairs.update', pair, { enText: 'Second words', frText: 'Deuxièmes mots' });
    pair = await step('pairs.submitForReview', pair);
    await as('ava');
    expect((await open(pair.id)).previous).toEqual({
      version: 1,
      enText: 'First words',
      frText: 'Premiers mots',
      decision: 'rejected',
      by: 'ava',
      // Her reason, beside what changed since.
      comment: 'Shorter',
      at: expect.any(String),
    });
    // Ava approves version 2; an edit takes it back to review, Ben sends version 3 back.
    pair = await step('pairs.approve', pair, { comment: 'Good' });
    await as('dana');
    pair = await step('pairs.update', pair, { enText: 'Third words', frText: 'Troisièmes mots' });
    await as('ben');
    pair = await step('pairs.reject', pair, { comment: 'Not yet' });
    await as('dana');
    pair = await step('pairs.update', pair, { enText: 'Fourth words', frText: 'Quatrièmes mots' });
    pair = await step('pairs.submitForReview', pair);
    // Ava sees what changed since she approved; Ben since he sent it back.
    await as('ava');
    const avas = await open(pair.id);
    expect(avas.previous).toMatchObject({ version: 2, enText: 'Second words', frText: 'Deuxièmes mots', decision: 'approved', by: 'ava' });
    expect(avas.pair.enText).toBe('Fourth words');
    await as('ben');
    expect((await open(pair.id)).previous).toMatchObject({ version: 3, enText: 'Third words', decision: 'rejected', by: 'ben' });
    // Someone who never decided sees the latest decision.
    await as('admin');
    expect((await open(pair.id)).previous).toMatchObject({ version: 3, by: 'ben' });
  });
});

describe('pairs.reschedule', () => {
  it('moves a scheduled pair, keeps its approval, is audited, and publishes at the new time only', async () => {
    await t.addUser('pat', ['publisher'], { channelId: a });
    const first = new Date(Date.now() + hour);
    const pair = await t.publish(a, 'Moved', 'Déplacée', first);
    const approval = pair.approval!;
    const heard: string[] = [];
    await as('pat');
    const stop = t.tandem.events.subscribe(t.caller.client, (event, payload) => {
      if (event === 'pairs.changed') heard.push(...(payload as { pairIds: string[] }).pairIds);
    });
    const second = new Date(Date.now() + 2 * hour);
    const moved = await step('pairs.reschedule', pair, { scheduledAt: second.toISOString() });
    expect(moved).toMatchObject({ status: 'scheduled', scheduledAt: second.toISOString(), version: pair.version + 1, scheduledBy: 'pat' });
    // The approval stands: the same approver, time and comment, now covering the new version.
    expect(moved.approval).toEqual({ ...approval, version: pair.version + 1 });
    expect(moved.deliveries.map((d) => [d.status, d.nextAttemptAt])).toEqual([
      ['pending', second.toISOString()],
      ['pending', second.toISOString()],
    ]);
    await waitFor(() => heard.includes(pair.id), 5_000, 'pairs.changed');
    stop();
    const events = await auditOf(pair.id);
    expect(events.at(-1)).toMatchObject({
      actor: 'pat',
      action: 'pair.rescheduled',
      detail: { from: first.toISOString(), to: second.toISOString(), version: pair.version + 1, carriedFrom: pair.version },
    });
    // A caller who read the pair before the move is told it changed.
    expect(await failure(step('pairs.reschedule', pair, { scheduledAt: first.toISOString() }))).toEqual({ code: 'pair.stale', params: undefined });

    // At the old time nothing goes out; at the new one it does.
    offset = hour + 60_000;
    await t.tandem.publisher.runDue();
    expect((await t.tandem.pairs.get(pair.id))!.status).toBe('scheduled');
    expect(t.fake.postsBy(t.en.username)).toHaveLength(0);
    offset = 2 * hour + 1_000;
    await t.tandem.publisher.runDue();
    await waitFor(async () => (await t.tandem.pairs.get(pair.id))?.status === 'published', 8_000, 'published at the new time');
    expect(t.fake.postsBy(t.en.username).map((p) => p.text)).toEqual(['Moved']);
    // The published record still leads to the approver's own decision in the audit trail.
    const [record] = await t.tandem.records.published();
    expect(record).toMatchObject({ approvedBy: 'admin', approvalAuditHash: expect.stringMatching(/./) });
  });

  it('is refused to a non-publisher, in the past, for a pair not scheduled, and on a stale version', async () => {
    await t.addUser('dana', ['drafter', 'approver'], { channelId: a });
    const later = new Date(Date.now() + 3 * hour).toISOString();
    const pair = await t.publish(a, 'Stay', 'Reste', new Date(Date.now() + hour));
    await as('dana');
    expect(await failure(step('pairs.reschedule', pair, { scheduledAt: later }))).toEqual({ code: 'permission.denied', params: { action: 'pair.reschedule' } });
    await as('admin');
    expect(await failure(step('pairs.reschedule', pair, { scheduledAt: new Date(Date.now() - 10 * 60_000).toISOString() }))).toEqual({
      code: 'schedule.inPast',
      params: undefined,
    });
    expect(await failure(step('pairs.reschedule', { ...pair, version: pair.version + 1 }, { scheduledAt: later }))).toMatchObject({ code: 'pair.stale' });
    const draft = await create('Draft', 'Ébauche');
    expect(await failure(step('pairs.reschedule', draft, { scheduledAt: later }))).toEqual({ code: 'pair.wrongState', params: { status: 'draft' } });
    // A side already sent: too late to move.
    const sent = await t.publish(a, 'Gone', 'Partie');
    await waitFor(async () => (await t.tandem.pairs.get(sent.id))?.status === 'published', 8_000, 'published');
    expect(await failure(step('pairs.reschedule', (await t.tandem.pairs.get(sent.id))!, { scheduledAt: later }))).toMatchObject({ code: 'pair.wrongState' });
    // Nothing moved.
    const after = (await t.tandem.pairs.get(pair.id))!;
    expect([after.version, after.scheduledAt]).toEqual([pair.version, pair.scheduledAt]);
    expect((await auditOf(pair.id)).filter((e) => e.action === 'pair.rescheduled')).toEqual([]);
  });
});

describe('pairs.duplicate', () => {
  it('makes a new draft with the texts, images and the account pairs the caller may still draft for', async () => {
    const b = await addB();
    const png = makePng(40, 30);
    const file = await t.call<MediaFile>('media.upload', { data: png.toString('base64') });
    const source = await t.publish(a, 'Original', 'Originale');
    let withImage = await t.call<Pair>('pairs.create', {
      channelIds: [a, b],
      enText: 'With an image',
      frText: 'Avec une image',
      media: [{ en: file.id, fr: file.id, altEn: 'A chart', altFr: 'Un graphique' }],
      authorTz: tz,
    });
    withImage = await step('pairs.submitForReview', withImage);
    const mixed: User = await t.addUser('mixed', ['drafter'], { channelId: a });
    await t.call('roles.grant', { userId: mixed.id, role: 'approver', channelId: b, expiresAt: null });
    await as('mixed');
    const heard: string[] = [];
    const stop = t.tandem.events.subscribe(t.caller.client, (event, payload) => {
      if (event === 'pairs.changed') heard.push(...(payload as { pairIds: string[] }).pairIds);
    });
    const copy = await t.call<Pair>('pairs.duplicate', { id: withImage.id });
    expect(copy).toMatchObject({
      status: 'draft',
      version: 1,
      createdBy: 'mixed',
      enText: 'With an image',
      frText: 'Avec une image',
      channelIds: [a],
      scheduledAt: null,
      approval: null,
      deliveries: [],
      media: [{ en: { id: file.id }, fr: { id: file.id }, altEn: 'A chart', altFr: 'Un graphique' }],
    });
    expect(copy.id).not.toBe(withImage.id);
    // The texts stay their writers': the admin who wrote them does not approve the copy.
    expect(copy.writtenBy).toEqual(withImage.writtenBy);
    expect((await auditOf(copy.id)).at(-1)).toMatchObject({ actor: 'mixed', action: 'pair.duplicated', detail: { from: withImage.id, channels: [a] } });
    await waitFor(() => heard.includes(copy.id), 5_000, 'pairs.changed');
    stop();
    // The source is untouched; a published pair can be duplicated too.
    expect((await t.tandem.pairs.get(withImage.id))!.version).toBe(withImage.version);
    expect((await t.call<Pair>('pairs.duplicate', { id: source.id })).enText).toBe('Original');
  });

  it('is refused, saying why, to someone who may draft for none of its account pairs', async () => {
    const pair = await create('Source', 'Source');
    await t.addUser('ava', ['approver'], { channelId: a });
    // Dana still sees the pair (approver), but her drafter role ends in a minute.
    const soon = new Date(Date.now() + 60_000).toISOString();
    const dana = await t.addUser('dana', ['approver'], { channelId: a });
    await t.call('roles.grant', { userId: dana.id, role: 'drafter', channelId: a, expiresAt: soon });
    await as('ava');
    expect(await failure(t.call('pairs.duplicate', { id: pair.id }))).toEqual({ code: 'permission.denied', params: { action: 'pair.create' } });
    await as('dana');
    offset = 2 * 60_000;
    expect(await failure(t.call('pairs.duplicate', { id: pair.id }))).toEqual({ code: 'permission.roleEnded', params: { action: 'pair.create', date: soon } });
    expect((await t.tandem.pairs.list(100)).map((p) => p.id)).toEqual([pair.id]);
  });
});
