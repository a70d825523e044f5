// Two desks joined to one team workspace: each is a desk's main process (WorkspaceDesk) serving
// the unchanged renderer to its own browser, forwarding every call to tandem-server. The drafter
// drafts on one computer; the approver, on another, sees the pair arrive without reloading and
// approves it; the publisher's role lives on the server. The session tokens are kept in the real
// OS keychain. The server then goes away, and the desk goes on offline with what its person drafts.
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness/server';
import { passphraseOf, startTestApp, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { goTo } from './steps';
import { startServer, type TandemServer } from '../../src/server/server';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { keychainTokenStore, WorkspaceDesk } from '../../src/main/remote/workspace';
import { createLogger } from '../../src/main/log';
import type { Pair } from '../../src/shared/domain';

let t: TestApp;
let server: TandemServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const service = `ca.gc.tandem.workspace.test.${randomUUID()}`;
const desks: { desk: WorkspaceDesk; harness: Harness }[] = [];

beforeAll(async () => {
  const key = randomBytes(32);
  t = await startTestApp({ secrets: (sql) => new SealedSecretStore(sql, key) });
  await t.addChannel('Statistics Canada');
  await t.addUser('dana', ['drafter']);
  await t.addUser('alice', ['approver']);
  await t.call('session.signOut');
  server = await startServer(t.tandem, { host: '127.0.0.1', port: 0, log: createLogger(() => undefined) });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  for (const { desk, harness } of desks) {
    desk.close();
    await harness.close();
  }
  await server?.close();
  await t?.cleanup();
  for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account);
});

/** A desk on its own computer: its main process joined to the workspace, and its window. */
async function openDesk(name: string): Promise<Page> {
  const desk = new WorkspaceDesk({ url: server.url, tokens: keychainTokenStore(server.url, `${service}.${name}`), log: createLogger(() => undefined) });
  const harness = await startHarness(desk, path.resolve('out/renderer'));
  desks.push({ desk, harness });
  const context = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto' });
  const page = await context.newPage();
  await page.goto(harness.url);
  return page;
}

async function signIn(page: Page, username: string) {
  await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Passphrase').fill(passphraseOf(username));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText(/^Signed in as /).waitFor();
}

describe('two desks joined to one workspace', () => {
  it('a pair drafted on one computer is seen and approved on another, through the server', async () => {
    const drafter = await openDesk('dana');
    const approver = await openDesk('alice');
    await signIn(drafter, 'dana');
    await signIn(approver, 'alice');
    await goTo(approver, 'Queue');

    await goTo(drafter, 'Compose');
    await drafter.getByLabel('English text').fill('Consumer Price Index, October: prices rose 2.4%.');
    await drafter.getByLabel('French text').fill('Indice des prix à la consommation, octobre : les prix ont augmenté de 2,4 %.');
    await drafter.getByRole('button', { name: 'Submit for review' }).click();
    await drafter.getByRole('status').getByText('Submitted for review.').waitFor();
    await goTo(drafter, 'Queue');
    await drafter.getByTestId('pair').first().and(drafter.locator('[data-status="review"]')).waitFor();

    // On the other computer, told by the server's stream: no reload.
    const pair = approver.getByTestId('pair').first();
    await pair.and(approver.locator('[data-status="review"]')).waitFor({ timeout: 10_000 });
    await pair.getByLabel(/^Comment/).fill('Checked against the release.');
    await pair.getByRole('button', { name: 'Approve both languages' }).click();
    await pair.and(approver.locator('[data-status="approved"]')).waitFor();

    // It is the server's: the workspace's database holds it, approved by Alice.
    const [stored] = (await t.tandem.pairs.list(10)) as Pair[];
    expect(stored).toMatchObject({ status: 'approved', enText: 'Consumer Price Index, October: prices rose 2.4%.' });
    // And on the drafter's desk, the change shows too.
    await drafter.getByTestId('pair').first().and(drafter.locator('[data-status="approved"]')).waitFor({ timeout: 10_000 });
    // Each desk's session token is in that computer's keychain, not in a file or the page.
    expect(await keytar.findCredentials(`${service}.dana`)).toHaveLength(1);
    expect(await drafter.evaluate('JSON.stringify(localStorage)')).not.toMatch(/[A-Za-z0-9_-]{43}/);
  });

  it('a desk restarted keeps its person signed in; signed out on the server, it signs out too', async () => {
    // A new main process on the same computer (same keychain entry) finds the session again.
    const restarted = new WorkspaceDesk({ url: server.url, tokens: keychainTokenStore(server.url, `${service}.dana`), log: createLogger(() => undefined) });
    const current = await restarted.dispatch({ client: 'window-1' }, 'session.current', null);
    expect(current).toMatchObject({ ok: true, value: { user: { username: 'dana' } } });
    // Dana signs out everywhere from the other desk's window: this one is told at once.
    const other = await restarted.dispatch({ client: 'window-1' }, 'session.signOutEverywhere', null);
    expect(other).toMatchObject({ ok: true });
    expect(await restarted.dispatch({ client: 'window-1' }, 'pairs.list', { limit: 1 })).toEqual({ ok: false, error: { code: 'auth.required' } });
    expect(await keytar.findCredentials(`${service}.dana`)).toHaveLength(0);
    restarted.close();
  });

  it('goes on offline when the server is gone: what Dana submits is kept on her desk; approving needs the workspace', async () => {
    const page = await openDesk('dana-again');
    await signIn(page, 'dana');
    await server.close();
    const desk = desks.at(-1)!.desk;
    await goTo(page, 'Compose');
    await page.getByLabel('English text').fill('Typed while the server was away.');
    await page.getByLabel('French text').fill('Saisi pendant l’absence du serveur.');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByRole('status').getByText('Submitted for review.').waitFor();
    // Kept on her desk, in her queue, to be sent when the workspace is back.
    // The queue answers from the desk's own copy, by the same rules as the workspace.
    await goTo(page, 'Queue');
    await page.getByTestId('pair').first().and(page.locator('[data-status="review"]')).waitFor();
    await page.getByTestId('pair').first().getByText('Typed while the server was away.').waitFor();
    expect(desk.reachable).toBe(false);
    const listed = await desk.dispatch({ client: 'any' }, 'pairs.list', { limit: 1 });
    const [kept] = (listed as { ok: true; value: Pair[] }).value;
    expect(kept).toMatchObject({ enText: 'Typed while the server was away.', status: 'review' });
    expect(await desk.dispatch({ client: 'any' }, 'pairs.approve', { id: kept!.id, version: kept!.version, comment: 'ok' })).toEqual({
      ok: false,
      error: { code: 'workspace.offline' },
    });
  });
});
