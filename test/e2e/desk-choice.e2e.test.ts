// A desk's first start in Chromium, as a person meets it: the choice between Tandem on this
// computer and a team workspace, joining a real tandem-server on loopback (an unsafe address
// refused in the person's language, what was typed kept), signing in, and leaving the workspace
// from the header behind a confirmation operated by keyboard alone. Then the other choice: the
// solo desk, whose first start creates the administrator.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness/server';
import { passphraseOf, startTestApp, tempDir, type TestApp } from '../support';
import { createFirstAdmin } from './steps';
import { launchBrowser } from './browser';
import { axeViolations } from './axe';
import { startServer, type TandemServer } from '../../src/server/server';
import { createTandem } from '../../src/main/app';
import { DeskShell } from '../../src/main/desk';
import { TandemHost } from '../../src/main/host';
import { KeytarSecretStore } from '../../src/main/secrets';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { keychainTokenStore, WorkspaceDesk } from '../../src/main/remote/workspace';
import { createLogger } from '../../src/main/log';

const quiet = createLogger(() => undefined);
const service = `ca.gc.tandem.test.desk-e2e.${randomUUID()}`;
const tokenService = `${service}.workspace`;
let t: TestApp;
let server: TandemServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const opened: { shell: DeskShell; harness: Harness; dir: string }[] = [];

beforeAll(async () => {
  const key = randomBytes(32);
  t = await startTestApp({ secrets: (sql) => new SealedSecretStore(sql, key) });
  await t.call('session.signOut');
  server = await startServer(t.tandem, { host: '127.0.0.1', port: 0, log: quiet });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  for (const { shell, harness, dir } of opened) {
    await harness.close();
    await shell.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await server?.close();
  await t?.cleanup();
  for (const s of [service, tokenService]) {
    for (const { account } of await keytar.findCredentials(s)) await keytar.deletePassword(s, account);
  }
});

/** A new desk at its first start (an empty data folder), and its window. */
async function firstStart(): Promise<{ page: Page; dir: string }> {
  const dir = tempDir('tandem-desk-e2e-');
  const shell = new DeskShell({
    dataDir: dir,
    solo: () =>
      new TandemHost({
        dbFile: path.join(dir, 'tandem.db'),
        create: (options) => createTandem({ ...options, secrets: new KeytarSecretStore(service), adapters: [], log: quiet }),
        log: quiet,
        backups: { every: () => () => undefined },
      }),
    workspace: (url) => new WorkspaceDesk({ url, tokens: keychainTokenStore(url, tokenService), log: quiet }),
    log: quiet,
  });
  await shell.start();
  const harness = await startHarness(shell, path.resolve('out/renderer'));
  opened.push({ shell, harness, dir });
  const context = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto' });
  const page = await context.newPage();
  await page.goto(harness.url);
  return { page, dir };
}

// Evaluated in the page (a string: this file is type-checked without the DOM's types).
const focused = (page: Page) => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
const focusedId = (page: Page) => page.evaluate<string>("document.activeElement?.id ?? ''");

describe('a desk’s first start', () => {
  it('joins a team workspace, signs in, and leaves it again from the header', async () => {
    const { page, dir } = await firstStart();
    await page.getByRole('heading', { name: 'How will Tandem be used on this computer?' }).waitFor();
    await expect.poll(() => focused(page)).toBe('How will Tandem be used on this computer?');
    // WCAG 2.1 AA (issue 14): the first-start choice, as axe-core reads it.
    expect(await axeViolations(page, 'first-start choice')).toEqual([]);
    await page.getByRole('button', { name: 'Join a team workspace' }).click();
    await expect.poll(() => focused(page)).toBe('Join a team workspace');

    // Plain HTTP to another computer: refused before anything is sent, in the person's language.
    const address = page.getByLabel('Workspace address');
    await address.fill('http://tandem.example.gc.ca');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('A team workspace is reached over a secure connection').waitFor();
    expect(await address.inputValue()).toBe('http://tandem.example.gc.ca');
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByText('On accède à un espace de travail d’équipe par une connexion sécurisée').waitFor();
    await page.getByRole('button', { name: 'English' }).click();

    await address.fill(server.url);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
    // Focus moved to what replaced the choice.
    await expect.poll(() => focusedId(page)).toBe('main');
    await page.getByText(`Team workspace: ${server.url}`).waitFor();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Passphrase').fill(passphraseOf('admin'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();
    expect(await keytar.findCredentials(tokenService)).toHaveLength(1);

    // Escape cancels, and focus returns to the button.
    const leave = page.getByRole('button', { name: 'Leave this workspace' });
    await leave.click();
    const dialog = page.getByRole('dialog', { name: 'Leave this team workspace?' });
    await dialog.waitFor();
    expect(await focused(page)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused(page)).toBe('Leave this workspace');
    await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();

    // Confirmed by keyboard alone: open with Enter, move to "Leave the workspace", press Enter.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('Leave the workspace');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'How will Tandem be used on this computer?' }).waitFor();
    await expect.poll(() => focused(page)).toBe('How will Tandem be used on this computer?');
    expect(await page.getByText(/^Signed in as /).count()).toBe(0);
    expect(await keytar.findCredentials(tokenService)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'workspace'))).toBe(false);
  });

  it('uses Tandem on this computer: the first administrator is created there', async () => {
    const { page, dir } = await firstStart();
    await page.getByRole('button', { name: 'Use Tandem on this computer' }).click();
    await createFirstAdmin(page, passphraseOf('admin'));
    // No workspace to leave on a solo desk.
    expect(await page.getByRole('button', { name: 'Leave this workspace' }).count()).toBe(0);
    expect(fs.existsSync(path.join(dir, 'tandem.db'))).toBe(true);
  });
});
