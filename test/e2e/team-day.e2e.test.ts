// One team workspace on a real PostgreSQL, three people on three desks, each in its own Chromium
// through the unchanged renderer. The drafter's laptop loses its network: she drafts anyway, and
// her pair reaches the workspace when the network is back. The translator completes the French,
// the approver approves and, as publisher, schedules it. The drafter's laptop is closed before the
// scheduled time, and the pair still goes out: it is the server that publishes.
//
// Each desk reaches the server through its own loopback relay, so one desk can go offline while
// the others stay connected (a laptop's network, not the server, goes away).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness/server';
import { engine, memoryTokens, passphraseOf, startTestApp, tempDir, waitFor, type TestApp } from '../support';
import { launchBrowser } from './browser';
import { goTo, torontoLocal } from './steps';
import { startServer, type TandemServer } from '../../src/server/server';
import { SealedSecretStore } from '../../src/main/secrets/sealed';
import { WorkspaceDesk } from '../../src/main/remote/workspace';
import { createLogger } from '../../src/main/log';
import type { Outbox } from '../../src/shared/contract';
import type { Pair } from '../../src/shared/domain';

/** A laptop's network: a relay to the server that can be cut (every connection dropped, new ones refused) and restored. */
class Network {
  private readonly sockets = new Set<net.Socket>();
  private up = true;
  private server: net.Server | null = null;
  url = '';

  constructor(private readonly target: number) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (!this.up) return client.destroy();
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

interface Desk {
  page: Page;
  desk: WorkspaceDesk;
  harness: Harness;
  network: Network;
  folder: string;
  closed: boolean;
}

let t: TestApp;
let server: TandemServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const desks: Desk[] = [];

beforeAll(async () => {
  const key = randomBytes(32);
  t = await startTestApp({ secrets: (sql) => new SealedSecretStore(sql, key) });
  const channelId = await t.addChannel('Statistics Canada', { allowSelfApproval: false });
  await t.addUser('dana', ['drafter'], { channelId });
  await t.addUser('tom', ['translator'], { channelId });
  await t.addUser('alice', ['approver', 'publisher'], { channelId });
  await t.call('session.signOut');
  server = await startServer(t.tandem, { host: '127.0.0.1', port: 0, log: createLogger(() => undefined) });
  ({ browser, close: closeBrowser } = await launchBrowser());
});

afterAll(async () => {
  await closeBrowser?.();
  for (const d of desks) await closeLaptop(d);
  await server?.close();
  await t?.cleanup();
});

/** A desk on its own laptop: its main process (with its offline copy) joined to the workspace, and its window. */
async function openDesk(username: string): Promise<Desk> {
  const network = new Network(Number(new URL(server.url).port));
  await network.start();
  const folder = tempDir(`tandem-${username}-`);
  const desk = new WorkspaceDesk({ url: network.url, tokens: memoryTokens(), dataDir: folder, retryMs: 200, timeoutMs: 5_000, log: createLogger(() => undefined) });
  const harness = await startHarness(desk, path.resolve('out/renderer'));
  const context = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto' });
  const page = await context.newPage();
  await page.goto(harness.url);
  await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Passphrase').fill(passphraseOf(username));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText(/^Signed in as /).waitFor();
  const opened = { page, desk, harness, network, folder, closed: false };
  desks.push(opened);
  return opened;
}

/** The lid closes: the window, the desk's main process and its network are gone. */
async function closeLaptop(d: Desk): Promise<void> {
  if (d.closed) return;
  d.closed = true;
  await d.page.context().close().catch(() => undefined);
  await d.harness.close();
  await d.desk.shutdown();
  await d.network.stop();
  fs.rmSync(d.folder, { recursive: true, force: true });
}

const english = 'Labour Force Survey, November: employment rose by 54,000.';
const french = 'Enquête sur la population active, novembre : l’emploi a augmenté de 54 000.';

describe(`a working day on one workspace (${engine})`, () => {
  it('drafted offline, translated, approved and scheduled on three desks; published by the server with the drafter’s laptop closed', async () => {
    const dana = await openDesk('dana');
    const tom = await openDesk('tom');
    const alice = await openDesk('alice');
    await goTo(tom.page, 'Queue');
    await goTo(alice.page, 'Queue');

    // Dana's laptop loses its network. She drafts anyway and sends the pair for translation.
    dana.network.cut();
    await goTo(dana.page, 'Compose');
    await dana.page.getByLabel('English text').fill(english);
    await dana.page.getByRole('button', { name: 'Send for translation' }).click();
    await dana.page.getByRole('status').getByText('Sent for translation.').waitFor();
    await goTo(dana.page, 'Queue');
    const danaPair = dana.page.getByTestId('pair').first();
    await danaPair.and(dana.page.locator('[data-status="translation"]')).waitFor();
    await dana.page.getByText(english).first().waitFor();
    expect(dana.desk.reachable).toBe(false);
    expect((await dana.desk.dispatch({ client: 'check' }, 'outbox.list', null)).ok).toBe(true);
    // Nothing of it is in the workspace yet.
    expect(await t.tandem.pairs.list(10)).toEqual([]);

    // Her network comes back: the pair reaches the workspace once, and Tom sees it arrive.
    dana.network.restore();
    await waitFor(async () => {
      const outbox = await dana.desk.dispatch({ client: 'check' }, 'outbox.list', null);
      return outbox.ok && (outbox.value as Outbox).entries.length === 0 && dana.desk.reachable;
    }, 15_000, 'Dana’s changes sent');
    const stored = (await t.tandem.pairs.list(10)) as Pair[];
    expect(stored.map((p) => [p.enText, p.status, p.createdBy])).toEqual([[english, 'translation', 'dana']]);

    // Tom translates on his desk and submits for review.
    const tomPair = tom.page.getByTestId('pair').first();
    await tomPair.and(tom.page.locator('[data-status="translation"]')).waitFor({ timeout: 15_000 });
    await tomPair.getByRole('button', { name: 'Translate' }).click();
    await tom.page.getByLabel('French text').fill(french);
    await tom.page.getByRole('button', { name: 'Save changes' }).click();
    await tomPair.getByText(french).waitFor();
    await tomPair.getByRole('button', { name: 'Submit for review' }).click();
    await tomPair.and(tom.page.locator('[data-status="review"]')).waitFor();

    // Alice approves, then schedules both languages for a few seconds from now.
    const alicePair = alice.page.getByTestId('pair').first();
    await alicePair.and(alice.page.locator('[data-status="review"]')).waitFor({ timeout: 15_000 });
    await alicePair.getByLabel(/^Comment/).fill('Matches the release.');
    await alicePair.getByRole('button', { name: 'Approve both languages' }).click();
    await alicePair.and(alice.page.locator('[data-status="approved"]')).waitFor();
    const due = new Date(Date.now() + 12_000);
    await alicePair.getByRole('radio', { name: 'At a set time' }).check();
    await alicePair.getByLabel(/^Publish at/).fill(torontoLocal(due));
    await alicePair.getByRole('button', { name: 'Schedule both' }).click();
    await alicePair.and(alice.page.locator('[data-status="scheduled"]')).waitFor();
    await danaPair.and(dana.page.locator('[data-status="scheduled"]')).waitFor({ timeout: 15_000 });

    // Dana closes her laptop before the time. The workspace publishes both languages, together.
    await closeLaptop(dana);
    expect(Date.now()).toBeLessThan(due.getTime());
    await waitFor(() => t.fake.posts.length >= 2, 30_000, 'both languages posted');
    expect(t.fake.posts.map((p) => p.text).sort()).toEqual([english, french].sort());
    expect(Math.min(...t.fake.posts.map((p) => p.receivedAt))).toBeGreaterThanOrEqual(due.getTime() - 1_000);
    // The posts are out; their results are recorded a moment later.
    const published = await waitFor(async () => ((await t.tandem.pairs.list(10)) as Pair[]).find((p) => p.status === 'published'), 15_000, 'recorded as published');
    expect(published).toMatchObject({ status: 'published', createdBy: 'dana', translatedBy: 'tom', approval: { by: 'alice' }, scheduledBy: 'alice' });
    // Alice's desk is told; the pair reads as published there.
    await alicePair.and(alice.page.locator('[data-status="published"]')).waitFor({ timeout: 15_000 });
  }, 120_000);
});
