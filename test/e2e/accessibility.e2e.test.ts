// WCAG 2.1 AA in real Chromium (issue 14, item 2): axe-core finds nothing on every view in both
// languages; focus moves to the new content after signing in, approving and publishing; and one
// whole workflow — sign in, compose, submit, approve — is done with the keyboard alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Pair } from '../../src/shared/domain';
import { passphraseOf, startTestApp, type TestApp } from '../support';
import { startWindows, type Windows } from './windows';
import { goTo } from './steps';
import { axeViolations } from './axe';

let t: TestApp;
let windows: Windows;
const zone = 'America/Toronto';

beforeAll(async () => {
  t = await startTestApp();
  const channel = await t.addChannel('Statistics Canada');
  await t.addUser('ada', ['drafter', 'translator', 'approver', 'publisher', 'admin']);
  await t.addUser('kim', ['drafter', 'approver']);
  // Pairs in several states: a draft, one in translation, two in review, one approved, one scheduled.
  await t.signInAs('ada');
  const create = (en: string, fr: string) => t.call<Pair>('pairs.create', { channelIds: [channel], enText: en, frText: fr, authorTz: zone });
  await create('A draft about wheat.', 'Une ébauche sur le blé.');
  const translating = await create('Canola in translation.', 'Le canola en traduction.');
  await t.call('pairs.requestTranslation', { id: translating.id, version: translating.version });
  const inReview: Pair[] = [];
  for (const [en, fr] of [
    ['Census day is coming.', 'Le jour du recensement approche.'],
    ['Approve me from the review screen.', 'Approuvez-moi depuis l’écran de révision.'],
    ['Publish me from the queue.', 'Publiez-moi depuis la file d’attente.'],
  ] as const) {
    const pair = await create(en, fr);
    inReview.push(await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version }));
  }
  const approvable = inReview[2]!;
  await t.call('pairs.approve', { id: approvable.id, version: approvable.version, comment: 'Checked.' });
  await t.publish(channel, 'Scheduled for later.', 'Prévue pour plus tard.', new Date(Date.now() + 2 * 86_400_000));
  await t.call('session.signOut');
  windows = await startWindows(t);
}, 120_000);
afterAll(async () => {
  await windows?.close();
  await t?.cleanup();
});

async function open(locale: string): Promise<Page> {
  return windows.open({ locale, timezoneId: zone, signedIn: false });
}

async function signIn(page: Page, username: string, fr: boolean): Promise<void> {
  await page.getByLabel(fr ? 'Nom d’utilisateur' : 'Username').fill(username);
  await page.getByLabel(fr ? 'Phrase de passe' : 'Passphrase').fill(passphraseOf(username));
  await page.getByRole('button', { name: fr ? 'Se connecter' : 'Sign in', exact: true }).click();
  await page.getByRole('navigation').waitFor();
}

const names = {
  en: { waiting: 'Waiting for me', calendar: 'Calendar', queue: 'Queue', compose: 'Compose', accounts: 'Accounts', people: 'People and roles', audit: 'Audit trail', backups: 'Backups', month: 'Month', open: 'Open' },
  fr: { waiting: 'Ce qui m’attend', calendar: 'Calendrier', queue: 'File d’attente', compose: 'Rédiger', accounts: 'Comptes', people: 'Personnes et rôles', audit: 'Piste de vérification', backups: 'Sauvegardes', month: 'Mois', open: 'Ouvrir' },
} as const;

describe('axe-core on every view', () => {
  it('says what it finds, where (an unnamed field put in the page on purpose)', async () => {
    const page = await open('en-CA');
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await page.evaluate("document.querySelector('main')?.append(Object.assign(document.createElement('input'), { id: 'nameless' }))");
    const found = await axeViolations(page, 'sign-in');
    expect(found.some((line) => line.startsWith('sign-in: label (critical) at #nameless'))).toBe(true);
    await page.context().close();
  });

  it.each([
    ['en', 'en-CA'],
    ['fr', 'fr-CA'],
  ] as const)('finds no WCAG 2.1 AA violation in %s', async (lang, locale) => {
    const n = names[lang];
    const page = await open(locale);
    const found: string[] = [];
    await page.getByRole('button', { name: lang === 'fr' ? 'Se connecter' : 'Sign in', exact: true }).waitFor();
    found.push(...(await axeViolations(page, 'sign-in')));
    await signIn(page, 'ada', lang === 'fr');
    await page.locator('main :is(h1, h2)').first().waitFor();
    found.push(...(await axeViolations(page, n.waiting)));
    await goTo(page, n.calendar);
    await page.locator('[aria-busy="false"]:has([data-testid="calendar-week"])').waitFor();
    found.push(...(await axeViolations(page, `${n.calendar} (week)`)));
    await page.getByRole('radio', { name: n.month }).click();
    await page.locator('[aria-busy="false"]:has([data-testid="calendar-month"])').waitFor();
    found.push(...(await axeViolations(page, `${n.calendar} (month)`)));
    await goTo(page, n.queue);
    await page.getByTestId('pair').first().waitFor();
    found.push(...(await axeViolations(page, n.queue)));
    await page.getByTestId('pair').filter({ hasText: 'Census day is coming.' }).getByRole('button', { name: n.open }).click();
    await page.getByTestId('review').waitFor();
    found.push(...(await axeViolations(page, 'review')));
    for (const view of [n.compose, n.accounts, n.people, n.audit, n.backups]) {
      await goTo(page, view);
      // Drawn, and nothing still loading.
      await page.locator('main [aria-busy="true"]').waitFor({ state: 'detached', timeout: 10_000 });
      found.push(...(await axeViolations(page, view)));
    }
    expect(found, found.join('\n')).toEqual([]);
    await page.context().close();
  }, 120_000);
});

const focusedTestId = (page: Page) => page.evaluate<string>("document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? ''");

describe('focus after actions', () => {
  it('goes to the main heading after signing in', async () => {
    const page = await open('en-CA');
    await signIn(page, 'kim', false);
    await page.locator('main :is(h1, h2):focus').waitFor({ timeout: 10_000 });
    expect(await page.evaluate('document.activeElement?.textContent')).toMatch(/^Waiting for me( \(\d+\))?$/);
    await page.context().close();
  }, 60_000);

  it('goes to the result after approving on the review screen, and after publishing from the queue', async () => {
    const page = await open('en-CA');
    await signIn(page, 'ada', false);
    await goTo(page, 'Queue');
    await page.getByTestId('pair').filter({ hasText: 'Approve me from the review screen.' }).getByRole('button', { name: 'Open' }).click();
    await page.getByTestId('review').waitFor();
    await page.getByRole('button', { name: /^Approve both languages/ }).click();
    await page.getByTestId('review-outcome').getByText(/^Approved\./).waitFor();
    expect(await focusedTestId(page)).toBe('review-outcome');

    await goTo(page, 'Queue');
    const item = page.getByTestId('pair').filter({ hasText: 'Publish me from the queue.' });
    await item.getByRole('button', { name: 'Publish both now' }).click();
    const said = item.getByTestId('pair-said');
    await said.waitFor();
    // The item is drawn anew as the pair moves on (approved, publishing, published): the message, and the focus, stay.
    await expect.poll(() => said.evaluate((el) => el === el.ownerDocument.activeElement), { timeout: 10_000 }).toBe(true);
    expect(await said.textContent()).toBe('Sent: both languages are being published now.');
    await page.context().close();
  }, 60_000);
});

/** WCAG's contrast ratio of two sRGB colours given as rgb()/rgba() strings. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, b] = css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('focus indicators', () => {
  it('stand out at least 3:1 against what surrounds them: on white, and on the navy navigation bar (WCAG 1.4.11)', async () => {
    const page = await open('en-CA');
    await signIn(page, 'kim', false);
    await page.locator('main :is(h1, h2):focus').waitFor({ timeout: 10_000 });
    // From the keyboard, so the browser shows the focus ring (:focus-visible).
    const ring = async (selector: string) => {
      await page.locator(selector).first().focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      return page.evaluate(`(() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const around = getComputedStyle(el.parentElement);
        return { outline: style.outlineColor, width: parseFloat(style.outlineWidth), around: around.backgroundColor, label: el.textContent };
      })()`) as Promise<{ outline: string; width: number; around: string; label: string }>;
    };
    const onNav = await ring('nav button:not([aria-current])');
    expect(onNav.width).toBeGreaterThanOrEqual(2);
    expect(contrast(onNav.outline, onNav.around), `${onNav.label}: ${onNav.outline} on ${onNav.around}`).toBeGreaterThanOrEqual(3);
    const onPage = await ring('main button');
    const white = 'rgb(255, 255, 255)';
    expect(contrast(onPage.outline, white), `${onPage.label}: ${onPage.outline} on white`).toBeGreaterThanOrEqual(3);
    await page.context().close();
  }, 60_000);
});

describe('the keyboard alone', () => {
  /** Tab (or Shift+Tab) until the focused element matches; fails after `limit` presses. */
  async function tabTo(page: Page, matches: string, limit = 80, key = 'Tab'): Promise<void> {
    for (let i = 0; i < limit; i++) {
      if (await page.evaluate<boolean>(`!!document.activeElement?.matches(${JSON.stringify(matches)})`)) return;
      await page.keyboard.press(key);
    }
    throw new Error(`focus never reached ${matches}`);
  }
  const focusedName = (page: Page) => page.evaluate<string>("(document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '').trim()");
  async function tabToNamed(page: Page, selector: string, name: RegExp, limit = 120): Promise<void> {
    for (let i = 0; i < limit; i++) {
      if ((await page.evaluate<boolean>(`!!document.activeElement?.matches(${JSON.stringify(selector)})`)) && name.test(await focusedName(page))) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`focus never reached ${selector} named ${name}`);
  }

  it('signs in, composes, submits for review, and approves with Ctrl+Enter', async () => {
    const page = await open('en-CA');
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await tabTo(page, 'input[autocomplete="username"], input[name="username"], input[type="text"]');
    await page.keyboard.type('ada');
    await page.keyboard.press('Tab');
    await page.keyboard.type(passphraseOf('ada'));
    await page.keyboard.press('Enter');
    await page.locator('main :is(h1, h2):focus').waitFor({ timeout: 10_000 });

    await tabToNamed(page, 'nav button', /^Compose$/);
    await page.keyboard.press('Enter');
    await page.locator('main :is(h1, h2):focus').waitFor({ timeout: 10_000 });
    // The account pair: a checkbox, ticked with Space.
    await tabToNamed(page, 'input[type="checkbox"]', /.*/);
    if (!(await page.evaluate<boolean>('document.activeElement.checked'))) await page.keyboard.press('Space');
    await expect.poll(() => page.evaluate<boolean>('document.activeElement.checked')).toBe(true);
    await tabTo(page, 'textarea');
    await page.keyboard.type('Typed with the keyboard alone.');
    await page.keyboard.press('Tab');
    await tabTo(page, 'textarea');
    await page.keyboard.type('Écrit au clavier seulement.');
    await expect.poll(() => page.getByLabel('French text').inputValue()).toBe('Écrit au clavier seulement.');
    await tabToNamed(page, 'button', /^Submit for review$/);
    await page.keyboard.press('Enter');
    // What the composer said (a busy machine can take a while): the confirmation, or the refusal shown.
    await page.getByRole('status').getByText('Submitted for review.').or(page.getByRole('alert')).first().waitFor({ timeout: 30_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);

    const pair = async () => (await t.tandem.pairs.list()).find((p) => p.enText === 'Typed with the keyboard alone.');
    await expect.poll(async () => (await pair())?.status, { timeout: 30_000 }).toBe('review');
    expect((await pair())!.frText).toBe('Écrit au clavier seulement.');

    await tabToNamed(page, 'nav button', /^Waiting for me/);
    await page.keyboard.press('Enter');
    await page.locator('main :is(h1, h2):focus').waitFor({ timeout: 10_000 });
    await tabToNamed(page, 'main button, main a', /Typed with the keyboard alone\.|^Open/);
    // Several "Open" buttons may come before it: step on until the one in this pair's item.
    for (let i = 0; i < 60; i++) {
      const inPair = await page.evaluate<boolean>("!!document.activeElement?.closest('li')?.textContent?.includes('Typed with the keyboard alone.')");
      if (inPair && (await page.evaluate<boolean>("document.activeElement?.tagName === 'BUTTON' || document.activeElement?.tagName === 'A'"))) break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByTestId('review').waitFor();
    await page.getByTestId('review').getByText('Typed with the keyboard alone.').first().waitFor();
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('review-outcome').getByText(/^Approved\./).waitFor();
    expect((await pair())!.status).toBe('approved');
    await page.context().close();
  }, 90_000);
});

describe('console', () => {
  it('had no errors', () => {
    expect(windows.consoleErrors).toEqual([]);
  });
});
