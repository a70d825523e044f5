// Text that cannot be kept faithfully is refused with a message saying so, and saving text that
// has not changed changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support';
import type { Pair } from '../../src/shared/domain';

const tz = 'America/Toronto';
let t: TestApp;
let channelId: string;

beforeEach(async () => {
  t = await startTestApp();
  channelId = await t.addChannel();
});
afterEach(async () => t.cleanup());

const count = async (table: string) => (await t.tandem.sql.value<number>(`SELECT COUNT(*) FROM ${table}`))!;

describe('characters that cannot be stored', () => {
  it.each([
    ['a NUL character', 'Release at 8:30\u0000 today', 'enText'],
    ['half of an emoji (a lone high surrogate)', 'Bonne nouvelle \uD83D', 'frText'],
    ['half of an emoji (a lone low surrogate)', '\uDE00 Bonjour', 'frText'],
  ])('%s is refused, naming the field, and nothing is created', async (_what, text, field) => {
    const before = await count('post_pair');
    const input = { channelIds: [channelId], enText: 'Hello', frText: 'Bonjour', authorTz: tz, [field]: text };
    expect(await t.tandem.dispatch(t.caller, 'pairs.create', input)).toEqual({ ok: false, error: { code: 'input.invalidCharacters', params: { field } } });
    expect(await count('post_pair')).toBe(before);
  });

  it('finds it anywhere in the input: alt text of the second image, a sign-in name', async () => {
    const media = [
      { en: 'm1', fr: 'm1', altEn: 'ok', altFr: 'ok' },
      { en: 'm2', fr: 'm2', altEn: 'ok', altFr: 'bad\u0000' },
    ];
    expect(await t.tandem.dispatch(t.caller, 'pairs.create', { channelIds: [channelId], enText: 'a', frText: 'b', authorTz: tz, media })).toEqual({
      ok: false,
      error: { code: 'input.invalidCharacters', params: { field: 'media.1.altFr' } },
    });
    expect(await t.tandem.dispatch(t.caller, 'session.signIn', { username: 'ad\u0000min', passphrase: 'whatever it is' })).toMatchObject({
      ok: false,
      error: { code: 'input.invalidCharacters' },
    });
  });

  it('accepts whole emoji, accents and no-break spaces', async () => {
    const fr = 'Bonne fête\u00a0! 🎉 «\u00a0Canada\u00a0» 👩🏽‍💻';
    const created = await t.call<Pair>('pairs.create', { channelIds: [channelId], enText: 'Happy day 🎉', frText: fr, authorTz: tz });
    expect(created.frText).toBe(fr);
  });
});

describe('saving text that has not changed', () => {
  it('keeps the version, the approval and the schedule, and records nothing', async () => {
    const scheduled = await t.publish(channelId, 'Unchanged', 'Inchangé', new Date(Date.now() + 3_600_000));
    const events = await count('audit_event');
    const again = await t.call<Pair>('pairs.update', { id: scheduled.id, version: scheduled.version, enText: 'Unchanged', frText: 'Inchangé' });
    expect(again).toMatchObject({ version: scheduled.version, status: 'scheduled', scheduledAt: scheduled.scheduledAt });
    expect(again.approval).toEqual(scheduled.approval);
    expect(await count('audit_event')).toBe(events);
    // Saving it twice more, with the images list given explicitly, is still no change.
    const third = await t.call<Pair>('pairs.update', { id: scheduled.id, version: scheduled.version, enText: 'Unchanged', frText: 'Inchangé', media: [] });
    expect(third.version).toBe(scheduled.version);
  });
});
