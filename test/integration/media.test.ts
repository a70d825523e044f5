// Images with alt text in both languages: stored by content in the real database, checked
// against each platform's limits before review, covered by approval, visible only to those who
// may see the pair, and swept when abandoned.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MediaFile, Pair } from '../../src/shared/domain';
import { makeJpegHeader, makePng } from '../fakes/images';
import { startTestApp, waitFor, type TestApp } from '../support';

let t: TestApp;
let channelId: string;

beforeEach(async () => {
  t = await startTestApp();
  channelId = await t.addChannel();
});
afterEach(async () => {
  await t.cleanup();
});

const upload = (bytes: Buffer) => t.call<MediaFile>('media.upload', { data: bytes.toString('base64') });
const create = (media: { en: string; fr: string; altEn: string; altFr: string }[], enText = 'New data on housing', frText = 'Nouvelles données sur le logement') =>
  t.call<Pair>('pairs.create', { channelIds: [channelId], enText, frText, media, authorTz: 'America/Toronto' });

describe('uploading an image', () => {
  it('reads the type and size from the file itself, and stores one copy of the same file', async () => {
    const png = makePng(40, 30);
    const first = await upload(png);
    expect(first).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/), mime: 'image/png', bytes: png.length, width: 40, height: 30 });
    expect(await upload(png)).toEqual(first);
    expect(await t.tandem.sql.value('SELECT COUNT(*) FROM media_blob')).toBe(1);
    expect(await upload(makeJpegHeader(1200, 675))).toMatchObject({ mime: 'image/jpeg', width: 1200, height: 675 });
  });

  it('refuses a file that is not an image, and one over 16 MB, saying so', async () => {
    await expect(upload(Buffer.from('%PDF-1.7 not an image'))).rejects.toMatchObject({ code: 'media.unreadable' });
    await expect(upload(makePng(2, 2, { padTo: 17 * 1024 * 1024 }))).rejects.toMatchObject({
      code: 'media.fileTooLarge',
      params: { size: 17, max: 16 },
    });
    expect(await t.tandem.sql.value('SELECT COUNT(*) FROM media_blob')).toBe(0);
  });

  it('is for people who write pairs: an approver alone may not upload', async () => {
    await t.addUser('approver1', ['approver']);
    await t.addUser('scoped', ['drafter'], { channelId });
    await t.signInAs('approver1');
    await expect(upload(makePng(4, 4))).rejects.toMatchObject({ code: 'permission.denied' });
    await t.signInAs('scoped');
    await expect(upload(makePng(4, 4))).resolves.toMatchObject({ width: 4 });
  });
});

describe('a pair with images', () => {
  it('keeps the images in order with alt text in each language, and a different French image', async () => {
    const chart = await upload(makePng(60, 40));
    const chartFr = await upload(makePng(60, 40, { colour: [200, 0, 0] }));
    const photo = await upload(makePng(30, 30));
    const pair = await create([
      { en: chart.id, fr: chartFr.id, altEn: 'Bar chart of housing starts', altFr: 'Graphique à barres des mises en chantier' },
      { en: photo.id, fr: photo.id, altEn: 'A new house', altFr: 'Une maison neuve' },
    ]);
    expect(pair.media).toEqual([
      { en: chart, fr: chartFr, altEn: 'Bar chart of housing starts', altFr: 'Graphique à barres des mises en chantier' },
      { en: photo, fr: photo, altEn: 'A new house', altFr: 'Une maison neuve' },
    ]);
    // Read back for the composer's preview, byte for byte.
    const read = await t.call<{ mime: string; data: string }>('media.read', { id: chartFr.id });
    expect(Buffer.from(read.data, 'base64').equals(makePng(60, 40, { colour: [200, 0, 0] }))).toBe(true);
  });

  it('cannot be approved while an image lacks alt text in either language (a block by default)', async () => {
    const image = await upload(makePng(10, 10));
    let pair = await create([{ en: image.id, fr: image.id, altEn: 'Map of Canada', altFr: '  ' }]);
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    await expect(t.call('pairs.approve', { id: pair.id, version: pair.version, comment: '' })).rejects.toMatchObject({
      code: 'checks.blocked',
      params: { check: 'media.altText', count: 1 },
    });
  });

  it('is checked against each platform: a fifth image cannot go to X', async () => {
    const files = await Promise.all([1, 2, 3, 4, 5].map((n) => upload(makePng(n, n))));
    const pair = await create(files.map((f) => ({ en: f.id, fr: f.id, altEn: 'Chart', altFr: 'Graphique' })));
    await expect(t.call('pairs.submitForReview', { id: pair.id, version: pair.version })).rejects.toMatchObject({
      code: 'media.tooMany',
      params: { lang: 'en', count: 5, max: 4, platform: 'x' },
    });
  });

  it('approval covers the images: changing alt text withdraws it, and the evidence names the files', async () => {
    const image = await upload(makePng(12, 12));
    let pair = await create([{ en: image.id, fr: image.id, altEn: 'Population pyramid', altFr: 'Pyramide des âges' }]);
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'Good' });
    const evidence = (await t.tandem.sql.value<string>('SELECT media FROM approval WHERE pair_id = ?', [pair.id]))!;
    expect(JSON.parse(evidence)).toEqual([{ en: image.id, fr: image.id, altEn: 'Population pyramid', altFr: 'Pyramide des âges' }]);

    const edited = await t.call<Pair>('pairs.update', {
      id: pair.id,
      version: pair.version,
      enText: pair.enText,
      frText: pair.frText,
      media: [{ en: image.id, fr: image.id, altEn: 'Population pyramid, 2026', altFr: 'Pyramide des âges, 2026' }],
    });
    expect(edited).toMatchObject({ status: 'review', version: pair.version + 1, approval: null });
    // The same images and alt text again is not an edit.
    const same = await t.call<Pair>('pairs.update', {
      id: edited.id,
      version: edited.version,
      enText: edited.enText,
      frText: edited.frText,
      media: [{ en: image.id, fr: image.id, altEn: 'Population pyramid, 2026', altFr: 'Pyramide des âges, 2026' }],
    });
    expect(same.version).toBe(edited.version);
    // Editing only the text keeps the images.
    const textOnly = await t.call<Pair>('pairs.update', { id: same.id, version: same.version, enText: 'Population pyramid, revised', frText: same.frText });
    expect(textOnly.media.map((m) => m.altEn)).toEqual(['Population pyramid, 2026']);
  });

  it('goes out with its alt text in each language, and the records export says what was published', async () => {
    const chart = await upload(makePng(20, 10));
    let pair = await create([{ en: chart.id, fr: chart.id, altEn: 'Line chart of the CPI', altFr: 'Graphique linéaire de l’IPC' }], 'CPI, October', 'IPC, octobre');
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: '' });
    await t.call('pairs.schedule', { id: pair.id, version: pair.version, when: 'now' });
    await waitFor(async () => (await t.call<Pair[]>('pairs.list')).find((p) => p.id === pair.id)?.status === 'published', 10_000, 'published');
    const [enPost] = t.fake.postsBy(t.en.username);
    const [frPost] = t.fake.postsBy(t.fr.username);
    expect(t.fake.mediaOf(enPost!).map((m) => [m.alt, m.bytes.equals(makePng(20, 10))])).toEqual([['Line chart of the CPI', true]]);
    expect(t.fake.mediaOf(frPost!).map((m) => m.alt)).toEqual(['Graphique linéaire de l’IPC']);
    const file = await t.call<{ content: string }>('audit.exportPublished', { format: 'json' });
    const record = (JSON.parse(file.content) as { pairs: { pairId: string; enAltText: string; frAltText: string }[] }).pairs.find((p) => p.pairId === pair.id);
    expect(record).toMatchObject({ enAltText: 'Line chart of the CPI', frAltText: 'Graphique linéaire de l’IPC' });
  });

  it('refuses an image id that was never uploaded', async () => {
    await expect(create([{ en: 'f'.repeat(64), fr: 'f'.repeat(64), altEn: 'x', altFr: 'x' }])).rejects.toMatchObject({ code: 'media.unknown' });
    expect(await t.tandem.sql.value('SELECT COUNT(*) FROM post_pair')).toBe(0);
  });

  it('shows its images only to people who may see the pair', async () => {
    const otherChannel = await t.addChannel('Other department', {
      accounts: {
        en: (await import('../fakes/x-api')).fakeAccount(t.fake, 'Other_eng'),
        fr: (await import('../fakes/x-api')).fakeAccount(t.fake, 'Other_fra'),
      },
    });
    const image = await upload(makePng(8, 8));
    await create([{ en: image.id, fr: image.id, altEn: 'Logo', altFr: 'Logo' }]);
    await t.addUser('elsewhere', ['drafter'], { channelId: otherChannel });
    await t.signInAs('elsewhere');
    await expect(t.call('media.read', { id: image.id })).rejects.toMatchObject({ code: 'media.unknown' });
    // Nor its engagement numbers: to them the pair does not exist.
    const pairId = (await t.tandem.sql.value<string>('SELECT pair_id FROM pair_media LIMIT 1'))!;
    await expect(t.call('pairs.metrics', { id: pairId })).rejects.toMatchObject({ code: 'pair.unknown' });
  });
});

describe('abandoned uploads', () => {
  it('are removed after 30 days when no pair uses them; images on pairs stay', async () => {
    const kept = await upload(makePng(5, 5));
    const dropped = await upload(makePng(6, 6));
    const recent = await upload(makePng(7, 7));
    await create([{ en: kept.id, fr: kept.id, altEn: 'Kept', altFr: 'Gardée' }]);
    await t.whileClosed(async (sql) => {
      await sql.run('UPDATE media_blob SET created_at = ?', [Date.now() - 31 * 24 * 3_600_000]);
      await sql.run('UPDATE media_blob SET created_at = ? WHERE id = ?', [Date.now() - 29 * 24 * 3_600_000, recent.id]);
    });
    const reopened = t.reopen();
    // The sweep runs as the app gets ready.
    await reopened.ready;
    const ids = (await reopened.sql.all<{ id: string }>('SELECT id FROM media_blob ORDER BY id')).map((r) => r.id);
    expect(ids.sort()).toEqual([kept.id, recent.id].sort());
    expect(dropped.id).not.toBe(kept.id);
  });

  it('an unsaved draft\'s image shown again in the composer starts its 30 days over', async () => {
    const draft = await upload(makePng(9, 9));
    await t.tandem.sql.run('UPDATE media_blob SET created_at = ?', [Date.now() - 29 * 24 * 3_600_000]);
    await t.call('media.read', { id: draft.id });
    const age = Date.now() - (await t.tandem.sql.value<number>('SELECT created_at FROM media_blob WHERE id = ?', [draft.id]))!;
    expect(age).toBeLessThan(60_000);
  });
});
