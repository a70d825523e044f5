// Steps several end-to-end tests take the same way, as a person would in the English UI.
import type { Page } from 'playwright-core';
import type { FakeXAccount } from '../fakes/x-api';

/**
 * Fills Accounts → Add an account pair for X (the default platform) with the fake accounts'
 * credentials from X's developer portal, submits, and waits for the confirmation.
 */
export async function addXPair(page: Page, name: string, accounts: { en: FakeXAccount; fr: FakeXAccount }): Promise<void> {
  await page.getByLabel('Platform').selectOption({ label: 'X' });
  await page.getByLabel('Pair name (English)').fill(name);
  await page.getByLabel('API key', { exact: true }).fill(accounts.en.appKey);
  await page.getByLabel('API key secret').fill(accounts.en.appSecret);
  const en = page.getByRole('group', { name: 'English account' });
  await en.getByLabel('Handle').fill(`@${accounts.en.username}`);
  await en.getByLabel('Display name').fill('Statistics Canada');
  await en.getByLabel('Access token', { exact: true }).fill(accounts.en.accessToken);
  await en.getByLabel('Access token secret').fill(accounts.en.accessSecret);
  const fr = page.getByRole('group', { name: 'French account' });
  await fr.getByLabel('Handle').fill(accounts.fr.username);
  await fr.getByLabel('Display name').fill('Statistique Canada');
  await fr.getByLabel('Access token', { exact: true }).fill(accounts.fr.accessToken);
  await fr.getByLabel('Access token secret').fill(accounts.fr.accessSecret);
  await page.getByRole('button', { name: 'Verify and add pair' }).click();
  await page.getByText(`Account pair “${name}” added.`).waitFor();
}

/** First start of a solo desk: creates the administrator (Alex Admin) and waits until signed in. */
export async function createFirstAdmin(page: Page, passphrase: string): Promise<void> {
  await page.getByRole('heading', { name: 'Set up Tandem' }).waitFor();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Full name').fill('Alex Admin');
  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
  await page.getByText('Signed in as Alex Admin').waitFor();
}

/**
 * Goes to a place of the dashboard through its navigation (`name`: the item's label, in the page's
 * language; an item with a count, "Waiting for me (3)", matches by its start) and waits until the
 * view is drawn and its heading has the focus.
 */
export async function goTo(page: Page, name: string): Promise<void> {
  const item = page.getByRole('navigation').getByRole('button', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\(\\d+\\))?$`) });
  await item.click({ timeout: 10_000 });
  await page.locator('nav button[aria-current="page"]').filter({ hasText: name }).waitFor({ timeout: 10_000 });
  await page.locator('main :is(h1, h2):focus').waitFor({ timeout: 10_000 });
}

/**
 * A moment as a `datetime-local` field in America/Toronto holds it, to the second. Whole minutes
 * without seconds: Chromium keeps "05:28" for "05:28:00" (a field with step="1" included), and
 * Playwright's fill refuses a value the field does not keep as given ("Malformed value").
 */
export function torontoLocal(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const seconds = parts['second'] === '00' ? '' : `:${parts['second']}`;
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}${seconds}`;
}
