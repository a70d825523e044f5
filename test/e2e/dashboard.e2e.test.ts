// The dashboard in Chromium (issue 13, items 1, 2 and 9): each role lands on "Waiting for me" with
// its own lists and counts, and the navigation offers only what the role can use; with 300 pairs
// the publisher reaches the 20 approved ones with one filter; a French word finds its pair; the
// queue's filters are still there after going elsewhere and coming back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Pair } from '../../src/shared/domain';
import { startTestApp, type TestApp } from '../support';
import { startWindows, type Windows } from './windows';
import { goTo } from './steps';

let t: TestApp;
let windows: Windows;
const harvest = 'Harvest outlook for the Prairies, 2026.';
const récolte = 'Perspectives de récolte : la moissonneuse reprend du service dans les Prairies.';

beforeAll(async () => {
  t = await startTestApp();
  const channel = await t.addChannel('Statistics Canada', { allowSelfApproval: false });
  await t.addUser('dana', ['drafter']);
  await t.addUser('tom', ['translator']);
  await t.addUser('alice', ['approver']);
  await t.addUser('paul', ['publisher']);
  await t.addUser('ada', ['admin']);

  // 300 pairs through the services, as Dana drafts them: 30 sent for translation, 50 to review,
  // of which Alice approves 20 and sends 5 back; the rest stay drafts.
  await t.signInAs('dana');
  const pairs: Pair[] = [];
  for (let i = 0; i < 300; i++) {
    const [en, fr] = i === 250 ? [harvest, récolte] : [`Daily release number ${i}.`, `Diffusion quotidienne numéro ${i}.`];
    pairs.push(await t.call<Pair>('pairs.create', { channelIds: [channel], enText: en, frText: fr, authorTz: 'America/Toronto' }));
  }
  for (const pair of pairs.slice(0, 30)) await t.call('pairs.requestTranslation', { id: pair.id, version: pair.version });
  const inReview: Pair[] = [];
  for (const pair of pairs.slice(100, 150)) inReview.push(await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version }));
  await t.signInAs('alice');
  for (const pair of inReview.slice(0, 20)) await t.call('pairs.approve', { id: pair.id, version: pair.version, comment: 'Checked.' });
  for (const pair of inReview.slice(20, 25)) await t.call('pairs.reject', { id: pair.id, version: pair.version, comment: 'Check the figure.' });
  await t.call('session.signOut');

  windows = await startWindows(t);
}, 120_000);
afterAll(async () => {
  await windows?.close();
  await t?.cleanup();
});

/** Signs `username` in from the test's client and opens the app in Chromium as them. */
async function openAs(username: string, locale = 'en-CA'): Promise<Page> {
  await t.signInAs(username);
  return windows.open({ locale });
}

const navItems = (page: Page) => page.getByRole('navigation').getByRole('button').allInnerTexts();
const sections = (page: Page) => page.locator('main section section h2').allInnerTexts();

describe('Waiting for me, for each role', () => {
  it.each([
    ['dana', ['Sent back to you (5)', 'Failed or held (0)'], 5, ['Compose']],
    ['tom', ['Sent back to you (0)', 'To translate (35)'], 35, []],
    ['alice', ['To approve (25)'], 25, ['Audit trail']],
    ['paul', ['To publish (20)', 'Failed or held (0)'], 20, []],
  ] as const)('%s lands on Waiting for me with their lists and counts, and the navigation offers what they can use', async (who, lists, total, extra) => {
    const page = await openAs(who);
    await page.getByRole('heading', { name: `Waiting for me (${total})`, level: 1 }).waitFor();
    expect(await sections(page)).toEqual(lists);
    const nav = await navItems(page);
    expect(nav).toEqual([`Waiting for me (${total})`, 'Calendar', 'Queue', ...(extra.includes('Compose' as never) ? ['Compose'] : []), 'Accounts', ...extra.filter((e) => e !== 'Compose')]);
    expect(await page.locator('nav button[aria-current="page"]').innerText()).toBe(`Waiting for me (${total})`);
    // Each pair shows both languages, the account pair with its platform, who and since when.
    const first = page.getByTestId('waiting-pair').first();
    expect(await first.innerText()).toMatch(/EN .+\n?.*FR .+/s);
    expect(await first.innerText()).toContain('Statistics Canada — X');
    expect(await first.innerText()).toMatch(/drafted by dana · waiting since /);
    await page.context().close();
  });

  it('a translator has no Compose, and reads her lists in French', async () => {
    const page = await openAs('tom', 'fr-CA');
    await page.getByRole('heading', { name: 'Ce qui m’attend (35)', level: 1 }).waitFor();
    expect(await sections(page)).toEqual(['Renvoyées pour modification (0)', 'À traduire (35)']);
    expect(await navItems(page)).toEqual(['Ce qui m’attend (35)', 'Calendrier', 'File d’attente', 'Comptes']);
    await page.getByText('Aucune ébauche ne vous a été renvoyée.').waitFor();
    // More wait than are shown: said, with the way to the queue.
    await page.getByText('et 15 autres.').waitFor();
    await page.context().close();
  });

  it('an administrator without a workflow role is told nothing waits, and is offered People, Audit and Backups', async () => {
    const page = await openAs('ada');
    await page.getByRole('heading', { name: 'Waiting for me (0)', level: 1 }).waitFor();
    await page.getByTestId('nothing-waiting').waitFor();
    expect(await sections(page)).toEqual([]);
    expect(await navItems(page)).toEqual(['Waiting for me (0)', 'Calendar', 'Queue', 'Accounts', 'People and roles', 'Audit trail', 'Backups']);
    await page.context().close();
  });
});

describe('the queue with 300 pairs', () => {
  it('takes the publisher to the 20 approved pairs with one filter, finds a French word, and keeps the filters while she goes elsewhere', async () => {
    const page = await openAs('paul');
    await goTo(page, 'Queue');
    const count = page.getByTestId('queue-count');
    await count.getByText('300 pairs').waitFor();
    // A page at a time, newest first (its first screen drawn with the count, the rest right after); the next page on request.
    await expect.poll(() => page.getByTestId('pair').count()).toBe(25);
    await page.getByRole('button', { name: 'Show older pairs' }).click();
    await expect.poll(() => page.getByTestId('pair').count()).toBe(50);

    // The counts per status are on the filter itself.
    const approved = page.getByRole('checkbox', { name: 'Approved (20)' });
    await page.getByRole('checkbox', { name: 'Draft (220)' }).waitFor();
    await page.getByRole('checkbox', { name: 'In review (25)' }).waitFor();
    await page.getByRole('checkbox', { name: 'In translation (35)' }).waitFor();
    await approved.check();
    await count.getByText('20 pairs', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('pair').count()).toBe(20);
    expect(new Set(await page.getByTestId('pair').evaluateAll((items) => items.map((i) => i.getAttribute('data-status'))))).toEqual(new Set(['approved']));
    expect(await page.getByRole('button', { name: 'Show older pairs' }).count()).toBe(0);
    // Each keeps what the publisher can do with it.
    expect(await page.getByTestId('pair').first().getByRole('button', { name: 'Publish both now' }).count()).toBe(1);

    // A French word finds its pair, whatever the other filters were.
    await approved.uncheck();
    await count.getByText('300 pairs').waitFor();
    await page.getByLabel('Search English and French text').fill('MOISSONNEUSE');
    await count.getByText('1 pair', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('pair').count()).toBe(1);
    // Read once drawn: an item's text is laid out only once the window has placed it on screen (content-visibility).
    await expect.poll(() => page.getByTestId('pair').innerText()).toContain(harvest);

    // Elsewhere and back: the search and a status filter are as she left them.
    await page.getByRole('checkbox', { name: 'Draft (1)' }).check();
    await count.getByText('1 pair', { exact: true }).waitFor();
    await goTo(page, 'Waiting for me');
    await page.getByRole('heading', { name: 'To publish (20)' }).waitFor();
    await goTo(page, 'Queue');
    expect(await page.getByLabel('Search English and French text').inputValue()).toBe('MOISSONNEUSE');
    expect(await page.getByRole('checkbox', { name: 'Draft (1)' }).isChecked()).toBe(true);
    await count.getByText('1 pair', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('pair').innerText()).toContain(récolte);

    // Cleared, the whole queue again.
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    await count.getByText('300 pairs').waitFor();
    expect(windows.consoleErrors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('takes a drafter from the queue to Compose to edit a pair, and back to the queue', async () => {
    const page = await openAs('dana');
    await goTo(page, 'Queue');
    await page.getByLabel('Search English and French text').fill('moissonneuse');
    const pair = page.getByTestId('pair');
    await page.getByTestId('queue-count').getByText('1 pair', { exact: true }).waitFor();
    await pair.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit the pair' }).waitFor();
    // Focus is on the new view's heading.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Edit the pair');
    expect(await page.getByLabel('French text').inputValue()).toBe(récolte);
    await page.getByLabel('English text').fill(`${harvest} Updated.`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    await pair.getByText(`${harvest} Updated.`).waitFor();
    await page.context().close();
  }, 30_000);
});
