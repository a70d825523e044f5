// Unsent composer text belongs to the person who typed it: main keeps it per person, and nobody
// else signed in on the same computer can read, replace or clear it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UnsentText } from '../../src/shared/contract';
import type { MediaFile, User } from '../../src/shared/domain';
import { makePng } from '../fakes/images';
import { ApiFailure, passphraseOf, startTestApp, type TestApp } from '../support';

let t: TestApp;
let channelId: string;
let avery: User;
let blake: User;
beforeEach(async () => {
  t = await startTestApp();
  channelId = await t.addChannel();
  avery = await t.addUser('avery', ['drafter']);
  blake = await t.addUser('blake', ['drafter']);
});
afterEach(async () => {
  await t.cleanup();
});

const text = () => ({
  enText: 'Embargoed until 8:30 – do not share',
  frText: 'Sous embargo jusqu’à 8 h 30 – ne pas diffuser',
  channelIds: [channelId],
  media: [],
});
const signedOut = new ApiFailure('auth.required');

describe('unsent text', () => {
  it('is restored to the person who typed it, and to nobody else', async () => {
    await t.signInAs('avery');
    await t.call('unsent.save', { owner: avery.id, ...text() });
    await t.call('session.signOut');

    await t.signInAs('blake');
    expect(await t.call('unsent.get')).toBeNull();
    // Blake's own text and Blake's clearing touch Blake's only.
    await t.call('unsent.save', { owner: blake.id, ...text(), enText: 'Blake’s note', frText: '' });
    await t.call('unsent.clear', { owner: blake.id });
    expect(await t.call('unsent.get')).toBeNull();
    await t.call('session.signOut');

    await t.signInAs('avery');
    expect(await t.call<UnsentText>('unsent.get')).toEqual({ ...text(), missingMedia: 0 });
  });

  it('cannot be read, replaced or cleared for anyone but the person signed in', async () => {
    await t.signInAs('avery');
    await t.call('unsent.save', { owner: avery.id, ...text() });
    await t.call('session.signOut');
    await expect(t.call('unsent.get')).rejects.toThrow(signedOut);
    await expect(t.call('unsent.clear', { owner: avery.id })).rejects.toThrow(signedOut);
    await expect(t.call('unsent.save', { owner: avery.id, ...text() })).rejects.toThrow(signedOut);

    // Blake signed in: calls made for Avery (a page closing late, or on purpose) are refused.
    await t.signInAs('blake');
    await expect(t.call('unsent.save', { owner: avery.id, ...text(), enText: 'Replaced' })).rejects.toThrow(signedOut);
    await expect(t.call('unsent.clear', { owner: avery.id })).rejects.toThrow(signedOut);
    // Nor kept as Blake's instead.
    expect(await t.call('unsent.get')).toBeNull();
    // Reading takes no name at all: always the caller's own.
    const unnamed = new ApiFailure('input.invalid', { field: '' });
    await expect(t.call('unsent.get', { owner: avery.id })).rejects.toThrow(unnamed);
    await t.call('session.signOut');

    await t.signInAs('avery');
    expect(await t.call<UnsentText>('unsent.get')).toEqual({ ...text(), missingMedia: 0 });
  });

  it('survives a restart, and is forgotten once cleared', async () => {
    await t.signInAs('avery');
    await t.call('unsent.save', { owner: avery.id, ...text() });
    await t.tandem.close();

    const again = t.reopen();
    const call = async (method: string, input?: unknown) => {
      const result = await again.dispatch(t.caller, method, input);
      if (!result.ok) throw new ApiFailure(result.error.code, result.error.params);
      return result.value;
    };
    // A restart signs everyone out.
    await expect(call('unsent.get')).rejects.toThrow(signedOut);
    await call('session.signIn', { username: 'avery', passphrase: passphraseOf('avery') });
    expect(await call('unsent.get')).toEqual({ ...text(), missingMedia: 0 });
    await call('unsent.clear', { owner: avery.id });
    expect(await call('unsent.get')).toBeNull();
  });

  it('comes back with its images, and says how many Tandem no longer has (once)', async () => {
    await t.signInAs('avery');
    const file = await t.call<MediaFile>('media.upload', { data: makePng(40, 30).toString('base64') });
    const gone = 'f'.repeat(64);
    await t.call('unsent.save', {
      owner: avery.id,
      ...text(),
      media: [
        { en: file.id, fr: file.id, altEn: 'A chart', altFr: 'Un graphique' },
        { en: gone, fr: gone, altEn: 'Gone', altFr: 'Disparue' },
      ],
    });
    const restored = await t.call<UnsentText>('unsent.get');
    expect(restored.media).toEqual([{ en: file, fr: file, altEn: 'A chart', altFr: 'Un graphique' }]);
    expect(restored.missingMedia).toBe(1);
    expect((await t.call<UnsentText>('unsent.get')).missingMedia).toBe(0);
  });

  it('is refused when larger than a pair may be', async () => {
    await t.signInAs('avery');
    const tooLong = new ApiFailure('input.invalid', { field: 'enText' });
    const long = { owner: avery.id, ...text(), enText: 'x'.repeat(10_001) };
    await expect(t.call('unsent.save', long)).rejects.toThrow(tooLong);
    const media = Array.from({ length: 21 }, () => ({ en: 'a', fr: 'a', altEn: '', altFr: '' }));
    const tooMany = new ApiFailure('input.invalid', { field: 'media' });
    await expect(t.call('unsent.save', { owner: avery.id, ...text(), media })).rejects.toThrow(tooMany);
  });
});
