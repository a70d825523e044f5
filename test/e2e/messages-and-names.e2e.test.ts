// Messages that tell the truth, and what a pair shows, in real Chromium: an error goes away once
// its cause is fixed; a person with nothing to publish to is told why; a bad schedule date is said
// in words and keeps what was typed; a published pair says when it went out; account pairs show
// their platform; people are named by their display name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Pair, User } from '../../src/shared/domain';
import { passphraseOf, startTestApp, waitFor, type TestApp } from '../support';
import { startWindows, type Windows } from './windows';
import { formatDateTime } from '../../src/shared/dates';
import { goTo } from './steps';

let t: TestApp;
let windows: Windows;
let channel: string;

beforeAll(async () => {
  t = await startTestApp();
  channel = await t.addChannel('Statistics Canada');
  windows = await startWindows(t);
});
afterAll(async () => {
  await windows?.close();
  await t?.cleanup();
});

/** The app in Chromium as the test's own client: signed in as whoever the test signed in last. */
async function openApp(locale = 'en-CA'): Promise<Page> {
  const page = await windows.open({ locale });
  await page.getByText(/^Signed in as |^Session ouverte/).waitFor();
  return page;
}

/** A person with a display name and these roles on every account pair; leaves the admin signed in. */
async function person(username: string, displayName: string, roles: string[], expiresAt: string | null = null): Promise<User> {
  await t.signInAs('admin');
  const user = await t.call<User>('users.create', { username, displayName, passphrase: passphraseOf(username) });
  for (const role of roles) await t.call('roles.grant', { userId: user.id, role, channelId: null, expiresAt });
  return user;
}

/** A pair drafted by `drafter` and approved by the admin (self-approval is allowed on the pair). */
async function approvedPair(drafter: string, enText: string, frText: string): Promise<Pair> {
  await t.signInAs(drafter);
  let pair = await t.call<Pair>('pairs.create', { channelIds: [channel], enText, frText, authorTz: 'America/Toronto' });
  pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
  await t.signInAs('admin');
  return t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'Checked.' });
}

describe('messages that tell the truth', () => {
  it('shows the platform on each account pair, and a refusal for the text goes away once the text is fixed', async () => {
    await person('dana', 'Dana Dubois', ['drafter']);
    await t.signInAs('dana');
    const page = await openApp();
    await goTo(page, 'Compose');
    const box = page.getByRole('checkbox', { name: `Statistics Canada — X: @${t.en.username} and @${t.fr.username}` });
    // The only account pair there is: chosen already, or chosen now.
    await box.check();

    await page.getByLabel('English text').fill('Consumer Price Index, October.');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('The French text is empty. Both languages are required.').waitFor();
    // Nothing was saved half-way.
    expect(await t.tandem.pairs.list()).toHaveLength(0);

    await page.getByLabel('French text').fill('Indice des prix à la consommation, octobre.');
    await waitFor(async () => (await alert.count()) === 0, 5_000, 'the error to go');
    // Fixed, the pair goes to review.
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('status').getByText('Submitted for review.').waitFor();
    await page.context().close();
  });

  it('tells a person whose role ended when it ended, and a person with no role that they have none', async () => {
    // Far enough ahead that creating the person (slow on a busy machine) ends before the role does.
    const expiresAt = new Date(Date.now() + 5_000).toISOString();
    await person('eve', 'Eve Ellis', ['drafter'], expiresAt);
    await person('nora', 'Nora Nadeau', []);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));

    await t.signInAs('eve');
    let page = await openApp();
    const day = new Intl.DateTimeFormat('en-CA', { dateStyle: 'long', timeZone: 'America/Toronto' }).format(new Date(expiresAt));
    expect(await page.getByTestId('no-channels').textContent()).toBe(
      `Your role ended on ${day}, so there is nothing you can publish to. Ask an administrator to renew it.`,
    );
    expect(await page.getByText('Add an account pair first').count()).toBe(0);
    await page.context().close();

    // The same in French, the first of the month written as French writes it.
    page = await openApp('fr-CA');
    const jour = new Intl.DateTimeFormat('fr-CA', { dateStyle: 'long', timeZone: 'America/Toronto' })
      .format(new Date(expiresAt))
      .replace(/^1 /, '1er ');
    await page.getByTestId('no-channels').getByText(`Votre rôle a pris fin le ${jour};`, { exact: false }).waitFor();
    await page.context().close();

    await t.signInAs('nora');
    page = await openApp();
    expect(await page.getByTestId('no-channels').textContent()).toBe(
      'You do not have a role on any account pair yet. Ask an administrator for one.',
    );
    await page.context().close();
  });

  it('says what is wrong with a bad schedule date, in both languages, and keeps what was typed', async () => {
    await person('paul', 'Paul Pelletier', ['publisher']);
    await approvedPair('dana', 'Building permits, September.', 'Permis de bâtir, septembre.');
    await t.signInAs('paul');
    const page = await openApp();
    await goTo(page, 'Queue');
    const pair = page.getByTestId('pair').first();
    await pair.getByLabel('At a set time').check();
    const field = pair.getByLabel(/^Publish at/);
    // A year too far for a date: it once threw inside Tandem ("Something went wrong").
    await field.fill('275760-09-12T23:00:30');
    await pair.getByRole('button', { name: 'Schedule both' }).click();
    await pair.getByRole('alert').getByText('That date is too far away to be a publishing date. Check the year.').waitFor();
    expect(await field.inputValue()).toBe('275760-09-12T23:00:30');
    expect(await page.getByText('Something went wrong').count()).toBe(0);

    // Not fully typed: the browser gives no value at all.
    await field.fill('');
    await pair.getByRole('button', { name: 'Schedule both' }).click();
    await pair.getByRole('alert').getByText(/^The date or time is incomplete, or that day does not exist/).waitFor();
    expect((await t.tandem.pairs.list())[0]!.status).toBe('approved');

    await page.getByRole('button', { name: 'Français' }).click();
    await pair.getByRole('button', { name: 'Programmer les deux' }).click();
    await pair.getByRole('alert').getByText(/^La date ou l’heure est incomplète/).waitFor();
    // Once the date is whole and real, the message goes.
    await pair.locator('input[type="datetime-local"]').fill('2031-06-15T08:30:15');
    await waitFor(async () => (await pair.getByRole('alert').count()) === 0, 5_000, 'the date message to go');
    await page.context().close();
  });

  it('says when a pair published at once went out, and names its people by display name', async () => {
    const [approved] = await t.tandem.pairs.list();
    await t.signInAs('paul');
    const page = await openApp();
    await goTo(page, 'Queue');
    const pair = page.getByTestId('pair').first();
    await pair.getByRole('button', { name: 'Publish both now' }).click();
    await pair.and(page.locator('[data-status="published"]')).waitFor({ timeout: 15_000 });
    const published = await waitFor(async () => {
      const found = await t.tandem.pairs.get(approved!.id);
      return found?.deliveries.every((d) => d.sentAt) ? found : null;
    });
    const last = published.deliveries.map((d) => d.sentAt!).sort().at(-1)!;
    const when = formatDateTime(last, 'en', 'America/Toronto');
    expect(await pair.getByTestId('published-at').textContent()).toBe(`Published on ${when}`);
    expect(await pair.getByText(/^Scheduled for/).count()).toBe(0);
    expect(await pair.getByTestId('people').textContent()).toBe('Drafted by Dana Dubois · published by Paul Pelletier');
    expect(await pair.getByTestId('approval').textContent()).toMatch(/^Approved by Admin on .*“Checked\.”$/);
    await page.context().close();
  });
});
