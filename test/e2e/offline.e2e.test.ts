// A drafter's laptop loses its team workspace (issue 12, items 6 and 7), in a real browser: the
// desk's main process (WorkspaceDesk) serves the unchanged renderer; tandem-server goes away and
// comes back at the same address. She is told she is offline, keeps drafting and editing, is told
// in words that deciding needs the workspace; an administrator edits the same pair meanwhile; back
// online, the desk shows the conflict, both versions side by side in both languages, and sends
// what she chooses — and nothing else twice.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness/server';
import { passphraseOf, startTestApp, tempDir, waitFor, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { axeViolations } from './axe';
import { goTo } from './steps';
import { startServer, type TandemServer } from '../../src/server/server';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { WorkspaceDesk, type TokenStore } from '../../src/main/remote/workspace';
import { createLogger } from '../../src/main/log';
import type { Pair } from '../../src/shared/domain';

let browser: Browser;
let closeBrowser: () => Promise<void>;
let t: TestApp | undefined;
let server: TandemServer | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server?.close();
  server = undefined;
  await t?.cleanup();
  t = undefined;
});

const log = createLogger(() => undefined);

/** The session token in memory: the keychain is what workspace.e2e checks; here it is the outage. */
const memoryTokens = (): TokenStore => {
  let held: string | null = null;
  return { get: async () => held, set: async (token) => void (held = token), delete: async () => void (held = null) };
};

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The workspace, on a fixed port so it can go away and come back at the same address. */
async function serveAt(port: number): Promise<void> {
  server = await startServer(t!.tandem, { host: '127.0.0.1', port, log });
}

async function stopServer(): Promise<void> {
  await server!.close();
  server = undefined;
}

/** A workspace with one account pair and Dana (drafter and translator); her desk, signed in, in a browser. */
async function dana(): Promise<{ page: Page; port: number }> {
  t = await startTestApp({ secrets: (sql) => new SealedSecretStore(sql, randomBytes(32)) });
  await t.addChannel('Statistics Canada');
  await t.addUser('dana', ['drafter', 'translator']);
  const port = await freePort();
  await serveAt(port);

  const dataDir = tempDir('tandem-offline-desk-');
  const url = `http://127.0.0.1:${port}`;
  const desk = new WorkspaceDesk({ url, tokens: memoryTokens(), dataDir, timeoutMs: 3_000, retryMs: 200, log });
  const harness: Harness = await startHarness(desk, path.resolve('out/renderer'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  cleanups.push(() => desk.shutdown());
  cleanups.push(() => harness.close());
  const context = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto' });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  await page.goto(harness.url);

  await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
  await page.getByLabel('Username').fill('dana');
  await page.getByLabel('Passphrase').fill(passphraseOf('dana'));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText(/^Signed in as /).waitFor();
  return { page, port };
}

/** The text of what has focus (a string script: these tests are typed without the DOM's names). */
const focused = (page: Page) => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");

const danasPairs = async () =>
  (await t!.call<Pair[]>('pairs.list', { limit: 100 })).filter((p) => p.createdBy === 'dana');

async function draft(page: Page, en: string, fr: string): Promise<void> {
  await goTo(page, 'Compose');
  await page.getByLabel('English text').fill(en);
  await page.getByLabel('French text').fill(fr);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByRole('status').getByText('Draft saved.').waitFor();
  await goTo(page, 'Queue');
  await page.getByTestId('pair').filter({ hasText: en }).waitFor();
}

/** Edits a pair from the queue through the composer, as a person does. */
async function edit(page: Page, from: string, en: string, fr: string): Promise<void> {
  if ((await page.locator('nav button[aria-current="page"]').innerText()) !== 'Queue') await goTo(page, 'Queue');
  await page.getByTestId('pair').filter({ hasText: from }).getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Save changes' }).waitFor();
  await page.getByLabel('English text').fill(en);
  await page.getByLabel('French text').fill(fr);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('pair').filter({ hasText: en }).waitFor();
}

/**
 * Dana drafts a pair online, loses the workspace, sees the banner and edits the pair offline; the
 * administrator edits the same pair at the workspace; the workspace comes back with one conflict.
 */
async function conflictAfterOutage(
  page: Page,
  port: number,
  offlineToo: (page: Page) => Promise<void> = async () => undefined,
) {
  await draft(page, 'Labour Force Survey, May', 'Enquête sur la population active, mai');
  const [online] = await danasPairs();
  expect(online).toMatchObject({ enText: 'Labour Force Survey, May', version: 1 });

  await stopServer();
  // Told without having to try anything: the desk noticed its workspace went away.
  const banner = page.getByTestId('workspace-banner');
  await banner.getByText('You are working offline.').waitFor({ timeout: 10_000 });
  await expect(banner.innerText()).resolves.toContain('Approving, scheduling and publishing need the workspace.');

  const mine = { en: 'Labour Force Survey, May: mine', fr: 'Enquête sur la population active, mai : la mienne' };
  await edit(page, 'Labour Force Survey, May', mine.en, mine.fr);
  await offlineToo(page);
  await banner.getByText(/changes? waits? to be sent\./).waitFor();

  // Meanwhile, at the workspace, the administrator changes the same pair.
  await t!.call('pairs.update', {
    id: online!.id,
    version: online!.version,
    enText: 'Labour Force Survey, May: theirs',
    frText: 'Enquête sur la population active, mai : la leur',
  });

  await serveAt(port);
  const conflict = '1 change made offline was not sent: someone else changed the pair meanwhile. Choose which version to keep.';
  await banner.getByText(conflict).waitFor({ timeout: 15_000 });
  return { online: online!, banner };
}

/** Opens the panel from the banner by keyboard; focus lands on its heading. */
async function openPanel(page: Page) {
  await page.getByRole('button', { name: 'Open the changes made offline' }).focus();
  await page.keyboard.press('Enter');
  const heading = page.getByRole('heading', { name: 'Changes made offline', level: 2 });
  await heading.waitFor();
  await waitFor(async () => (await focused(page)) === 'Changes made offline', 5_000, 'focus on the panel');
  // WCAG 2.1 AA (issue 14): the changes made offline, as axe-core reads them.
  expect(await axeViolations(page, 'changes made offline')).toEqual([]);
  const entry = page.getByRole('article', { name: 'Changes to a pair' });
  // Side by side, in both languages, once the workspace's version has been pulled.
  for (const text of [
    'Labour Force Survey, May: mine',
    'Enquête sur la population active, mai : la mienne',
    'Labour Force Survey, May: theirs',
    'Enquête sur la population active, mai : la leur',
  ]) {
    await entry.getByRole('cell', { name: text, exact: true }).waitFor({ timeout: 10_000 });
  }
  expect(await entry.getByRole('columnheader').allInnerTexts()).toEqual(['Your version', 'Workspace version']);
  expect(await entry.getByRole('rowheader').allInnerTexts()).toEqual(['English', 'French']);
  return entry;
}

describe('a drafter’s desk offline', () => {
  it('keeps drafting offline, says what needs the workspace, and sends her version of a pair changed meanwhile if she keeps it', async () => {
    const { page, port } = await dana();
    const { online, banner } = await conflictAfterOutage(page, port, async (p) => {
      await draft(p, 'Drafted on the train', 'Rédigé dans le train');
      // Something only the workspace can do: said in words where she tried it.
      const pair = p.getByTestId('pair').filter({ hasText: 'Drafted on the train' });
      await pair.getByRole('button', { name: 'Cancel' }).click();
      await pair.getByRole('button', { name: 'Yes, cancel this pair' }).click();
      await pair.locator('[data-error-code="workspace.offline"]').waitFor();
      const said = await pair.getByRole('alert').innerText();
      expect(said).toContain('approving, scheduling and publishing need the workspace');
      expect(await p.getByTestId('workspace-banner').innerText()).toContain('2 changes wait to be sent.');
    });

    const entry = await openPanel(page);
    const keepMine = entry.getByRole('button', { name: 'Keep mine' });
    await keepMine.focus();
    await page.keyboard.press('Enter');
    // Focus moves to what replaces the settled change.
    const nothing = page.getByText('Nothing left to settle: every change made offline has been sent or settled.');
    await nothing.waitFor({ timeout: 10_000 });
    await waitFor(async () => (await focused(page)).startsWith('Nothing left to settle'), 5_000, 'focus on the outcome');

    // The workspace has her text; the pair drafted offline is there once; the banner is gone.
    const there = await waitFor(async () => {
      const pairs = await danasPairs();
      return pairs.find((p) => p.id === online.id)?.enText === 'Labour Force Survey, May: mine' ? pairs : null;
    }, 10_000, 'her version at the workspace');
    const frText = 'Enquête sur la population active, mai : la mienne';
    expect(there.find((p) => p.id === online.id)).toMatchObject({ frText, status: 'draft' });
    expect(there.filter((p) => p.enText === 'Drafted on the train')).toHaveLength(1);
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('keeps the workspace’s version when she chooses theirs, and her queue then shows it', async () => {
    const { page, port } = await dana();
    const { online, banner } = await conflictAfterOutage(page, port);

    const entry = await openPanel(page);
    await entry.getByRole('button', { name: 'Keep theirs' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText(/^Nothing left to settle/).waitFor({ timeout: 10_000 });
    await banner.waitFor({ state: 'detached', timeout: 10_000 });

    await goTo(page, 'Queue');
    const pair = page.getByTestId('pair').filter({ hasText: 'Labour Force Survey, May: theirs' });
    await pair.waitFor();
    // Read once drawn: an item's text is laid out only once the window has placed it on screen (content-visibility).
    await expect.poll(() => pair.innerText()).toContain('Enquête sur la population active, mai : la leur');
    expect(await page.getByTestId('pair').filter({ hasText: 'Labour Force Survey, May: mine' }).count()).toBe(0);
    const stored = (await danasPairs()).find((p) => p.id === online.id);
    expect(stored).toMatchObject({ enText: 'Labour Force Survey, May: theirs', version: 2 });
  });
});
