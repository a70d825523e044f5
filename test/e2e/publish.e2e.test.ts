// The whole app as an officer uses it: the real renderer in Chromium, the real services behind
// the web harness, the real SQLite file and keychain, and the fake X API on loopback.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness/server';
import { startTestApp, waitFor, type TestApp } from '../support';
import { launchBrowser } from './browser';

let t: TestApp;
let harness: Harness;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const consoleErrors: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  harness = await startHarness(t.tandem, path.resolve('out/renderer'));
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await harness?.close();
  await t?.cleanup();
});

async function openApp(locale = 'en-CA'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'America/Toronto' });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(harness.url);
  return page;
}

/** `datetime-local` value for a moment, in the page's time zone (America/Toronto). */
function torontoLocal(date: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/Toronto',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

describe('an officer publishes a bilingual pair', () => {
  it('adds an EN/FR account pair, schedules a pair a few seconds ahead, and sees both published', async () => {
    const page = await openApp();
    await expect(page.getByRole('heading', { name: 'Compose a bilingual pair' }).isVisible()).resolves.toBe(true);
    await page.getByRole('navigation').getByRole('button', { name: 'Accounts' }).click();

    // Register the account pair, as an admin would, with the credentials from X's portal.
    await page.getByLabel('Pair name').fill('Statistics Canada');
    await page.getByLabel('API key', { exact: true }).fill(t.en.appKey);
    await page.getByLabel('API key secret').fill(t.en.appSecret);
    const en = page.getByRole('group', { name: 'English account' });
    await en.getByLabel('Handle').fill(`@${t.en.username}`);
    await en.getByLabel('Display name').fill('Statistics Canada');
    await en.getByLabel('Access token', { exact: true }).fill(t.en.accessToken);
    await en.getByLabel('Access token secret').fill(t.en.accessSecret);
    const fr = page.getByRole('group', { name: 'French account' });
    await fr.getByLabel('Handle').fill(t.fr.username);
    await fr.getByLabel('Display name').fill('Statistique Canada');
    await fr.getByLabel('Access token', { exact: true }).fill(t.fr.accessToken);
    await fr.getByLabel('Access token secret').fill(t.fr.accessSecret);
    await page.getByRole('button', { name: 'Verify and add pair' }).click();
    await page.getByText('Account pair “Statistics Canada” added.').waitFor();
    await page.getByTestId('channel').filter({ hasText: `@${t.fr.username}` }).waitFor();

    // Compose both languages side by side; the counters follow X's weighted length.
    await page.getByRole('navigation').getByRole('button', { name: 'Compose and queue' }).click();
    const enText = `Canada's population estimates, third quarter: https://www150.statcan.gc.ca/n1/daily-quotidien/en`;
    const frText = `Estimations de la population du Canada, troisième trimestre : https://www150.statcan.gc.ca/n1/daily-quotidien/fr`;
    await page.getByLabel('English text').fill(enText);
    await page.getByLabel('French text').fill(frText);
    await expect(page.getByTestId('counter-en').textContent()).resolves.toBe('69 of 280 characters');
    await expect(page.getByTestId('counter-fr').textContent()).resolves.toBe('85 of 280 characters');

    await page.getByRole('radio', { name: 'Schedule' }).check();
    const due = new Date(Date.now() + 4_000);
    await page.getByLabel(/Publish at/).fill(torontoLocal(due));
    await page.getByRole('button', { name: 'Schedule both' }).click();
    await page.getByRole('status').getByText(/^Scheduled for /).waitFor();
    const queued = page.getByTestId('pair').first();
    await expect(queued.getAttribute('data-status')).resolves.toBe('scheduled');
    expect(t.fake.posts).toHaveLength(0);

    // Both posts arrive at X, and the queue shows both published with links to them.
    await waitFor(() => t.fake.posts.length === 2, 15_000, 'both posts at the fake X');
    await page.locator('[data-testid="pair"][data-status="published"]').first().waitFor();
    expect(await queued.getByTestId('pair-status').textContent()).toBe('Published');
    const deliveries = queued.getByTestId('delivery');
    expect(await deliveries.evaluateAll((items) => items.map((i) => [i.getAttribute('data-lang'), i.getAttribute('data-status')]))).toEqual([
      ['en', 'sent'],
      ['fr', 'sent'],
    ]);
    expect(t.fake.postsBy(t.en.username).map((p) => p.text)).toEqual([enText]);
    expect(t.fake.postsBy(t.fr.username).map((p) => p.text)).toEqual([frText]);
    expect(Math.min(...t.fake.posts.map((p) => p.receivedAt))).toBeGreaterThanOrEqual(Math.floor(due.getTime() / 1000) * 1000);
    const enLink = queued.getByRole('link', { name: `View English post on @${t.en.username}` });
    const frLink = queued.getByRole('link', { name: `View French post on @${t.fr.username}` });
    expect(await enLink.getAttribute('href')).toBe(`https://x.com/${t.en.username}/status/${t.fake.postsBy(t.en.username)[0]!.id}`);
    expect(await frLink.getAttribute('href')).toBe(`https://x.com/${t.fr.username}/status/${t.fake.postsBy(t.fr.username)[0]!.id}`);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('in French, shows errors in French and keeps the text when the FR side is empty or too long', async () => {
    const channels = await t.tandem.dispatch('accounts.list', undefined);
    if (channels.ok && (channels.value as unknown[]).length === 0) await t.addChannel();
    const page = await openApp('en-CA');
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('heading', { name: 'Rédiger une paire bilingue' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');

    await page.getByLabel('Texte anglais').fill('Only English for now');
    await page.getByRole('radio', { name: 'Publier maintenant' }).check();
    await page.getByRole('button', { name: 'Publier les deux maintenant' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Le texte en français est vide. Les deux langues sont obligatoires.');
    expect(await page.getByLabel('Texte anglais').inputValue()).toBe('Only English for now');

    await page.getByLabel('Texte français').fill('é'.repeat(281));
    expect(await page.getByTestId('counter-fr').textContent()).toBe('281 caractères sur 280 · 1 de trop');
    await page.getByRole('button', { name: 'Publier les deux maintenant' }).click();
    await page.getByText('Le texte en français compte 281 caractères\u00a0; la limite est de 280.').waitFor();

    // The language choice survives a reload.
    await page.reload();
    await page.getByRole('heading', { name: 'Rédiger une paire bilingue' }).waitFor();
    expect(await page.getByLabel('Texte anglais').inputValue()).toBe('Only English for now');
    const before = t.fake.posts.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.fake.posts.length).toBe(before);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
