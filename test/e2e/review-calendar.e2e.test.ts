// The review screen and the calendar in real Chromium (issue 13, items 3, 4, 5 and 9): the approver
// opens a pair and sees its images' alt text, every check's result and what changed since she sent
// it back, and approves with the keyboard shortcut; a publisher moves a scheduled pair by dragging
// it and from the keyboard, the approval stays and the audit trail says so; someone who may not
// move it is told why; a pair is duplicated as a new draft; a published post's link is copied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { AuditPage } from '../../src/shared/contract';
import { checkIds } from '../../src/shared/checks';
import type { Pair, User } from '../../src/shared/domain';
import { makePng } from '../fakes/images';
import { passphraseOf, startTestApp, waitFor, type TestApp } from '../support';
import { startWindows, type Windows } from './windows';

let t: TestApp;
let windows: Windows;
let channel: string;
const zone = 'America/Toronto';

beforeAll(async () => {
  t = await startTestApp();
  channel = await t.addChannel('Statistics Canada');
  await person('dana', 'Dana Dubois', ['drafter']);
  await person('april', 'April Arsenault', ['approver']);
  await person('paul', 'Paul Pelletier', ['publisher']);
  windows = await startWindows(t);
});
afterAll(async () => {
  await windows?.close();
  await t?.cleanup();
});

async function person(username: string, displayName: string, roles: string[]): Promise<User> {
  await t.signInAs('admin');
  const user = await t.call<User>('users.create', { username, displayName, passphrase: passphraseOf(username) });
  for (const role of roles) await t.call('roles.grant', { userId: user.id, role, channelId: null, expiresAt: null });
  return user;
}

/** The app in Chromium as whoever the test signed in last, in Toronto. */
/** `init`: a script run in the page before the app (as a string: these tests have no DOM types). */
async function openApp(locale = 'en-CA', init?: string): Promise<Page> {
  const page = await windows.open({ locale, timezoneId: zone, ...(init ? { init } : {}) });
  await page.getByText(/^Signed in as |^Connecté/).waitFor();
  return page;
}

/** Queue → the pair's "Open": the review screen of the newest pair with this English text. */
async function openFromQueue(page: Page, enText: string): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Queue' }).click();
  const item = page.getByTestId('pair').filter({ hasText: enText }).first();
  await item.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('review').waitFor();
}

/** `YYYY-MM-DD` of a moment in Toronto, as the calendar's slots are named. */
function torontoDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Two days from now at 10:15 in Toronto: in the future, in this week's view or the next. */
function inTwoDaysAt1015(): Date {
  const day = torontoDay(new Date(Date.now() + 2 * 24 * 3600_000));
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(`${day}T12:00:00Z`))
    .find((p) => p.type === 'timeZoneName')!
    .value.replace('GMT', '');
  return new Date(`${day}T10:15:00${offset}`);
}

/** The pair as stored (read past the services' sessions: the browser is signed in as the test's client). */
async function pairNow(id: string): Promise<Pair> {
  return (await t.tandem.pairs.get(id))!;
}

describe('the review screen', () => {
  it('shows the approver alt text, every check, what changed since she sent it back; she approves with Ctrl+Enter', async () => {
    await t.signInAs('dana');
    const image = await t.call<{ id: string }>('media.upload', { data: makePng(800, 400).toString('base64') });
    let pair = await t.call<Pair>('pairs.create', {
      channelIds: [channel],
      enText: 'Consumer Price Index, September. #StatCan',
      frText: 'Indice des prix à la consommation, septembre. #StatCan',
      media: [{ en: image.id, fr: image.id, altEn: 'Bar chart of monthly price changes', altFr: 'Graphique à barres des variations mensuelles des prix' }],
      authorTz: zone,
    });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    await t.signInAs('april');
    pair = await t.call<Pair>('pairs.reject', { id: pair.id, version: pair.version, comment: 'The index is for October.' });
    await t.signInAs('dana');
    pair = await t.call<Pair>('pairs.update', {
      id: pair.id,
      version: pair.version,
      enText: 'Consumer Price Index, October. #StatCan',
      frText: 'Indice des prix à la consommation, octobre. #StatCan',
    });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });

    await t.signInAs('april');
    const page = await openApp();
    await openFromQueue(page, 'Consumer Price Index, October.');
    const review = page.getByTestId('review');
    expect(await review.getByTestId('review-status').textContent()).toBe('In review');
    expect(await review.getByTestId('review-channels').textContent()).toBe('Account pair: Statistics Canada — X');
    // People by name.
    expect(await review.getByTestId('people').textContent()).toContain('Drafted by Dana Dubois');

    // Each image large, its alt text said as text in each language.
    const captions = review.getByTestId('alt-text');
    expect(await captions.allTextContents()).toEqual([
      'Alt text of image 1 (English): Bar chart of monthly price changes',
      'Alt text of image 1 (French): Graphique à barres des variations mensuelles des prix',
    ]);
    const shown = await review.getByTestId('side-en').getByRole('img', { name: 'Bar chart of monthly price changes' }).boundingBox();
    expect(shown!.width).toBeGreaterThan(300);

    // Every check the composer runs, each with its result.
    const checks = review.getByTestId('check-results').locator('li[data-check]');
    expect(await checks.evaluateAll((items) => items.map((li) => li.getAttribute('data-check')))).toEqual([...checkIds]);
    expect(await review.locator('li[data-check="language.missing"]').getAttribute('data-result')).toBe('passed');
    expect(await review.locator('li[data-check="media.altText"]').getAttribute('data-result')).toBe('passed');

    // What changed since she sent it back: word by word, said in words, not by colour alone.
    const changes = review.getByTestId('changes');
    expect(await changes.textContent()).toMatch(/Since version \d+, sent back by April Arsenault on /);
    const en = changes.getByTestId('changes-en');
    expect(await en.locator('del').textContent()).toBe('[removed: September]');
    expect(await en.locator('ins').textContent()).toBe('[added: October]');
    expect(await changes.getByTestId('changes-fr').locator('ins').textContent()).toBe('[added: octobre]');
    // Her decision is listed with the others.
    expect(await review.getByTestId('decisions').textContent()).toMatch(/Sent back by April Arsenault on /);

    // The shortcut is announced on the button, and works from the comment box.
    const approve = review.getByRole('button', { name: /^Approve both languages/ });
    expect(await approve.getAttribute('aria-keyshortcuts')).toContain('Control+Enter');
    expect(await approve.textContent()).toContain('Ctrl+Enter');
    const comment = review.getByLabel(/^Comment/);
    await comment.fill('Checked against the Daily.');
    // A plain Enter in the comment is only a new line.
    await comment.press('Enter');
    expect((await t.tandem.pairs.get(pair.id))!.status).toBe('review');
    await comment.press('Control+Enter');
    const outcome = page.getByTestId('review-outcome');
    await outcome.getByText(/^Approved\./).waitFor();
    expect(await page.evaluate<string>("document.activeElement?.getAttribute('data-testid') ?? ''")).toBe('review-outcome');
    const approved = await t.tandem.pairs.get(pair.id);
    expect(approved!.status).toBe('approved');
    expect(approved!.approval?.comment.trim()).toBe('Checked against the Daily.');
    // The decision box goes: nothing is left to decide.
    await waitFor(async () => (await review.getByTestId('decision').count()) === 0, 5_000, 'the decision box to go');
    await page.context().close();
  });

  it('says why a publisher cannot decide, and offers her nothing she may not do', async () => {
    await t.signInAs('dana');
    let pair = await t.call<Pair>('pairs.create', { channelIds: [channel], enText: 'Retail trade, August.', frText: 'Commerce de détail, août.', authorTz: zone });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    await t.signInAs('paul');
    const page = await openApp();
    await openFromQueue(page, 'Retail trade, August.');
    expect(await page.getByTestId('no-decision').textContent()).toBe(
      'You cannot approve or send back this pair. You do not have a role that lets you approve a pair. Ask an administrator.',
    );
    expect(await page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    expect(await page.getByTestId('read-only').textContent()).toContain('Read only: this pair is “In review”');
    await page.context().close();
  });
});

describe('the calendar', () => {
  it('lets a publisher move a scheduled pair by dragging it and from the keyboard; the approval stays and is audited', async () => {
    await t.signInAs('admin');
    const at = inTwoDaysAt1015();
    const scheduled = await t.publish(channel, 'Labour Force Survey, November.', 'Enquête sur la population active, novembre.', at);
    expect(scheduled.status).toBe('scheduled');
    const approval = scheduled.approval!;

    await t.signInAs('paul');
    const page = await openApp();
    await page.getByRole('navigation').getByRole('button', { name: 'Calendar' }).click();
    await page.getByRole('heading', { name: 'Calendar' }).waitFor();
    expect(await page.getByTestId('calendar-zone').textContent()).toBe('Times in Eastern Time.');
    const week = page.getByTestId('calendar-week');
    const chip = week.getByTestId('calendar-pair').filter({ hasText: 'Labour Force Survey' });
    // Two days on may be next week (once this week's pairs are all in).
    await page.locator('[aria-busy="false"]:has([data-testid="calendar-week"])').waitFor();
    if ((await chip.count()) === 0) await page.getByRole('button', { name: 'Next week' }).click();
    await chip.waitFor();
    expect(await chip.textContent()).toContain('10:15 a.m.');
    expect(await chip.textContent()).toContain('Scheduled');
    expect(await chip.textContent()).toContain('X');
    const day = torontoDay(at);
    expect(await week.locator(`td[data-day="${day}"][data-hour="10"]`).getByTestId('calendar-pair').count()).toBe(1);

    // Dragged to 2 p.m. the same day.
    await chip.dragTo(week.locator(`td[data-day="${day}"][data-hour="14"]`));
    await page.getByTestId('calendar-said').getByText(/rescheduled for .* 2:15 p\.m\.\. The approval stays\./).waitFor();
    let stored = await waitFor(async () => {
      const p = await pairNow(scheduled.id);
      return p.version > scheduled.version ? p : null;
    });
    expect(Date.parse(stored.scheduledAt!)).toBe(at.getTime() + 4 * 3600_000);
    expect(stored.status).toBe('scheduled');
    expect(stored.approval).toMatchObject({ by: approval.by, comment: approval.comment, decision: 'approved' });
    await week.locator(`td[data-day="${day}"][data-hour="14"]`).getByTestId('calendar-pair').waitFor();

    // From the keyboard: Space picks it up, two hours down, a day right, Enter drops it.
    const moved = week.getByTestId('calendar-pair').filter({ hasText: 'Labour Force Survey' });
    await moved.focus();
    await page.keyboard.press('Space');
    await page.getByTestId('calendar-said').getByText(/^Picked up “Labour Force Survey, November\.” \(Scheduled\)/).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('calendar-said').getByText(/4:15 p\.m\.$/).waitFor();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.getByTestId('calendar-said').getByText(/rescheduled for .* 4:15 p\.m\.\. The approval stays\./).waitFor();
    stored = await waitFor(async () => {
      const p = await pairNow(scheduled.id);
      return p.version > stored.version ? p : null;
    });
    const expected = new Date(at);
    expected.setTime(at.getTime() + 6 * 3600_000);
    const nextDay = new Date(expected.getTime() + 24 * 3600_000);
    // A day later at 4:15 p.m. in Toronto (the same wall time across a change of offset).
    expect(torontoDay(new Date(stored.scheduledAt!))).toBe(torontoDay(nextDay));
    expect(new Intl.DateTimeFormat('en-CA', { timeZone: zone, timeStyle: 'short' }).format(new Date(stored.scheduledAt!))).toBe('4:15 p.m.');
    expect(stored.approval).toMatchObject({ by: approval.by, comment: approval.comment });

    // Escape puts a picked-up pair back where it was, and nothing is sent.
    const again = page.getByTestId('calendar-week').getByTestId('calendar-pair').filter({ hasText: 'Labour Force Survey' });
    await again.focus();
    await page.keyboard.press('Space');
    // A day back (perhaps into the week before: the view follows the pair, and comes back with it).
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Escape');
    await page.getByTestId('calendar-said').getByText(/^Move cancelled: /).waitFor();
    // The pair keeps the focus, back where it was.
    expect(await page.evaluate<string>("document.activeElement?.getAttribute('data-testid') ?? ''")).toBe('calendar-pair');
    expect((await pairNow(scheduled.id)).version).toBe(stored.version);

    await page.context().close();

    // The audit trail has both moves.
    await t.signInAs('admin');
    const audit = await t.call<AuditPage>('audit.list', { action: 'pair.rescheduled', subject: scheduled.id });
    expect(audit.events).toHaveLength(2);
  }, 60_000);

  it('tells an approver, in words, that she may not move a pair, and leaves it where it was; names the zone in French', async () => {
    const [pair] = (await t.call<{ pairs: Pair[] }>('pairs.query', { status: ['scheduled'], sort: 'scheduled' })).pairs;
    await t.signInAs('april');
    const page = await openApp();
    await page.getByRole('navigation').getByRole('button', { name: 'Calendar' }).click();
    await page.getByRole('radio', { name: 'Month' }).check();
    const month = page.getByTestId('calendar-month');
    const chip = month.getByTestId('calendar-pair').filter({ hasText: 'Labour Force Survey' });
    await page.locator('[aria-busy="false"]:has([data-testid="calendar-month"])').waitFor();
    if ((await chip.count()) === 0) await page.getByRole('button', { name: 'Next month' }).click();
    await chip.focus();
    await page.keyboard.press('Space');
    await page.getByRole('alert').getByText('You do not have a role that lets you reschedule a pair. Ask an administrator.').waitFor();
    expect(await page.getByTestId('calendar-said').textContent()).toMatch(/^“Labour Force Survey, November\.” \(Scheduled\) stays at /);
    expect((await pairNow(pair!.id)).version).toBe(pair!.version);

    await page.getByRole('button', { name: 'Français' }).click();
    expect(await page.getByTestId('calendar-zone').textContent()).toBe('Fuseau horaire\u00a0: heure de l’Est.');
    await page.context().close();
  });
});

describe('actions on a pair', () => {
  it('copies the link of a published post, or shows it to copy by hand when the clipboard is refused', async () => {
    await t.signInAs('admin');
    const sent = await t.publish(channel, 'Gross domestic product, third quarter.', 'Produit intérieur brut, troisième trimestre.');
    const published = await waitFor(async () => {
      const p = await t.tandem.pairs.get(sent.id);
      return p?.status === 'published' ? p : null;
    }, 15_000, 'the pair to be published');
    const enUrl = published.deliveries.find((d) => d.lang === 'en')!.remoteUrl!;

    let page = await openApp();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: windows.url });
    await openFromQueue(page, 'Gross domestic product, third quarter.');
    expect(await page.getByTestId('published-at').textContent()).toMatch(/^Published on /);
    await page.getByRole('button', { name: `Copy the link to the English post on X (@${t.en.username})` }).click();
    await page.getByTestId('post-links').getByText('Link copied.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(enUrl);
    await page.context().close();

    // Where the clipboard is refused, the link is shown selected, to copy by hand.
    page = await openApp(
      'en-CA',
      "Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) } })",
    );
    await openFromQueue(page, 'Gross domestic product, third quarter.');
    await page.getByRole('button', { name: `Copy the link to the English post on X (@${t.en.username})` }).click();
    const manual = page.getByLabel(/^Tandem could not copy it/);
    expect(await manual.inputValue()).toBe(enUrl);
    expect(await page.evaluate<string>("document.activeElement?.value ?? ''")).toBe(enUrl);
    await page.context().close();
  });

  it('lists what went out today under "Due today", in the calendar', async () => {
    await t.signInAs('paul');
    const page = await openApp();
    await page.getByRole('navigation').getByRole('button', { name: 'Calendar' }).click();
    const due = page.getByTestId('due-today');
    const item = due.getByTestId('calendar-pair').filter({ hasText: 'Gross domestic product, third quarter.' });
    await item.waitFor();
    expect(await item.getAttribute('data-status')).toBe('published');
    expect(await item.textContent()).toContain('Published');
    // Opening it from there shows it on its own.
    await item.click();
    await page.getByTestId('review').getByTestId('published-at').waitFor();
    await page.context().close();
  });

  it('duplicates a pair as a new draft and opens it to edit', async () => {
    await t.signInAs('admin');
    const page = await openApp();
    await openFromQueue(page, 'Gross domestic product, third quarter.');
    const before = (await t.tandem.pairs.list()).length;
    await page.getByRole('button', { name: 'Duplicate as a new draft' }).click();
    await page.getByRole('heading', { name: 'Edit the pair' }).waitFor();
    expect(await page.getByLabel('English text').inputValue()).toBe('Gross domestic product, third quarter.');
    const pairs = await t.tandem.pairs.list();
    expect(pairs).toHaveLength(before + 1);
    expect(pairs[0]).toMatchObject({ status: 'draft', enText: 'Gross domestic product, third quarter.', frText: 'Produit intérieur brut, troisième trimestre.' });
    await page.context().close();
  });
});
