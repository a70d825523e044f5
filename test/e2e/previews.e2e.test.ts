// The composer's previews in Chromium highlight what each platform will link, tag and mention,
// and nothing else: a Bluesky pair and an X pair, one English and one French text.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { BlueskyAdapter } from '../../src/main/platforms/bluesky';
import type { Identity } from '../../src/main/platforms/types';
import type { BlueskyCredentials } from '../../src/shared/credentials';
import { startHarness, type Harness } from '../harness/server';
import { startTestApp, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { goTo } from './steps';

/** Bluesky without a PDS: only the previews are under test, and they never reach the network. */
class OfflineBluesky extends BlueskyAdapter {
  override async verify(credentials: BlueskyCredentials): Promise<Identity> {
    return { remoteUserId: `did:plc:${credentials.identifier.replace(/\W/g, '')}`, handle: credentials.identifier };
  }
}

let t: TestApp;
let harness: Harness;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const consoleErrors: string[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { moreAdapters: [new OfflineBluesky()] });
  await t.addChannel('StatCan on X');
  const bluesky = (identifier: string, displayName: string) => ({
    handle: identifier,
    displayName,
    credentials: { platform: 'bluesky', service: 'https://bsky.social', identifier, appPassword: 'abcd-efgh-ijkl-mnop' },
  });
  await t.call('accounts.addPair', {
    platform: 'bluesky',
    name: 'StatCan on Bluesky',
    en: bluesky('statcan.bsky.social', 'Statistics Canada'),
    fr: bluesky('statcan-fr.bsky.social', 'Statistique Canada'),
  });
  harness = await startHarness(t.tandem, path.resolve('out/renderer'));
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await harness?.close();
  await t?.cleanup();
});

async function openComposer(locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'America/Toronto' });
  // The browser is the test's own client (one window): signed in as whoever the test signs in.
  await context.addCookies([harness.cookieFor(t.caller.client)]);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(harness.url);
  // The browser shares the test's client: the admin is already signed in.
  await goTo(page, locale.startsWith('fr') ? 'Rédiger' : 'Compose');
  await page.getByRole('checkbox', { name: /^StatCan on Bluesky/ }).waitFor();
  return page;
}

/** The highlighted parts of one card, as [kind, text]. */
const highlights = (page: Page, card: string) =>
  page
    .getByTestId(card)
    .locator('.pair-text [data-entity]')
    .evaluateAll((spans) => spans.map((span) => [span.getAttribute('data-entity'), span.firstChild?.textContent ?? '']));

const enText = 'Write to courriel@canada.ca, see canada.ca/en/health (https://www.canada.ca/en.html) #Health #2026';
const frText = 'Écrivez à courriel@canada.ca, voyez canada.ca/fr/sante (https://www.canada.ca/fr.html) #Que\u0301bec #2026';

describe('previews', () => {
  it('highlight on Bluesky what Bluesky links and tags, and not #2026, an e-mail address or a closing parenthesis', async () => {
    const page = await openComposer('en-CA');
    await page.getByRole('checkbox', { name: /^StatCan on Bluesky — Bluesky:/ }).check();
    await page.getByRole('checkbox', { name: /^StatCan on X — X:/ }).check();
    await page.getByLabel('English text').fill(enText);
    await page.getByLabel('French text').fill(frText);
    await page.getByTestId('preview-bluesky-fr').locator('[data-entity]').first().waitFor();

    expect(await highlights(page, 'preview-bluesky-fr')).toEqual([
      ['link', 'canada.ca/fr/sante'],
      ['link', 'https://www.canada.ca/fr.html'],
      ['hashtag', '#Que\u0301bec'],
    ]);
    expect(await highlights(page, 'preview-bluesky-en')).toEqual([
      ['link', 'canada.ca/en/health'],
      ['link', 'https://www.canada.ca/en.html'],
      ['hashtag', '#Health'],
    ]);
    // X links canada.ca/fr/sante too, and the combining accent stays inside the hashtag.
    expect(await highlights(page, 'preview-x-fr')).toEqual([
      ['link', 'canada.ca/fr/sante'],
      ['link', 'https://www.canada.ca/fr.html'],
      ['hashtag', '#Que\u0301bec'],
    ]);
    // Each highlight is named for screen readers, and a legend says which is which.
    const card = page.getByTestId('preview-bluesky-en');
    expect(await card.locator('[data-entity="link"]').first().textContent()).toBe('canada.ca/en/health (link)');
    expect(await card.getByTestId('preview-legend').textContent()).toBe('Highlighted as Bluesky will show them: link · hashtag');
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 30_000);

  it('name the highlights in French in a French interface', async () => {
    const page = await openComposer('fr-CA');
    await page.getByRole('checkbox', { name: /^StatCan on Bluesky/ }).check();
    await page.getByLabel(/^Texte français$/).fill(frText);
    const card = page.getByTestId('preview-bluesky-fr');
    await card.locator('[data-entity]').first().waitFor();
    expect(await card.locator('[data-entity="hashtag"]').textContent()).toBe('#Que\u0301bec (mot-clic)');
    expect(await card.getByTestId('preview-legend').textContent()).toBe('En évidence, comme Bluesky les affichera\u00a0: lien · mot-clic');
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 30_000);
});
