// The whole app as people use it: the real renderer in Chromium, the real services behind the
// web harness, the real SQLite file and keychain, and the fake X API on loopback.
// The tests in this file run in order on one app: the first one sets it up from first start.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Pair, User } from '../../src/shared/domain';
import { startHarness, type Harness } from '../harness/server';
import { passphraseOf, startTestApp, waitFor, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { addXPair, goTo, torontoLocal } from './steps';

let t: TestApp;
let harness: Harness;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const consoleErrors: string[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { bootstrap: false });
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
  // The browser is the test's own client (one window): signed in as whoever the test signs in.
  await context.addCookies([harness.cookieFor(t.caller.client)]);
  // Desktop notifications are recorded instead of shown.
  await context.addInitScript(`
    window.__notifications = [];
    window.Notification = class {
      static permission = 'granted';
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(title, options) { window.__notifications.push({ title, body: options && options.body }); }
    };
  `);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(harness.url);
  return page;
}

async function signIn(page: Page, username: string, passphraseLabel = 'Passphrase', submit = 'Sign in') {
  await page.getByLabel(passphraseLabel === 'Passphrase' ? 'Username' : "Nom d’utilisateur").fill(username);
  await page.getByLabel(passphraseLabel).fill(passphraseOf(username));
  await page.getByRole('button', { name: submit, exact: true }).click();
  await page.getByText(/^Signed in as /).waitFor();
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
}

const nav = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name }).click();

describe('from first start to a published bilingual pair', () => {
  it('creates the admin, registers an EN/FR account pair, and publishes a scheduled pair to both accounts', async () => {
    const page = await openApp();
    // First start: create the administrator.
    await page.getByRole('heading', { name: 'Set up Tandem' }).waitFor();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Full name').fill('Alex Admin');
    await page.getByLabel('Passphrase').fill('short');
    await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await page.getByText('The passphrase must be at least 12 characters long.').waitFor();
    await page.getByLabel('Passphrase').fill(passphraseOf('admin'));
    await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await page.getByText('Signed in as Alex Admin').waitFor();

    // The admin gives themself the workflow roles.
    await nav(page, 'People and roles');
    // Several roles at once.
    for (const role of ['Drafter', 'Approver', 'Publisher']) await page.getByRole('checkbox', { name: role, exact: true }).check();
    await page.getByRole('button', { name: 'Give the roles' }).click();
    await page.getByText('Alex Admin now holds the roles Drafter, Approver and Publisher.').waitFor();

    // Register the account pair with the credentials from X's developer portal.
    await nav(page, 'Accounts');
    await addXPair(page, 'Statistics Canada', t);
    // A one-person team: allow the author to approve on this account pair.
    await page.getByLabel('Authors may approve their own pairs on this account pair').check();
    await waitFor(async () => (await t.tandem.accounts.list())[0]?.allowSelfApproval, 5_000, 'self-approval saved');
    // Credentials can be rotated at any time; X is asked again whose they are.
    await page.getByRole('button', { name: `Renew credentials for @${t.fr.username}` }).click();
    const renew = page.getByRole('form', { name: `Renew credentials for @${t.fr.username}` });
    await renew.getByLabel('API key', { exact: true }).fill(t.fr.appKey);
    await renew.getByLabel('API key secret').fill(t.fr.appSecret);
    await renew.getByLabel('Access token', { exact: true }).fill(t.fr.accessToken);
    await renew.getByLabel('Access token secret').fill(t.fr.accessSecret);
    await renew.getByRole('button', { name: 'Verify and save' }).click();
    await page.getByText(`Credentials for @${t.fr.username} renewed. Held pairs can now be sent.`).waitFor();

    // The grace period for pairs missed while Tandem was closed.
    const grace = page.getByLabel('Grace period for late pairs (minutes)');
    await waitFor(async () => (await grace.inputValue()) === '15', 5_000, 'grace period loaded');
    await grace.fill('20');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    expect(JSON.parse((await t.tandem.sql.value<string>("SELECT value FROM setting WHERE key = 'graceMinutes'"))!)).toBe(20);

    // Compose both languages side by side; the counters follow X's weighted length.
    await goTo(page, 'Compose');
    const enText = `Canada's population estimates, third quarter: https://www150.statcan.gc.ca/n1/daily-quotidien/en`;
    const frText = `Estimations de la population du Canada, troisième trimestre : https://www150.statcan.gc.ca/n1/daily-quotidien/fr`;
    await page.getByLabel('English text').fill(enText);
    await page.getByLabel('French text').fill(frText);
    expect(await page.getByTestId('counter-en').textContent()).toBe('69 of 280 characters');
    expect(await page.getByTestId('counter-fr').textContent()).toBe('85 of 280 characters');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('status').getByText('Submitted for review.').waitFor();

    await goTo(page, 'Queue');
    const queued = page.getByTestId('pair').first();
    await queued.getByLabel(/^Comment/).fill('Figures checked against The Daily.');
    await queued.getByRole('button', { name: 'Approve both languages' }).click();
    await queued.and(page.locator('[data-status="approved"]')).waitFor();
    expect(await queued.getByTestId('approval').textContent()).toMatch(/^Approved by Alex Admin on .*“Figures checked against The Daily\.”$/);

    // Schedule a few seconds ahead.
    await queued.getByRole('radio', { name: 'At a set time' }).check();
    const due = new Date(Date.now() + 4_000);
    await queued.getByLabel(/Publish at/).fill(torontoLocal(due));
    await queued.getByRole('button', { name: 'Schedule both' }).click();
    await queued.and(page.locator('[data-status="scheduled"]')).waitFor();
    expect(t.fake.posts).toHaveLength(0);

    // Both posts arrive at X, and the queue shows both published with links to them.
    await waitFor(() => t.fake.posts.length === 2, 15_000, 'both posts at the fake X');
    await queued.and(page.locator('[data-status="published"]')).waitFor();
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
  }, 90_000);

  it('in French, shows errors in French and keeps the text when the FR side is empty or too long', async () => {
    const page = await openApp('en-CA');
    await page.getByRole('button', { name: 'Français' }).click();
    await goTo(page, 'Rédiger');
    await page.getByRole('heading', { name: 'Rédiger une paire bilingue' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');

    await page.getByLabel('Texte anglais').fill('Only English for now');
    await page.getByRole('button', { name: 'Soumettre pour révision' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Le texte en français est vide. Les deux langues sont obligatoires.');
    expect(await page.getByLabel('Texte anglais').inputValue()).toBe('Only English for now');

    await page.getByLabel('Texte français').fill('é'.repeat(281));
    expect(await page.getByTestId('counter-fr').textContent()).toBe('281 caractères sur 280 · 1\u00a0caractère de trop');
    await page.getByRole('button', { name: 'Soumettre pour révision' }).click();
    const tooLong = 'Le texte en français compte 281 caractères sur X; la limite y est de 280.';
    await page.getByRole('alert').getByText(tooLong).waitFor();
    // The preview of the French post on X says the same, before anyone presses a button.
    expect(await page.getByTestId('preview-x-fr').textContent()).toContain(tooLong);

    // Content checks show inline, in French, with a one-click fix for French spacing.
    await page.getByLabel('Texte français').fill('Attention: nouvelle publication !');
    const checks = page.getByTestId('checks');
    await checks.getByText(/Typographie française/).waitFor();
    expect(await checks.locator('[data-check="language.mismatch"]').count()).toBe(0);
    await checks.getByRole('button', { name: 'Corriger les espaces' }).click();
    expect(await page.getByLabel('Texte français').inputValue()).toBe('Attention\u00a0: nouvelle publication!');
    // The checks follow the text a moment later (a deferred render, composer): the finding goes then.
    await expect.poll(() => checks.locator('[data-check="typography.frenchSpacing"]').count()).toBe(0);

    // The language choice and the unsent text survive a reload; nothing was saved or sent. Main
    // keeps the text half a second after the last change: wait for it rather than race the reload.
    await waitFor(async () => {
      const unsent = await t.tandem.dispatch(t.caller, 'unsent.get', undefined);
      const kept = unsent.ok ? (unsent.value as { frText: string } | null) : null;
      return kept?.frText === 'Attention\u00a0: nouvelle publication!';
    }, 5_000, 'unsent text kept by main');
    await page.reload();
    await goTo(page, 'Rédiger');
    await page.getByRole('heading', { name: 'Rédiger une paire bilingue' }).waitFor();
    expect(await page.getByLabel('Texte anglais').inputValue()).toBe('Only English for now');
    expect(await t.tandem.pairs.list()).toHaveLength(1);
    expect(t.fake.posts).toHaveLength(2);

    // A draft saved and then cancelled, with a confirmation step.
    await page.getByLabel('Texte français').fill('Seulement une ébauche pour l’instant');
    await page.getByRole('button', { name: 'Enregistrer l’ébauche' }).click();
    await page.getByRole('status').getByText('Ébauche enregistrée.').waitFor();
    await goTo(page, 'File d’attente');
    const draft = page.getByTestId('pair').first();
    await draft.and(page.locator('[data-status="draft"]')).waitFor();
    await draft.getByRole('button', { name: 'Annuler', exact: true }).click();
    await draft.getByRole('button', { name: 'La conserver' }).click();
    expect(await draft.getAttribute('data-status')).toBe('draft');
    await draft.getByRole('button', { name: 'Annuler', exact: true }).click();
    await draft.getByRole('button', { name: 'Oui, annuler cette paire' }).click();
    await page.getByTestId('pair').first().and(page.locator('[data-status="cancelled"]')).waitFor();
    await goTo(page, 'Rédiger');
    await page.getByLabel('Texte anglais').fill('');
    await page.getByLabel('Texte français').fill('');
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('a pair passes from drafter to translator to approver to publisher', () => {
  it('records each person’s part and publishes both languages together', async () => {
    // The admin adds four people, one role each (as the People view does; tested above).
    await t.signInAs('admin');
    for (const [username, role] of [
      ['dana', 'drafter'],
      ['theo', 'translator'],
      ['alice', 'approver'],
      ['paul', 'publisher'],
    ] as const) {
      const user = await t.call<User>('users.create', { username, displayName: username[0]!.toUpperCase() + username.slice(1), passphrase: passphraseOf(username) });
      await t.call('roles.grant', { userId: user.id, role, channelId: null, expiresAt: null });
    }
    await t.call('session.signOut');
    const enText = 'Labour Force Survey, October: employment rose by 14,000.';
    const frText = 'Enquête sur la population active, octobre : l’emploi a augmenté de 14 000.';

    const page = await openApp();
    // Dana drafts the English and sends it for translation.
    await signIn(page, 'dana');
    expect(await page.getByText(/^Signed in as /).textContent()).toBe('Signed in as Dana');
    await goTo(page, 'Compose');
    await page.getByLabel('English text').fill(enText);
    expect(await page.getByRole('button', { name: 'Submit for review' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Send for translation' }).click();
    await page.getByRole('status').getByText('Sent for translation.').waitFor();
    await goTo(page, 'Queue');
    const pair = page.getByTestId('pair').first();
    await pair.and(page.locator('[data-status="translation"]')).waitFor();
    expect(await pair.getByRole('button', { name: 'Approve both languages' }).count()).toBe(0);
    await signOut(page);

    // Theo translates and submits for review.
    await signIn(page, 'theo');
    await goTo(page, 'Queue');
    await pair.getByRole('button', { name: 'Translate' }).click();
    await page.getByRole('heading', { name: 'Edit the pair' }).waitFor();
    await page.getByLabel('French text').fill(frText);
    await page.getByRole('button', { name: 'Save changes' }).click();
    // Saved, back to the queue.
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    await pair.getByRole('button', { name: 'Submit for review' }).click();
    await pair.and(page.locator('[data-status="review"]')).waitFor();
    await signOut(page);

    // Alice approves, with a comment kept as evidence.
    await signIn(page, 'alice');
    expect(await page.getByRole('navigation').getByRole('button', { name: 'Audit trail' }).count()).toBe(1);
    await goTo(page, 'Queue');
    await pair.getByLabel(/^Comment/).fill('Approved for release at 8:30.');
    await pair.getByRole('button', { name: 'Approve both languages' }).click();
    await pair.and(page.locator('[data-status="approved"]')).waitFor();
    expect(await pair.getByRole('button', { name: 'Publish both now' }).count()).toBe(0);
    await signOut(page);

    // Paul publishes both now.
    await signIn(page, 'paul');
    await goTo(page, 'Queue');
    await pair.getByRole('button', { name: 'Publish both now' }).click();
    await pair.and(page.locator('[data-status="published"]')).waitFor({ timeout: 15_000 });
    expect(await pair.getByTestId('people').textContent()).toBe('Drafted by Dana · translated by Theo · published by Paul');
    expect(await pair.getByTestId('approval').textContent()).toMatch(/^Approved by Alice on .*“Approved for release at 8:30\.”$/);
    expect(t.fake.postsBy(t.en.username).map((p) => p.text)).toContain(enText);
    expect(t.fake.postsBy(t.fr.username).map((p) => p.text)).toContain(frText);
    // Paul is told on the desktop, in his language.
    await waitFor(async () => ((await page.evaluate('window.__notifications.length')) as number) > 0, 5_000, 'notification');
    expect(await page.evaluate('window.__notifications')).toEqual([{ title: 'Published in English and French', body: enText }]);

    // The audit trail shows each step by its author; the admin can filter it.
    await signOut(page);
    await signIn(page, 'admin');
    await nav(page, 'Audit trail');
    await page.getByTestId('integrity').getByText('Integrity check passed').waitFor();
    await page.getByLabel('Person').fill('alice');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await waitFor(async () => (await page.getByTestId('audit-event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))).includes('pair.approved'), 5_000, 'filtered audit');
    const actions = await page.getByTestId('audit-event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(new Set(actions)).toEqual(new Set(['auth.signedIn', 'pair.approved', 'auth.signedOut']));
    const published = (await t.tandem.pairs.list()).find((p: Pair) => p.enText === enText)!;
    expect([published.createdBy, published.translatedBy, published.approval?.by, published.scheduledBy]).toEqual(['dana', 'theo', 'alice', 'paul']);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  }, 90_000);
});
