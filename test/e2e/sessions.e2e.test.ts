// "Sign out everywhere", as a person would use it: signed in on two computers (two browsers), they
// press it on one, and both are back at the sign-in screen; a colleague signed in elsewhere stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { passphraseOf, startTestApp, waitFor, type TestApp } from '../support';
import { startWindows, type Windows } from './windows';

let t: TestApp;
let windows: Windows;

beforeAll(async () => {
  t = await startTestApp();
  await t.addChannel('Statistics Canada');
  await t.addUser('avery', ['drafter']);
  await t.addUser('blake', ['drafter']);
  await t.call('session.signOut');
  windows = await startWindows(t);
});
afterAll(async () => {
  await windows?.close();
  await t?.cleanup();
});

async function openSignedIn(username: string, locale = 'en-CA'): Promise<Page> {
  const page = await windows.open({ locale, signedIn: false });
  const fr = locale.startsWith('fr');
  await page.getByLabel(fr ? 'Nom d’utilisateur' : 'Username').fill(username);
  await page.getByLabel(fr ? 'Phrase de passe' : 'Passphrase').fill(passphraseOf(username));
  await page.getByRole('button', { name: fr ? 'Se connecter' : 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: fr ? 'Se déconnecter' : 'Sign out', exact: true }).waitFor();
  return page;
}

describe('sign out everywhere', () => {
  it('ends the person’s sessions on every computer, and no one else’s', async () => {
    const laptop = await openSignedIn('avery');
    const office = await openSignedIn('avery', 'fr-CA');
    const colleague = await openSignedIn('blake');

    // Reached by keyboard like every other control.
    const button = laptop.getByRole('button', { name: 'Sign out everywhere' });
    await button.focus();
    await laptop.keyboard.press('Enter');
    await laptop.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
    // The other computer is told at once, and says so in its own language.
    await office.getByRole('heading', { name: 'Se connecter à Tandem' }).waitFor();
    expect(await office.getByRole('button', { name: 'Se déconnecter partout' }).count()).toBe(0);
    // Someone else's session is not theirs to end.
    await colleague.reload();
    await colleague.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    const trail = await t.tandem.audit.list('user:avery');
    expect(trail.at(-1)).toMatchObject({ actor: 'avery', action: 'auth.signedOutEverywhere', detail: { sessions: 2 } });
  });

  it('an administrator deactivates a person, after confirming, by keyboard: the person is signed out at once', async () => {
    const blake = await openSignedIn('blake');
    const admin = await openSignedIn('admin');
    await admin.getByRole('navigation').getByRole('button', { name: 'People and roles' }).click();
    const open = admin.getByRole('button', { name: 'Deactivate blake' });
    await open.focus();
    await admin.keyboard.press('Enter');
    // The confirmation says what will happen and takes the focus, on the safe answer: Enter there
    // changes nothing. Escape gives the focus back.
    const dialog = admin.getByRole('dialog', { name: 'Deactivate blake' });
    await dialog.getByText('Deactivate blake? Their sessions end at once on every computer').waitFor();
    expect(await admin.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    await admin.keyboard.press('Escape');
    await waitFor(async () => (await admin.evaluate('document.activeElement?.textContent')) === 'Deactivate blake', 2_000, 'focus back');
    await admin.keyboard.press('Enter');
    await dialog.waitFor();
    await admin.keyboard.press('Shift+Tab');
    expect(await admin.evaluate('document.activeElement?.textContent')).toBe('Deactivate');
    await admin.keyboard.press('Enter');
    await admin.getByRole('status').getByText('blake is deactivated.').waitFor();
    await admin.locator('[data-username="blake"]').getByText(/^Deactivated on /).waitFor();
    // Blake's computer is back at the sign-in screen, and the right passphrase no longer opens it.
    await blake.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
    await blake.getByLabel('Username').fill('blake');
    await blake.getByLabel('Passphrase').fill(passphraseOf('blake'));
    await blake.getByRole('button', { name: 'Sign in', exact: true }).click();
    await blake.getByText('An administrator deactivated this profile. Ask an administrator if you need access again.').waitFor();
  });
});
