// An administrator's housekeeping and the audit trail as records staff read it (issue 14, items 4
// and 5), in Chromium through the real renderer: account pairs renamed in both languages and
// retired behind a confirmation; a role revoked only once confirmed; several roles at once; a
// passphrase set by the administrator and one changed by its owner; the trail filtered by a name
// and by an action named in French, subjects and details in words, and exported in French.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Pair, User } from '../../src/shared/domain';
import { passphraseOf, startTestApp, type TestApp } from '../support';
import { startWindows, type Windows } from './windows';
import { goTo } from './steps';
import { fakeAccount } from '../fakes/x-api';

let t: TestApp;
let windows: Windows;
let channel: string;
const tz = 'America/Toronto';

beforeAll(async () => {
  t = await startTestApp();
  channel = await t.addChannel('Statistics Canada');
  await t.call<User>('users.create', { username: 'dchen', displayName: 'David Chen', passphrase: passphraseOf('dchen') });
  await t.call<User>('users.create', { username: 'julie', displayName: 'Julie Tremblay', passphrase: passphraseOf('julie') });
  const people = await t.call<User[]>('users.list');
  const id = (username: string) => people.find((u) => u.username === username)!.id;
  await t.call('roles.grant', { userId: id('dchen'), role: 'approver', channelId: null, expiresAt: null });
  await t.call('roles.grant', { userId: id('julie'), role: 'drafter', channelId: null, expiresAt: null });
  // Julie drafts, David approves: the trail holds their steps under their names.
  await t.signInAs('julie');
  let pair = await t.call<Pair>('pairs.create', { channelIds: [channel], enText: 'The census starts today.', frText: 'Le recensement commence aujourd’hui.', authorTz: tz });
  pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
  await t.signInAs('dchen');
  await t.call('pairs.approve', { id: pair.id, version: pair.version, comment: 'Figures checked.' });
  windows = await startWindows(t);
}, 60_000);
afterAll(async () => {
  await windows?.close();
  await t?.cleanup();
});

async function openAs(username: string, locale = 'en-CA'): Promise<Page> {
  await t.signInAs(username);
  const page = await windows.open({ locale, timezoneId: tz, acceptDownloads: true });
  await page.getByRole('navigation').waitFor();
  return page;
}

describe('an administrator’s housekeeping', () => {
  it('renames an account pair in both languages and retires one behind a confirmation', async () => {
    await t.signInAs('admin');
    const spare = await t.addChannel('Campaign 2025', { accounts: { en: fakeAccount(t.fake, 'campaign_en'), fr: fakeAccount(t.fake, 'campaign_fr') } });
    const page = await openAs('admin');
    await goTo(page, 'Accounts');
    await page.getByRole('button', { name: 'Rename Statistics Canada' }).click();
    await page.getByRole('form', { name: 'Rename Statistics Canada' }).getByLabel('Pair name (French)').fill('Statistique Canada');
    await page.getByRole('button', { name: 'Save the names' }).click();
    await page.getByText('Renamed: Statistics Canada · Statistique Canada.').waitFor();

    // Retiring asks first: Cancel changes nothing and gives the focus back.
    const retire = page.getByRole('button', { name: 'Retire Campaign 2025' });
    await retire.click();
    const dialog = page.getByRole('dialog', { name: 'Retire Campaign 2025?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Retire Campaign 2025');
    expect((await t.call<{ id: string; retiredAt: string | null }[]>('accounts.list')).find((c) => c.id === spare)!.retiredAt).toBeNull();
    await retire.click();
    await dialog.getByRole('button', { name: 'Retire the account pair' }).click();
    await page.getByText('Campaign 2025 is retired.').waitFor();
    await page.getByTestId('retired').first().waitFor();

    // In French, the account pair is named in French; the composer offers the retired one no more.
    await page.getByRole('button', { name: 'Français' }).click();
    await goTo(page, 'Rédiger');
    await page.getByRole('checkbox', { name: 'Statistique Canada' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Campaign 2025' }).count()).toBe(0);
    await page.context().close();
  });

  it('revokes a role only once confirmed, gives several roles at once, and sets someone’s passphrase', async () => {
    const page = await openAs('admin');
    await goTo(page, 'People and roles');
    const julie = page.locator('[data-testid="person"][data-username="julie"]');
    const revoke = julie.getByRole('button', { name: 'Revoke Drafter from Julie Tremblay' });
    await revoke.click();
    const dialog = page.getByRole('dialog', { name: 'Revoke Julie Tremblay’s Drafter role?' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await julie.locator('[data-testid="grant"][data-state="active"]').count()).toBe(1);

    // Several roles at once, for Julie, on every account pair.
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Julie Tremblay (julie)' });
    await page.getByRole('checkbox', { name: 'Drafter', exact: true }).uncheck();
    await page.getByRole('checkbox', { name: 'Translator', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Publisher', exact: true }).check();
    await page.getByRole('button', { name: 'Give the roles' }).click();
    await page.getByText('Julie Tremblay now holds the roles Translator and Publisher.').waitFor();
    await julie.locator('[data-testid="grant"][data-state="active"]').nth(2).waitFor();

    await revoke.click();
    await dialog.getByRole('button', { name: 'Revoke the role' }).click();
    await julie.locator('[data-testid="grant"][data-state="revoked"]').waitFor();

    // A new passphrase for Julie: her old one no longer signs in.
    await julie.getByRole('button', { name: 'Set a new passphrase for Julie Tremblay' }).click();
    await julie.getByLabel('New passphrase', { exact: true }).fill('handed over at the front desk');
    await page.getByRole('button', { name: 'Set the passphrase' }).click();
    await page.getByText('Julie Tremblay has a new passphrase; their sessions have ended.').waitFor();
    expect((await t.tandem.dispatch({ client: 'julie-laptop' }, 'session.signIn', { username: 'julie', passphrase: passphraseOf('julie') })).ok).toBe(false);
    expect((await t.tandem.dispatch({ client: 'julie-laptop' }, 'session.signIn', { username: 'julie', passphrase: 'handed over at the front desk' })).ok).toBe(true);
    await page.context().close();
  });

  it('lets anyone change their own passphrase, saying when the current one is wrong', async () => {
    const page = await openAs('dchen');
    await page.getByRole('button', { name: 'Change my passphrase' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change my passphrase' });
    await dialog.getByLabel('Current passphrase').fill('not the right one');
    await dialog.getByLabel('New passphrase', { exact: true }).fill('a fresh passphrase for David');
    await dialog.getByLabel('New passphrase again').fill('a fresh passphrase for David');
    await dialog.getByRole('button', { name: 'Change the passphrase' }).click();
    await dialog.getByText('That is not your current passphrase. Your passphrase has not changed.').waitFor();
    await dialog.getByLabel('Current passphrase').fill(passphraseOf('dchen'));
    await dialog.getByRole('button', { name: 'Change the passphrase' }).click();
    await dialog.getByText('Your passphrase is changed. Your other sessions have ended.').waitFor();
    expect((await t.tandem.dispatch({ client: 'david-phone' }, 'session.signIn', { username: 'dchen', passphrase: 'a fresh passphrase for David' })).ok).toBe(true);
    await page.context().close();
  });
});

describe('the audit trail for records staff', () => {
  it('finds David Chen by name and “approuvée” in French, says subjects and details in words, and exports in French', async () => {
    const page = await openAs('admin', 'fr-CA');
    await goTo(page, 'Piste de vérification');
    await page.getByTestId('integrity').waitFor();
    await page.getByLabel('Personne', { exact: true }).fill('david chen');
    await page.getByLabel('Action', { exact: true }).fill('approuvée');
    await page.getByRole('button', { name: 'Filtrer', exact: true }).click();
    const rows = page.getByTestId('audit-event');
    await rows.first().waitFor();
    await page.waitForFunction(`[...document.querySelectorAll('[data-testid="audit-event"]')].every((r) => r.getAttribute('data-action') === 'pair.approved')`);
    const row = rows.first();
    expect(await row.locator('td').nth(1).textContent()).toBe('David Chen (dchen)');
    expect(await row.locator('td').nth(3).textContent()).toBe('la paire «\u00a0Le recensement commence aujourd’hui.\u00a0»');
    expect(await row.locator('td').nth(4).textContent()).toContain('Commentaire\u00a0: Figures checked.');
    // A person by any part of the name, in any case; no raw JSON anywhere.
    expect(await page.locator('main').textContent()).not.toContain('{"');

    // The export: headers in French, each time local with its offset and in UTC.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Piste de vérification (CSV)' }).click()]);
    const file = await download.path();
    const text = fs.readFileSync(file!, 'utf8');
    const [head, ...lines] = text.replace('\uFEFF', '').trim().split('\r\n');
    expect(head!.startsWith('Événement,Heure locale,Heure UTC,Personne,Nom d’utilisateur,Action')).toBe(true);
    const approved = lines.find((l) => l.includes(',pair.approved,'))!;
    expect(approved).toMatch(/,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d -0[45]:00,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC,David Chen,dchen,Approuvée/);
    await page.getByText(/^\d+\u00a0événements? exportés? dans tandem-audit-all\.csv\.$/).waitFor();
    expect(windows.consoleErrors).toEqual([]);
    await page.context().close();
  });
});
