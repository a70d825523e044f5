// A solo desk moved into a new team workspace in Chromium, as its administrator does it: under
// People and roles, the address, the confirmation (Escape goes back to the form), a refusal in
// the person's language with the address kept, then the move into a fresh tandem-server on
// loopback, the workspace's sign-in, and the desk's pairs there.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from '../harness/server';
import { passphraseOf, startTestApp, tempDir, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { goTo } from './steps';
import { startServer, type TandemServer } from '../../src/server/server';
import { createTandem } from '../../src/main/app';
import { DeskShell } from '../../src/main/desk';
import { TandemHost } from '../../src/main/host';
import { KeytarSecretStore } from '../../src/main/secrets';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { keychainTokenStore, WorkspaceDesk } from '../../src/main/remote/workspace';
import { createLogger } from '../../src/main/log';
import type { Result } from '../../src/shared/contract';
import type { Channel, Pair, User } from '../../src/shared/domain';
import { FakeX, credentialsOf, fakeAccount, fakeApp } from '../fakes/x-api';
import { XAdapter } from '../../src/main/platforms/x';

const quiet = createLogger(() => undefined);
const service = `ca.gc.tandem.test.desk-move-e2e.${randomUUID()}`;
const tokenService = `${service}.workspace`;
const setup = { client: 'setup' };
let x: FakeX;
let fresh: { t: TestApp; server: TandemServer };
let inUse: { t: TestApp; server: TandemServer };
let shell: DeskShell;
let harness: Harness;
let dir: string;
let browser: Browser;
let closeBrowser: () => Promise<void>;

async function workspace(bootstrap: boolean): Promise<{ t: TestApp; server: TandemServer }> {
  const key = randomBytes(32);
  const t = await startTestApp(
    { secrets: (sql) => new SealedSecretStore(sql, key), adapters: [new XAdapter({ apiBase: x.url })], log: quiet },
    { bootstrap },
  );
  await t.tandem.ready;
  const server = await startServer(t.tandem, { host: '127.0.0.1', port: 0, log: quiet });
  return { t, server };
}

async function call<T = unknown>(method: string, input?: unknown): Promise<T> {
  const result: Result<unknown> = await shell.dispatch(setup, method, input ?? null);
  if (!result.ok) throw new Error(`${method}: ${result.error.code}`);
  return result.value as T;
}

beforeAll(async () => {
  x = new FakeX();
  await x.start();
  fresh = await workspace(false);
  inUse = await workspace(true);
  dir = tempDir('tandem-desk-move-e2e-');
  shell = new DeskShell({
    dataDir: dir,
    solo: () =>
      new TandemHost({
        dbFile: path.join(dir, 'tandem.db'),
        create: (options) =>
          createTandem({
            ...options,
            secrets: new KeytarSecretStore(service),
            adapters: [new XAdapter({ apiBase: x.url })],
            log: quiet,
          }),
        log: quiet,
        backups: { every: () => () => undefined },
      }),
    workspace: (url, dataDir) => new WorkspaceDesk({ url, tokens: keychainTokenStore(url, tokenService), log: quiet, dataDir }),
    log: quiet,
  });
  await shell.start();
  // The solo desk as its administrator set it up: an account pair and a pair scheduled for tomorrow.
  await call('desk.useHere');
  await call('users.bootstrap', { username: 'admin', displayName: 'Alex Admin', passphrase: passphraseOf('admin') });
  const admin = (await call<{ user: User }>('session.current')).user;
  for (const role of ['drafter', 'approver', 'publisher'] as const) {
    await call('roles.grant', { userId: admin.id, role, channelId: null, expiresAt: null });
  }
  const app = fakeApp();
  const [en, fr] = [fakeAccount(x, 'Dept_eng', app), fakeAccount(x, 'Dept_fra', app)];
  const channel = await call<Channel>('accounts.addPair', {
    platform: 'x',
    name: 'Department',
    en: { handle: en.username, displayName: 'Department EN', credentials: credentialsOf(en) },
    fr: { handle: fr.username, displayName: 'Department FR', credentials: credentialsOf(fr) },
  });
  await call('accounts.setSelfApproval', { channelId: channel.id, allowed: true });
  let pair = await call<Pair>('pairs.create', {
    channelIds: [channel.id],
    enText: 'Offices open Monday',
    frText: 'Bureaux ouverts lundi',
    authorTz: 'America/Toronto',
  });
  pair = await call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
  pair = await call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'Both read' });
  const scheduledAt = new Date(Date.now() + 86_400_000).toISOString();
  await call('pairs.schedule', { id: pair.id, version: pair.version, when: 'at', scheduledAt });
  await call('session.signOut');
  harness = await startHarness(shell, path.resolve('out/renderer'));
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await harness?.close();
  await shell?.close();
  for (const w of [fresh, inUse]) {
    await w?.server.close();
    await w?.t.cleanup();
  }
  await x?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  for (const s of [service, tokenService]) {
    for (const { account } of await keytar.findCredentials(s)) await keytar.deletePassword(s, account);
  }
});

describe('moving a solo desk into a team workspace', () => {
  it('the administrator moves it from People and roles, then signs in to the workspace and finds the pairs', async () => {
    const context = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto' });
    const page = await context.newPage();
    const focused = () => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    await page.goto(harness.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Passphrase').fill(passphraseOf('admin'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'People and roles' }).click();

    await page.getByRole('button', { name: 'Move this desk into a team workspace' }).click();
    await expect.poll(focused).toBe('Move this desk into a team workspace');
    await page.getByText('Everything on this desk moves: people with their passphrases and roles').waitFor();
    const address = page.getByLabel('Workspace address');

    // A workspace already in use: refused in the person's language, the address kept, the desk as it was.
    await address.fill(inUse.server.url);
    await page.getByRole('button', { name: 'Continue' }).click();
    const dialog = page.getByRole('dialog', { name: `Move this desk into ${inUse.server.url}?` });
    await dialog.waitFor();
    expect(await focused()).toBe('Cancel');
    // Escape cancels: back to the form, on the button that asked.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(focused).toBe('Continue');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('Move the desk');
    await page.keyboard.press('Enter');
    await page.getByText('This workspace is already in use.').waitFor();
    expect(await address.inputValue()).toBe(inUse.server.url);
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''")).toBe(await address.getAttribute('id'));
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByText('Cet espace de travail est déjà utilisé.').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    expect(await shell.dispatch(setup, 'desk.state', null)).toEqual({ ok: true, value: { mode: 'solo', url: null } });

    // The new workspace: moved, then its sign-in.
    await address.fill(fresh.server.url);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('dialog', { name: `Move this desk into ${fresh.server.url}?` }).waitFor();
    await page.getByRole('button', { name: 'Move the desk' }).click();
    await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''")).toBe('main');
    await page.getByText(`Team workspace: ${fresh.server.url}`).waitFor();
    expect(fs.existsSync(path.join(dir, 'tandem.db'))).toBe(false);

    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Passphrase').fill(passphraseOf('admin'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Signed in as Alex Admin').waitFor();
    await goTo(page, 'Queue');
    await page.getByText('Offices open Monday').first().waitFor();
    // Nothing to move from a workspace desk.
    await page.getByRole('button', { name: 'People and roles' }).click();
    await page.getByRole('heading', { name: 'People and roles' }).waitFor();
    expect(await page.getByRole('button', { name: 'Move this desk into a team workspace' }).count()).toBe(0);
    await context.close();
  });
});
