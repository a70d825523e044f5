// "This is a public number": a drafter asks for a number the personal-information check flagged to
// go on the allow-list; an administrator sees who asked and when, and allows it in one step, after
// which the same text passes. Roles are enforced in main and every step is on the audit trail.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PiiAllowRequest, WorkspaceSettings } from '../../src/shared/contract';
import type { Pair } from '../../src/shared/domain';
import { validSin } from '../fixtures/pii/sin';
import { fakeAccount } from '../fakes/x-api';
import { ApiFailure, startTestApp, waitFor, type TestApp } from '../support';

let t: TestApp;
let channelId: string;
beforeEach(async () => {
  t = await startTestApp();
  channelId = await t.addChannel();
  await t.addUser('dana', ['drafter']);
  await t.addUser('theo', ['translator'], { channelId });
  await t.addUser('nobody', []);
});
afterEach(async () => {
  await t.cleanup();
});

const tz = 'America/Toronto';
const en = 'Questions about the survey? Call our Ottawa office at 613-555-0199.';
const fr = 'Des questions sur l’enquête? Appelez notre bureau d’Ottawa au 613-555-0199.';
const refused = (action: string) => new ApiFailure('permission.denied', { action });
const settingsEvents = () => {
  const seen: string[] = [];
  t.tandem.events.subscribe(t.caller.client, (event) => {
    if (event === 'settings.changed') seen.push(event);
  });
  return seen;
};

describe('a drafter asks, an administrator allows', () => {
  it('adds the number to the allow-list in one step, showing who asked and when, and the text then passes', async () => {
    await t.signInAs('dana');
    let pair = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: en, frText: fr, authorTz: tz });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    const events = settingsEvents();
    const asked = await t.call<PiiAllowRequest>('pii.requestAllow', { match: '613-555-0199', kind: 'phone', pairId: pair.id });
    expect(asked).toMatchObject({
      match: '613-555-0199',
      kind: 'phone',
      requestedBy: { username: 'dana', displayName: 'dana' },
      pairId: pair.id,
      decision: null,
    });
    // Events arrive a little after they are emitted (scoping them may read the database).
    await waitFor(() => events.length >= 1, 5_000, 'settings.changed');
    expect(events).toHaveLength(1);
    // Asking again (the French side flags the same number) is the same request.
    expect((await t.call<PiiAllowRequest>('pii.requestAllow', { match: '613 555-0199', kind: 'phone' })).id).toBe(asked.id);

    // A drafter cannot decide, nor list the requests.
    await expect(t.call('pii.allow', { requestId: asked.id })).rejects.toEqual(refused('workspace.settings'));
    await expect(t.call('pii.requests')).rejects.toEqual(refused('workspace.settings'));

    await t.signInAs('admin');
    // Blocked until allowed.
    await expect(t.call('pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' })).rejects.toEqual(
      new ApiFailure('checks.blocked', { check: 'pii', count: 2 }),
    );
    const pending = await t.call<PiiAllowRequest[]>('pii.requests');
    expect(pending).toEqual([asked]);
    expect(Date.parse(pending[0]!.requestedAt)).toBeGreaterThan(Date.now() - 60_000);

    const saved = await t.call<WorkspaceSettings>('pii.allow', { requestId: asked.id });
    expect(saved.checks.piiAllowList).toEqual(['613-555-0199']);
    await waitFor(() => events.length >= 3, 5_000, 'settings.changed');
    expect(events).toHaveLength(3);
    expect(await t.call('pii.requests')).toEqual([]);
    const approved = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'ok' });
    expect(approved.status).toBe('approved');

    // Every step on the record: who asked (without the number, until it is allowed), who allowed it.
    const trail = await t.tandem.audit.list(`piiRequest:${asked.id}`);
    expect(trail.map((e) => [e.actor, e.action])).toEqual([
      ['dana', 'pii.allowRequested'],
      ['dana', 'pii.allowRequested'],
      ['admin', 'pii.allowed'],
    ]);
    // Not in what the events say (their ids and hashes are random hex, where "0199" turns up by chance).
    for (const event of trail.slice(0, 2)) expect(JSON.stringify([event.detail, event.subject])).not.toMatch(/555.?0199/);
    expect(trail[2]!.detail).toMatchObject({ match: '613-555-0199', kind: 'phone', requestedBy: 'dana', requestedAt: asked.requestedAt });
    expect((await t.tandem.audit.list('settings')).at(-1)).toMatchObject({ actor: 'admin', action: 'settings.changed' });

    // Decided once.
    await expect(t.call('pii.allow', { requestId: asked.id })).rejects.toEqual(new ApiFailure('pii.requestUnknown'));
  });

  it('lets a translator scoped to one account pair ask; a dismissed request leaves the allow-list alone', async () => {
    await t.signInAs('theo');
    const sin = validSin('27481635');
    const asked = await t.call<PiiAllowRequest>('pii.requestAllow', { match: sin, kind: 'sin' });
    await t.signInAs('admin');
    const dismissed = await t.call<PiiAllowRequest>('pii.dismiss', { requestId: asked.id });
    expect(dismissed).toMatchObject({ decision: 'dismissed', decidedBy: 'admin', requestedBy: { username: 'theo' } });
    expect((await t.call<WorkspaceSettings>('settings.get')).checks.piiAllowList).toEqual([]);
    expect(await t.call('pii.requests')).toEqual([]);
    // Someone's real SIN, most likely: it never reaches the append-only trail.
    expect(JSON.stringify(await t.tandem.audit.list(`piiRequest:${asked.id}`))).not.toContain(sin);
  });
});

describe('refusals', () => {
  it('refuses a person with no role, and is on the record', async () => {
    await t.signInAs('nobody');
    await expect(t.call('pii.requestAllow', { match: '613-555-0199', kind: 'phone' })).rejects.toEqual(refused('pair.create'));
    expect((await t.tandem.audit.list('piiRequests')).at(-1)).toMatchObject({ actor: 'nobody', action: 'permission.denied' });
  });

  it('takes only what the check flags, whole: not a fragment that would allow far more', async () => {
    await t.signInAs('dana');
    for (const [match, kind] of [
      ['gmail.com', 'email'],
      ['0199', 'phone'],
      ['1-800-622-6232', 'phone'],
      [validSin('27481635').slice(0, 7), 'sin'],
    ] as const) {
      await expect(t.call('pii.requestAllow', { match, kind }), match).rejects.toEqual(new ApiFailure('pii.notFlagged'));
    }
    // Context-bound kinds are read as that kind.
    expect(await t.call('pii.requestAllow', { match: 'AB123456', kind: 'passport' })).toMatchObject({ kind: 'passport' });
  });

  it('refuses a pair the person cannot see', async () => {
    const other = await t.addChannel('Other', { accounts: { en: fakeAccount(t.fake, 'Other_eng'), fr: fakeAccount(t.fake, 'Other_fra') } });
    const pair = await t.call<Pair>('pairs.create', { channelIds: [other], enText: en, frText: fr, authorTz: tz });
    await t.signInAs('theo');
    await expect(t.call('pii.requestAllow', { match: '613-555-0199', kind: 'phone', pairId: pair.id })).rejects.toEqual(
      new ApiFailure('pair.unknown'),
    );
  });
});
