// Two officers share one computer (one browser profile): what one typed and did not save is
// restored to them, and never shown to the other.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness/server';
import { passphraseOf, startTestApp, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { goTo } from './steps';

let t: TestApp;
let harness: Harness;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const consoleErrors: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  await t.addChannel('Statistics Canada');
  await t.addUser('avery', ['drafter']);
  await t.addUser('blake', ['drafter']);
  await t.call('session.signOut');
  harness = await startHarness(t.tandem, path.resolve('out/renderer'));
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await harness?.close();
  await t?.cleanup();
});

async function signIn(page: Page, username: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Passphrase').fill(passphraseOf(username));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
}

const secret = 'embargoed until 8:30 – do not share';

describe('unsent text on a shared computer', () => {
  it('is restored to the officer who typed it and never shown to the next one', async () => {
    const context = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto' });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(harness.url);
    // What an earlier version left in the window's storage for whoever came next: nobody's now.
    const legacy = { enText: 'Left by an earlier version', frText: '', channelIds: [], media: [] };
    await page.evaluate(`localStorage.setItem('tandem.composer.draft', ${JSON.stringify(JSON.stringify(legacy))})`);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
    expect(await page.evaluate("localStorage.getItem('tandem.composer.draft')")).toBeNull();

    // Officer A types and signs out at once, without saving.
    await signIn(page, 'avery');
    await goTo(page, 'Compose');
    await page.getByLabel('English text').fill(secret);
    await signOut(page);
    expect(await page.locator('body').textContent()).not.toContain('embargoed');

    // Officer B, same browser: an empty composer, and nothing restored.
    await signIn(page, 'blake');
    await goTo(page, 'Compose');
    expect(await page.getByLabel('English text').inputValue()).toBe('');
    expect(await page.getByLabel('French text').inputValue()).toBe('');
    // The composer says "restored" as it opens, with the text: never here.
    expect(await page.getByText('Your unsent text was restored.').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain('embargoed');
    expect(await page.locator('body').textContent()).not.toContain('Left by an earlier version');
    expect(await page.evaluate('JSON.stringify({ ...localStorage })')).not.toContain('embargoed');
    await signOut(page);

    // Officer A again: the text is back, and the composer says so.
    await signIn(page, 'avery');
    await goTo(page, 'Compose');
    await page.getByText('Your unsent text was restored.').waitFor();
    expect(await page.getByLabel('English text').inputValue()).toBe(secret);

    // Saved as a draft, it is no longer unsent: nothing comes back the next time.
    await page.getByLabel('French text').fill('sous embargo jusqu’à 8 h 30 – ne pas diffuser');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    await signOut(page);
    await signIn(page, 'avery');
    await goTo(page, 'Compose');
    expect(await page.getByLabel('English text').inputValue()).toBe('');
    expect(await page.getByText('Your unsent text was restored.').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
