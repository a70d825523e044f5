// Two platforms at once, as people use them: an X pair and a Mastodon pair registered through
// the Accounts view, one bilingual pair with images and alt text composed for both, previews
// counted by each platform's own rules, published to both fakes, engagement read back from
// both, and the previews' problems shown in French.
// The tests in this file run in order on one app: the first one sets it up from first start.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Tandem } from '../../src/main/app';
import { MastodonAdapter } from '../../src/main/platforms/mastodon';
import { XAdapter } from '../../src/main/platforms/x';
import { FakeMastodon, type FakeMastodonAccount, type FakeStatus } from '../fakes/mastodon-api';
import { makePng } from '../fakes/images';
import { startHarness, type Harness } from '../harness/server';
import { passphraseOf, testCaller as caller, startTestApp, waitFor, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { addXPair, createFirstAdmin, goTo } from './steps';

let t: TestApp;
let tandem: Tandem;
let mastodon: FakeMastodon;
let mEn: FakeMastodonAccount;
let mFr: FakeMastodonAccount;
let harness: Harness;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mastodon = new FakeMastodon();
  await mastodon.start();
  // This instance allows longer posts than Mastodon's default 500: the previews must say so.
  mastodon.instance.maxCharacters = 1000;
  mEn = mastodon.addAccount('StatCan', 'Statistics Canada');
  mFr = mastodon.addAccount('StatCan_fr', 'Statistique Canada');
  t = await startTestApp({}, { bootstrap: false });
  // startTestApp makes its FakeX (and so its URL) before the app, so the app is opened again
  // on the same (still empty) files with both platforms' adapters, as after a restart.
  await t.tandem.close();
  tandem = t.reopen({
    adapters: [new XAdapter({ apiBase: t.fake.url, timeoutMs: 2_000 }), new MastodonAdapter({ timeoutMs: 2_000, mediaProcessingMs: 5_000 })],
  });
  harness = await startHarness(tandem, path.resolve('out/renderer'));
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await harness?.close();
  await t?.cleanup();
  await mastodon?.stop();
});

async function openApp(locale = 'en-CA'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'America/Toronto' });
  // The browser is the test's own client (one window): signed in as whoever the test signs in.
  await context.addCookies([harness.cookieFor(caller.client)]);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(harness.url);
  return page;
}

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name }).click();
const mastodonHandle = (account: FakeMastodonAccount) => `${account.username}@${new URL(mastodon.url).host}`;

// The images: 1 is the same file on both sides; 2 has its own French version (French labels).
const image1 = makePng(640, 360, { colour: [0, 94, 184] });
const image2 = makePng(480, 480, { colour: [200, 30, 30] });
const image2Fr = makePng(480, 480, { colour: [30, 160, 60] });
const png = (name: string, buffer: Buffer) => ({ name, mimeType: 'image/png', buffer });
const alt = {
  en: ['A bar chart of monthly housing starts', 'A map of Canada by province'],
  fr: ['Un graphique à barres des mises en chantier mensuelles', 'Une carte du Canada par province, avec les noms en français'],
};
// X counts the URL as 23 and the emoji as 2; Mastodon counts the URL as 23 and the emoji as 1.
const enText = 'Housing starts rose 4% in September 📊 Read The Daily: https://www150.statcan.gc.ca/n1/daily-quotidien/251016/dq251016a-eng.htm';
const frText =
  'Les mises en chantier ont augmenté de 4\u00a0% en septembre 📊 Lisez Le Quotidien\u00a0: https://www150.statcan.gc.ca/n1/daily-quotidien/251016/dq251016a-fra.htm';

describe('an X pair and a Mastodon pair, from first start to engagement', () => {
  it('creates the admin and registers a Mastodon pair and an X pair through the Accounts view', async () => {
    const page = await openApp();
    await createFirstAdmin(page, passphraseOf('admin'));

    await nav(page, 'People and roles');
    // Several roles at once.
    for (const role of ['Drafter', 'Translator', 'Approver', 'Publisher']) await page.getByRole('checkbox', { name: role, exact: true }).check();
    await page.getByRole('button', { name: 'Give the roles' }).click();
    await page.getByText('Alex Admin now holds the roles Drafter, Translator, Approver and Publisher.').waitFor();

    // Mastodon: an instance address and an access token per account; handles are user@instance.
    await nav(page, 'Accounts');
    await page.getByLabel('Platform').selectOption({ label: 'Mastodon' });
    await page.getByText('Credentials are checked with Mastodon').waitFor();
    await page.getByLabel('Pair name (English)').fill('StatCan on Mastodon');
    for (const [group, account, name] of [
      ['English account', mEn, 'Statistics Canada'],
      ['French account', mFr, 'Statistique Canada'],
    ] as const) {
      const side = page.getByRole('group', { name: group });
      await side.getByLabel('Handle').fill(`@${mastodonHandle(account)}`);
      await side.getByLabel('Display name').fill(name);
      await side.getByLabel('Instance address').fill(mastodon.url);
      await side.getByLabel('Access token', { exact: true }).fill(account.accessToken);
      expect(await side.getByLabel('Access token secret').count()).toBe(0);
    }
    expect(await page.getByLabel('API key', { exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Verify and add pair' }).click();
    await page.getByText('Account pair “StatCan on Mastodon” added.').waitFor();
    const mastodonChannel = page.getByTestId('channel').filter({ has: page.getByText('StatCan on Mastodon', { exact: true }) });
    await mastodonChannel.getByText('Mastodon', { exact: true }).waitFor();
    expect(await mastodonChannel.textContent()).toContain(`@${mastodonHandle(mEn)} · Statistics Canada`);
    expect(await mastodonChannel.textContent()).toContain(`@${mastodonHandle(mFr)} · Statistique Canada`);

    // X, the way the publishing test registers it.
    await addXPair(page, 'StatCan on X', t);
    const xChannel = page.getByTestId('channel').filter({ has: page.getByText('StatCan on X', { exact: true }) });
    await xChannel.getByText('X', { exact: true }).waitFor();

    // A one-person team: self-approval on both account pairs.
    for (const channel of [mastodonChannel, xChannel]) {
      await channel.getByLabel('Authors may approve their own pairs on this account pair').check();
    }
    await waitFor(
      async () => {
        const channels = await tandem.accounts.list();
        return channels.length === 2 && channels.every((c) => c.allowSelfApproval);
      },
      5_000,
      'self-approval saved',
    );
    const platforms = Object.fromEntries((await tandem.accounts.list()).map((c) => [c.name, c.platform]));
    expect(platforms).toEqual({ 'StatCan on Mastodon': 'mastodon', 'StatCan on X': 'x' });
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 30_000);

  it('composes one pair with two images for both platforms, previews each card, and publishes it everywhere', async () => {
    const page = await openApp();
    await goTo(page, 'Compose');
    await page.getByRole('heading', { name: 'Draft a bilingual pair' }).waitFor();
    await page.getByRole('checkbox', { name: `StatCan on X — X: @${t.en.username} and @${t.fr.username}` }).check();
    await page.getByRole('checkbox', { name: `StatCan on Mastodon — Mastodon: @${mastodonHandle(mEn)} and @${mastodonHandle(mFr)}` }).check();
    await page.getByLabel('English text').fill(enText);
    await page.getByLabel('French text').fill(frText);
    // The side counters follow the strictest account selected: X.
    expect(await page.getByTestId('counter-en').textContent()).toBe('78 of 280 characters');
    expect(await page.getByTestId('counter-fr').textContent()).toBe('102 of 280 characters');

    // Two images at once; the first upload is held back until the progress has been seen.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/call', async (route) => {
      if ((route.request().postDataJSON() as { method?: string }).method === 'media.upload') await held;
      await route.continue();
    });
    await page.getByLabel('Add images…').setInputFiles([png('housing-chart.png', image1), png('provinces-map.png', image2)]);
    await page.getByRole('status').getByText('Adding image 1 of 2…', { exact: true }).waitFor();
    release();
    await waitFor(async () => (await page.getByTestId('media-item').count()) === 2, 10_000, 'two media items');
    await page.unroute('**/api/call');
    await page.getByRole('status').getByText(/^Adding image/).waitFor({ state: 'detached' });
    expect(await page.getByTestId('media-item').first().textContent()).toContain('640 × 360 px');

    // One preview card per platform and language, each counted by its own platform's rules.
    const card = (platform: string, lang: string) => page.getByTestId(`preview-${platform}-${lang}`);
    const counter = async (platform: string, lang: string) => card(platform, lang).getByTestId('preview-counter').textContent();
    // In the order of the account list (the Mastodon pair was added first), English then French.
    expect(await page.locator('article[data-testid^="preview-"]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-testid')))).toEqual([
      'preview-mastodon-en',
      'preview-mastodon-fr',
      'preview-x-en',
      'preview-x-fr',
    ]);
    expect(await counter('x', 'en')).toBe('78 of 280 · 2 of 4 images');
    expect(await counter('x', 'fr')).toBe('102 of 280 · 2 of 4 images');
    expect(await counter('mastodon', 'en')).toBe('77 of 1,000 · 2 of 4 images');
    expect(await counter('mastodon', 'fr')).toBe('101 of 1,000 · 2 of 4 images');
    expect(await card('mastodon', 'en').getAttribute('aria-label')).toBe(`Mastodon, @${mastodonHandle(mEn)}, English`);
    expect(await card('x', 'fr').getAttribute('aria-label')).toBe(`X, @${t.fr.username}, French`);

    // Without alt text, the checks block approval, for each image in each language.
    const checks = page.getByTestId('checks');
    await checks.getByText('Image 1 has no English alt text.').waitFor();
    expect(await checks.locator('[data-check="media.altText"]').evaluateAll((items) => items.map((i) => [i.getAttribute('data-severity'), i.textContent]))).toEqual([
      ['block', 'Blocks approval Image 1 has no English alt text.'],
      ['block', 'Blocks approval Image 1 has no French alt text.'],
      ['block', 'Blocks approval Image 2 has no English alt text.'],
      ['block', 'Blocks approval Image 2 has no French alt text.'],
    ]);
    for (const [index, position] of [1, 2].entries()) {
      await page.getByLabel(`Alt text in English, image ${position}`, { exact: true }).fill(alt.en[index]!);
      await page.getByLabel(`Alt text in French, image ${position}`, { exact: true }).fill(alt.fr[index]!);
    }
    await checks.getByText('No problems found.').waitFor();

    // Image 2 gets its own French version; the alt text stays.
    await page.getByLabel('Use a different image in French (image 2)…').setInputFiles(png('carte-provinces.png', image2Fr));
    await page.getByRole('button', { name: 'Use the English image in French too (image 2)' }).waitFor();
    await page.getByText('Replace the French image (image 2)…').waitFor();
    expect(await page.getByLabel('Alt text in French, image 2', { exact: true }).inputValue()).toBe(alt.fr[1]);
    // Each card shows its own language's images, with that language's alt text.
    const thumbs = (platform: string, lang: string) => card(platform, lang).locator('img').evaluateAll((imgs) => imgs.map((i) => [i.getAttribute('alt'), i.getAttribute('src')]));
    await waitFor(async () => (await thumbs('mastodon', 'fr')).length === 2, 5_000, 'French thumbnails');
    const [enThumbs, frThumbs] = [await thumbs('mastodon', 'en'), await thumbs('mastodon', 'fr')];
    expect(enThumbs.map(([a]) => a)).toEqual(alt.en);
    expect(frThumbs.map(([a]) => a)).toEqual(alt.fr);
    expect(frThumbs[0]![1]).toBe(enThumbs[0]![1]);
    expect(frThumbs[1]![1]).not.toBe(enThumbs[1]![1]);
    expect((await thumbs('x', 'fr')).map(([a]) => a)).toEqual(alt.fr);

    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('status').getByText('Submitted for review.').waitFor();
    expect(await page.getByTestId('media-item').count()).toBe(0);

    await goTo(page, 'Queue');
    const queued = page.getByTestId('pair').first();
    await queued.getByLabel(/^Comment/).fill('Alt text checked in both languages.');
    await queued.getByRole('button', { name: 'Approve both languages' }).click();
    await queued.and(page.locator('[data-status="approved"]')).waitFor();
    await queued.getByRole('button', { name: 'Publish both now' }).click();
    await queued.and(page.locator('[data-status="published"]')).waitFor({ timeout: 20_000 });
    expect(await queued.getByTestId('pair-status').textContent()).toBe('Published');
    const deliveries = await queued
      .getByTestId('delivery')
      .evaluateAll((items) => items.map((i) => `${i.getAttribute('data-lang')} ${i.textContent?.split(' · ')[0]} ${i.getAttribute('data-status')}`));
    expect(deliveries.sort()).toEqual(
      [
        `en @${t.en.username} sent`,
        `en @${mastodonHandle(mEn)} sent`,
        `fr @${t.fr.username} sent`,
        `fr @${mastodonHandle(mFr)} sent`,
      ].sort(),
    );

    // Mastodon: one status per language, each with its language and its images and alt text.
    const mediaOf = (status: FakeStatus) => status.mediaIds.map((id) => mastodon.media.find((m) => m.id === id)!);
    const [enStatus, ...moreEn] = mastodon.statusesBy(mEn.username);
    const [frStatus, ...moreFr] = mastodon.statusesBy(mFr.username);
    expect([moreEn, moreFr]).toEqual([[], []]);
    expect(mastodon.statuses).toHaveLength(2);
    expect([enStatus!.text, enStatus!.language, enStatus!.visibility]).toEqual([enText, 'en', 'public']);
    expect([frStatus!.text, frStatus!.language, frStatus!.visibility]).toEqual([frText, 'fr', 'public']);
    expect(mediaOf(enStatus!).map((m) => m.description)).toEqual(alt.en);
    expect(mediaOf(frStatus!).map((m) => m.description)).toEqual(alt.fr);
    expect(mediaOf(enStatus!).map((m) => m.bytes.equals(image1) ? 'image1' : m.bytes.equals(image2) ? 'image2' : 'other')).toEqual(['image1', 'image2']);
    expect(mediaOf(frStatus!).map((m) => m.bytes.equals(image1) ? 'image1' : m.bytes.equals(image2Fr) ? 'image2Fr' : 'other')).toEqual(['image1', 'image2Fr']);
    expect(mediaOf(enStatus!).concat(mediaOf(frStatus!)).map((m) => m.mime)).toEqual(Array(4).fill('image/png'));

    // X: one post per account, each with two images whose alt text is in the post's language.
    const [enPost, ...moreEnPosts] = t.fake.postsBy(t.en.username);
    const [frPost, ...moreFrPosts] = t.fake.postsBy(t.fr.username);
    expect([moreEnPosts, moreFrPosts]).toEqual([[], []]);
    expect([enPost!.text, frPost!.text]).toEqual([enText, frText]);
    expect(enPost!.mediaIds).toHaveLength(2);
    expect(frPost!.mediaIds).toHaveLength(2);
    expect(t.fake.mediaOf(enPost!).map((m) => [m.alt, m.username, m.state])).toEqual(alt.en.map((a) => [a, t.en.username, 'succeeded']));
    expect(t.fake.mediaOf(frPost!).map((m) => [m.alt, m.username, m.state])).toEqual(alt.fr.map((a) => [a, t.fr.username, 'succeeded']));
    expect(t.fake.mediaOf(enPost!).map((m) => m.bytes.equals(image1) ? 'image1' : m.bytes.equals(image2) ? 'image2' : 'other')).toEqual(['image1', 'image2']);
    expect(t.fake.mediaOf(frPost!).map((m) => m.bytes.equals(image1) ? 'image1' : m.bytes.equals(image2Fr) ? 'image2Fr' : 'other')).toEqual(['image1', 'image2Fr']);

    // The queue links to each post where it is.
    expect(await queued.getByRole('link', { name: `View English post on @${mastodonHandle(mEn)}` }).getAttribute('href')).toBe(
      `${mastodon.url}/@${mEn.username}/${enStatus!.id}`,
    );
    expect(await queued.getByRole('link', { name: `View French post on @${t.fr.username}` }).getAttribute('href')).toBe(
      `https://x.com/${t.fr.username}/status/${frPost!.id}`,
    );
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 45_000);

  it('shows each side’s engagement on each platform, with what Mastodon does not count said so', async () => {
    const [enPost] = t.fake.postsBy(t.en.username);
    const [frPost] = t.fake.postsBy(t.fr.username);
    t.fake.setMetrics(enPost!.id, { like_count: 1204, retweet_count: 31, quote_count: 4, reply_count: 9, impression_count: 48_213 });
    t.fake.setMetrics(frPost!.id, { like_count: 87, retweet_count: 5, quote_count: 0, reply_count: 2, impression_count: 6_120 });
    const [enStatus] = mastodon.statusesBy(mEn.username);
    const [frStatus] = mastodon.statusesBy(mFr.username);
    Object.assign(enStatus!, { favourites: 56, reblogs: 12, replies: 3 });
    Object.assign(frStatus!, { favourites: 21, reblogs: 0, replies: 1 });

    const page = await openApp();
    await goTo(page, 'Queue');
    const pair = page.getByTestId('pair').first();
    await pair.and(page.locator('[data-status="published"]')).waitFor();
    await pair.getByRole('button', { name: 'Show engagement' }).click();
    const table = pair.getByTestId('metrics');
    await table.waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual(['Account', 'Likes', 'Shares', 'Replies', 'Impressions']);
    const rows = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent?.replace(/\s+/g, ' ').trim())),
    );
    expect(rows.sort()).toEqual(
      [
        [`EN X @${t.en.username}`, '1,204', '35', '9', '48,213'],
        [`FR X @${t.fr.username}`, '87', '5', '2', '6,120'],
        [`EN Mastodon @${mastodonHandle(mEn)}`, '56', '12', '3', 'not reported'],
        [`FR Mastodon @${mastodonHandle(mFr)}`, '21', '0', '1', 'not reported'],
      ].sort(),
    );
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 20_000);

  it('in French, says in French with French typography that X and Mastodon take four images', async () => {
    const page = await openApp();
    await page.getByRole('button', { name: 'Français' }).click();
    await goTo(page, 'Rédiger');
    await page.getByRole('heading', { name: 'Rédiger une paire bilingue' }).waitFor();
    await page.getByRole('checkbox', { name: `StatCan on X — X\u00a0: @${t.en.username} et @${t.fr.username}` }).check();
    await page.getByRole('checkbox', { name: `StatCan on Mastodon — Mastodon\u00a0: @${mastodonHandle(mEn)} et @${mastodonHandle(mFr)}` }).check();
    await page.getByLabel('Texte anglais').fill('Four charts from the Labour Force Survey');
    await page.getByLabel('Texte français').fill('Quatre graphiques de l’Enquête sur la population active');

    const add = page.getByLabel('Ajouter des images…');
    await add.setInputFiles([1, 2, 3, 4].map((n) => png(`graphique-${n}.png`, makePng(100 + n, 100, { colour: [n * 40, 80, 120] }))));
    await waitFor(async () => (await page.getByTestId('media-item').count()) === 4, 10_000, 'four media items');
    const problems = (platform: string, lang: string) => page.getByTestId(`preview-${platform}-${lang}`).locator('.preview-problems li').allTextContents();
    expect(await problems('x', 'en')).toEqual([]);
    expect(await page.getByTestId('preview-x-en').getByTestId('preview-counter').textContent()).toBe('40 sur 280 · 4 images sur 4');

    // A fifth image is one too many on both platforms, said on each card.
    await add.setInputFiles(png('graphique-5.png', makePng(105, 100)));
    await waitFor(async () => (await page.getByTestId('media-item').count()) === 5, 10_000, 'five media items');
    await page.getByTestId('preview-x-en').getByText('5 images du côté anglais; X en accepte 4.').waitFor();
    expect(await problems('x', 'en')).toEqual(['5 images du côté anglais; X en accepte 4.']);
    expect(await problems('x', 'fr')).toEqual(['5 images du côté français; X en accepte 4.']);
    expect(await problems('mastodon', 'en')).toEqual(['5 images du côté anglais; Mastodon en accepte 4.']);
    expect(await problems('mastodon', 'fr')).toEqual(['5 images du côté français; Mastodon en accepte 4.']);
    // Numbers as French writes them: a narrow no-break space between thousands.
    expect(await page.getByTestId('preview-mastodon-fr').getByTestId('preview-counter').textContent()).toBe('55 sur 1\u202f000 · 5 images sur 4');
    // The cards show only what the platform will show: the first four.
    expect(await page.getByTestId('preview-x-fr').locator('img').count()).toBe(4);

    await page.getByRole('button', { name: 'Retirer l’image 5' }).click();
    await waitFor(async () => (await page.getByTestId('media-item').count()) === 4, 5_000, 'back to four media items');
    for (const card of ['x-en', 'x-fr', 'mastodon-en', 'mastodon-fr']) {
      expect(await page.getByTestId(`preview-${card}`).locator('.preview-problems li').count()).toBe(0);
    }
    // Reordering by keyboard keeps focus on the control just used, on the image that moved.
    // Which image is where, read from the pictures themselves (each test PNG has its own width).
    const thumbs = async () =>
      (await page.evaluate("[...document.querySelectorAll('[data-testid=media-item] .media-files img')].map((img) => img.naturalWidth)")) as number[];
    expect(await thumbs()).toEqual([101, 102, 103, 104]);
    await page.getByRole('button', { name: 'Descendre l’image 1' }).focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => JSON.stringify(await thumbs()) === JSON.stringify([102, 101, 103, 104]), 5_000, 'image 1 moved down');
    expect(await page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe('Descendre l’image 2');
    await page.keyboard.press('Enter');
    await waitFor(async () => JSON.stringify(await thumbs()) === JSON.stringify([102, 103, 101, 104]), 5_000, 'moved again');
    // Removing one moves focus to the next image's Remove button, not to the page.
    await page.getByRole('button', { name: 'Retirer l’image 3' }).focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await page.getByTestId('media-item').count()) === 3, 5_000, 'three left');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Retirer l’image 3');
    expect(await thumbs()).toEqual([102, 103, 104]);

    // Nothing was saved or sent.
    expect(await tandem.pairs.list()).toHaveLength(1);
    expect(t.fake.posts).toHaveLength(2);
    expect(mastodon.statuses).toHaveLength(2);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 30_000);

  it('a draft restored with an image Tandem no longer has says so, and keeps the rest', async () => {
    // Unsent text main keeps for a person of its own, so nothing an earlier page keeps for the
    // admin as it closes can reach it; it has an image Tandem still has and one it no longer has.
    const value = async <T>(method: string, input?: unknown): Promise<T> => {
      const result = await tandem.dispatch(caller, method, input);
      expect(result.ok, method).toBe(true);
      return (result as { ok: true; value: T }).value;
    };
    const passphrase = passphraseOf('robin');
    const robin = await value<{ id: string }>('users.create', { username: 'robin', displayName: 'Robin', passphrase });
    await value('roles.grant', { userId: robin.id, role: 'drafter', channelId: null, expiresAt: null });
    await value('session.signIn', { username: 'robin', passphrase });
    const kept = await value<{ id: string }>('media.upload', { data: makePng(50, 50).toString('base64') });
    const gone = 'f'.repeat(64);
    await value('unsent.save', {
      owner: robin.id,
      enText: 'Restored draft',
      frText: 'Ébauche restaurée',
      channelIds: [],
      media: [
        { en: kept.id, fr: kept.id, altEn: 'Kept', altFr: 'Gardée' },
        { en: gone, fr: gone, altEn: 'Gone', altFr: 'Disparue' },
      ],
    });
    const page = await openApp();
    await goTo(page, 'Compose');
    await page.getByText('1 image of your unsaved draft is no longer available; add it again.').waitFor();
    await waitFor(async () => (await page.getByTestId('media-item').count()) === 1, 5_000, 'one image left');
    expect(await page.getByLabel('Alt text in English, image 1').inputValue()).toBe('Kept');
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await page.context().close();
  }, 30_000);
});
