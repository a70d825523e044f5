// `npm run bench:renderer`: the renderer's speed in Chromium (issue 13, item 8), with the built
// renderer (`electron-vite build` first) served by the web harness over a real SQLite app on
// loopback, as the end-to-end tests run it.
//
// (a) First screen: for each of N loads (each in a fresh browser context: nothing cached), the time
//     from the page's navigation start (performance.timeOrigin) to the frame painted after the
//     signed-in "Waiting for me" heading is in the page, and to the frame painted after its lists
//     (the heading with its count) are in. Also the JavaScript the first screen loaded (decoded
//     bytes of every script resource fetched until then).
// (b) Typing in the composer with five account pairs selected, one per platform (five previews):
//     per keystroke, from the keydown event's timestamp (beforeinput's for a character typed as
//     text, é or ’) to just after the next frame is painted
//     (requestAnimationFrame, then a message posted from it runs once that frame is done), at a
//     fast typist's pace (a key every 50 ms after the previous key's frame).
// (c) The Queue at 100,000 pairs (bench/seed.ts): each filter chosen on a fresh page, from the
//     change's event to the frame painted with the new count and list (BENCH_QUEUE pages each).
//
// Timings are printed, never asserted. Other processes share this machine: say so with the numbers.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { BlueskyAdapter } from '../src/main/platforms/bluesky';
import { MastodonAdapter } from '../src/main/platforms/mastodon';
import { FacebookAdapter } from '../src/main/platforms/facebook';
import { LinkedInAdapter } from '../src/main/platforms/linkedin';
import type { Identity } from '../src/main/platforms/types';
import type { BlueskyCredentials, FacebookCredentials, LinkedInCredentials, MastodonCredentials } from '../src/shared/credentials';
import type { Pair } from '../src/shared/domain';
import { startHarness, type Harness } from '../test/harness/server';
import type { ClientId } from '../src/main/services/context';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { createTandem } from '../src/main/app';
import { createLogger } from '../src/main/log';
import { SealedSecretStore } from '../src/main/secrets/sealed';
import { WorkspaceDesk } from '../src/main/remote/workspace';
import { startServer } from '../src/server/server';
import { startEngine } from './engines';
import { launchBrowser } from '../test/e2e/browser';
import { memoryTokens, passphraseOf, startTestApp } from '../test/support';
import { summarize } from './stats';
import { seedPairs } from './seed';

const loads = Number(process.env['BENCH_LOADS'] ?? 15);
const keystrokes = Number(process.env['BENCH_KEYS'] ?? 300);
/** Fresh pages per Queue filter in (c); 0 skips the 100,000 pairs. */
const queueSamples = Number(process.env['BENCH_QUEUE'] ?? 10);
/** BENCH_WORKSPACE=1: (d), the same Queue on a team workspace (tandem-server on PostgreSQL, a desk joined to it); `only`: (d) without (c). */
/** The Queue's 100,000 pairs (bench/seed.ts), the same on the desk (c) and on the workspace (d). */
const queuePairs = { pairs: 100_000, recentPool: 3_000, every: 3, createdEveryMs: 10 * 60_000, seedBatch: 500, spread: true };
const onWorkspace = process.env['BENCH_WORKSPACE'] === '1' || process.env['BENCH_WORKSPACE'] === 'only';

// Only the previews are measured: account pairs are added without asking any platform.
class QuietBluesky extends BlueskyAdapter {
  override async verify(c: BlueskyCredentials): Promise<Identity> {
    return { remoteUserId: `did:plc:${c.identifier.replace(/\W/g, '')}`, handle: c.identifier };
  }
}
class QuietMastodon extends MastodonAdapter {
  override async verify(c: MastodonCredentials): Promise<Identity> {
    return { remoteUserId: c.accessToken, handle: c.accessToken.includes('french') ? 'statcanfr@social.example.ca' : 'statcan@social.example.ca' };
  }
}
class QuietFacebook extends FacebookAdapter {
  override async verify(c: FacebookCredentials): Promise<Identity> {
    return { remoteUserId: c.pageId, handle: `StatCan${c.pageId}` };
  }
}
class QuietLinkedIn extends LinkedInAdapter {
  override async verify(c: LinkedInCredentials): Promise<Identity> {
    return { remoteUserId: c.organizationId, handle: `statcan-${c.organizationId}` };
  }
}

const t = await startTestApp({}, { moreAdapters: [new QuietBluesky(), new QuietMastodon(), new QuietFacebook(), new QuietLinkedIn()] });
const channel = await t.addChannel('StatCan on X');
const side = (handle: string, credentials: Record<string, string>) => ({ handle, displayName: 'Statistics Canada', credentials });
await t.call('accounts.addPair', {
  platform: 'bluesky',
  name: 'StatCan on Bluesky',
  en: side('statcan.bsky.social', { platform: 'bluesky', service: 'https://bsky.social', identifier: 'statcan.bsky.social', appPassword: 'abcd-efgh-ijkl-mnop' }),
  fr: side('statcan-fr.bsky.social', { platform: 'bluesky', service: 'https://bsky.social', identifier: 'statcan-fr.bsky.social', appPassword: 'abcd-efgh-ijkl-mnoq' }),
});
await t.call('accounts.addPair', {
  platform: 'mastodon',
  name: 'StatCan on Mastodon',
  en: side('statcan@social.example.ca', { platform: 'mastodon', instance: 'https://social.example.ca', accessToken: 'token-english-0001' }),
  fr: side('statcanfr@social.example.ca', { platform: 'mastodon', instance: 'https://social.example.ca', accessToken: 'token-french-00002' }),
});
await t.call('accounts.addPair', {
  platform: 'facebook',
  name: 'StatCan on Facebook',
  en: side('StatCan1001', { platform: 'facebook', pageId: '1001', pageAccessToken: 'page-token-english' }),
  fr: side('StatCan1002', { platform: 'facebook', pageId: '1002', pageAccessToken: 'page-token-french' }),
});
await t.call('accounts.addPair', {
  platform: 'linkedin',
  name: 'StatCan on LinkedIn',
  en: side('statcan-2001', { platform: 'linkedin', organizationId: '2001', accessToken: 'org-token-english' }),
  fr: side('statcan-2002', { platform: 'linkedin', organizationId: '2002', accessToken: 'org-token-french' }),
});

// Something waits: 40 pairs in review, 20 approved (the admin holds every workflow role here).
for (let i = 0; i < 60; i++) {
  let pair = await t.call<Pair>('pairs.create', {
    channelIds: [channel],
    enText: `Daily release ${i}: Labour Force Survey, November.`,
    frText: `Diffusion ${i} : Enquête sur la population active, novembre.`,
    authorTz: 'America/Toronto',
  });
  pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
  if (i < 20) await t.call('pairs.approve', { id: pair.id, version: pair.version, comment: 'Checked.' });
}

const harness = await startHarness(t.tandem, path.resolve('out/renderer'));
const { browser, close } = await launchBrowser();

/** Records, in the page, when the Waiting for me heading (and then its count) is first drawn. */
const firstScreenProbe = `
  window.__drawn = {};
  const afterPaint = (key) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { window.__drawn[key] = performance.now(); };
    channel.port2.postMessage(null);
  });
  new MutationObserver(() => {
    const h = document.querySelector('main h1');
    const text = h ? h.textContent : '';
    if (!window.__drawn.headingSeen && text.startsWith('Waiting for me')) { window.__drawn.headingSeen = true; afterPaint('heading'); }
    if (!window.__drawn.countSeen && /^Waiting for me \\(\\d+\\)$/.test(text)) { window.__drawn.countSeen = true; afterPaint('lists'); }
  }).observe(document, { childList: true, subtree: true, characterData: true });
`;

/**
 * Waits until an expression is true in the page. Checked in the page itself (every 10 ms), not
 * asked over the DevTools protocol: each question would run on the page's main thread and in this
 * process, which also runs the services being timed; and seldom, since each check is a task on
 * the main thread that a keystroke's work may wait behind. (The page's CSP forbids the evaluated
 * predicates of waitForFunction; this expression is compiled with the evaluated script instead.)
 */
async function until(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  await page.evaluate(`new Promise((resolve, reject) => {
    const end = performance.now() + ${timeoutMs};
    const check = () => {
      if (${expression}) resolve(true);
      else if (performance.now() > end) reject(new Error('Timed out waiting for ' + ${JSON.stringify(JSON.stringify(expression))}));
      else setTimeout(check, 10);
    };
    check();
  })`);
}

/** What `Profiler.stop` answers (the parts read here). */
type Profile = { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[]; samples?: number[]; timeDeltas?: number[] } };

/** A CPU profile's self time per function (ms), added to `into` (several profiles make one figure). */
function self({ profile }: Profile, into = new Map<string, number>()): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  (profile.samples ?? []).forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber}:${frame.columnNumber}`;
    into.set(key, (into.get(key) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
  });
  return into;
}

/** A trace's main-thread time (ms) per timeline event, added to `into` (nested events count in each). */
function mainThreadWork(trace: Buffer, into: Map<string, number>): void {
  type Event = { name: string; ph: string; dur?: number; pid: number; tid: number; args?: { name?: string } };
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: Event[] }).traceEvents;
  const main = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`);
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined || !main.includes(`${e.pid}:${e.tid}`)) continue;
    into.set(e.name, (into.get(e.name) ?? 0) + e.dur / 1000);
  }
}

function printTop(times: Map<string, number>, divisor = 1): void {
  const top = [...times].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 30);
  console.log(top.map(([k, ms]) => `  ${(ms / divisor).toFixed(1).padStart(7)} ms  ${k}`).join('\n'));
}

/** A fresh browser context on a harness, signed in as `client` (the desk's harness and its admin by default). */
async function newPage(on: { harness: Harness; client: ClientId } = { harness, client: t.caller.client }): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto' });
  await context.addCookies([on.harness.cookieFor(on.client)]);
  await context.addInitScript(firstScreenProbe);
  return context.newPage();
}

/**
 * Each Queue filter chosen on a fresh page (nothing cached: the window keeps each answer), on the
 * Queue's first screen, and timed from the change's event to the frame painted after the count of
 * matching pairs and the list are in. A typed filter is asked once typing pauses (300 ms): that
 * pause is taken off its figure. Printed, one line per filter.
 */
async function timeQueue(on: { harness: Harness; client: ClientId }): Promise<void> {
  const filters: { name: string; pause: number; apply: (page: Page) => Promise<void> }[] = [
    { name: 'platform (Bluesky, 30,000 pairs)', pause: 0, apply: (page) => page.getByLabel('Platform').selectOption({ label: 'Bluesky' }).then(() => undefined) },
    { name: 'status: Scheduled', pause: 0, apply: (page) => page.getByRole('checkbox', { name: /^Scheduled/ }).check() },
    { name: 'person (typed, 20,000 pairs)', pause: 300, apply: (page) => page.getByLabel('Person', { exact: true }).fill('amelie') },
    { name: 'search, a topic (typed)', pause: 300, apply: (page) => page.getByLabel('Search English and French text').fill('mises en chantier') },
    { name: 'search, 2 characters (typed)', pause: 300, apply: (page) => page.getByLabel('Search English and French text').fill('t3') },
  ];
  for (const filter of filters) {
    const times: number[] = [];
    // BENCH_QUEUE_PROFILE=1: where each filter's time goes in the page (self time per change).
    const profiled = process.env['BENCH_QUEUE_PROFILE'] ? new Map<string, number>() : null;
    // BENCH_QUEUE_TIMELINE=1: the page's main thread per kind of work (script, style, layout, paint…), per change.
    const timeline = process.env['BENCH_QUEUE_TIMELINE'] ? new Map<string, number>() : null;
    for (let i = 0; i < queueSamples + 1; i++) {
      const page = await newPage(on);
      await page.goto(on.harness.url);
      await page.getByRole('navigation').getByRole('button', { name: 'Queue' }).click();
      await page.getByTestId('queue-count').getByText(/^[\d,]+ pairs?$/).waitFor();
      await page.evaluate(`
        window.__queueDone = null;
        window.__queueStart = null;
        for (const type of ['change', 'input']) document.addEventListener(type, (event) => { window.__queueStart ??= event.timeStamp; }, { capture: true });
        const count = document.querySelector('[data-testid="queue-count"]');
        const before = count.textContent;
        new MutationObserver(() => {
          const text = count.textContent;
          if (window.__queueStart === null || window.__queueDone !== null || text === before || !/^[\\d,]+ pairs?$/.test(text)) return;
          window.__queueDone = 0;
          requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => { window.__queueDone = performance.now() - window.__queueStart; };
            channel.port2.postMessage(null);
          });
        }).observe(count, { childList: true, subtree: true, characterData: true });
      `);
      const cdp = profiled ? await page.context().newCDPSession(page) : null;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        await cdp.send('Profiler.start');
      }
      if (timeline) await browser.startTracing(page, { categories: ['devtools.timeline'] });
      await filter.apply(page);
      await until(page, 'window.__queueDone !== null && window.__queueDone > 0');
      if (cdp && profiled && i > 0) self(await cdp.send('Profiler.stop'), profiled);
      if (timeline) {
        const trace = await browser.stopTracing();
        if (i > 0) mainThreadWork(trace, timeline);
      }
      // The first page warms the services' statements for this question: left out.
      if (i > 0) times.push(((await page.evaluate('window.__queueDone')) as number) - filter.pause);
      if (process.env['BENCH_QUEUE_TRACE']) {
        console.log(JSON.stringify(await page.evaluate("[window.__queueStart, performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/call')).slice(-3).map((e) => [Math.round(e.startTime), Math.round(e.responseStart), Math.round(e.responseEnd), e.transferSize])]")));
      }
      await page.context().close();
    }
    const q = summarize(times);
    console.log(`  ${filter.name}: median ${q.p50.toFixed(0)} ms, max ${q.max.toFixed(0)} ms`);
    if (profiled) printTop(profiled, queueSamples);
    if (timeline) printTop(timeline, queueSamples);
  }
}

try {
  // ---------------------------------------------------------------- (a) first screen
  const heading: number[] = [];
  const lists: number[] = [];
  let scriptBytes = 0;
  let scripts: string[] = [];
  for (let i = 0; i < loads + 1; i++) {
    const page = await newPage();
    await page.goto(harness.url);
    await until(page, 'window.__drawn.heading !== undefined && window.__drawn.lists !== undefined');
    const drawn = (await page.evaluate('window.__drawn')) as { heading: number; lists: number };
    const resources = (await page.evaluate(
      "performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js')).map((e) => ({ name: e.name, size: e.decodedBodySize, end: e.responseEnd }))",
    )) as { name: string; size: number; end: number }[];
    if (process.env['BENCH_TRACE'] && i === loads) {
      const timeline = (await page.evaluate(
        "[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.responseEnd)])",
      )) as [string, number, number][];
      console.log('Last load, resources (name, start, end in ms):', JSON.stringify(timeline), 'drawn', JSON.stringify(drawn));
    }
    // The first load warms the services (their first queries), not the browser: left out.
    if (i > 0) {
      heading.push(drawn.heading);
      lists.push(drawn.lists);
      const loaded = resources.filter((r) => r.end <= drawn.lists);
      scriptBytes = loaded.reduce((sum, r) => sum + r.size, 0);
      scripts = loaded.map((r) => `${new URL(r.name).pathname.split('/').pop()} ${(r.size / 1024).toFixed(1)} kB`);
    }
    await page.context().close();
  }
  const h = summarize(heading);
  const l = summarize(lists);
  console.log(`First screen, ${loads} loads (each in a fresh context, nothing cached), navigation start → frame painted:`);
  console.log(`  Waiting for me heading drawn: median ${h.p50.toFixed(0)} ms (min ${h.min.toFixed(0)}, max ${h.max.toFixed(0)})`);
  console.log(`  its lists and counts drawn:   median ${l.p50.toFixed(0)} ms (min ${l.min.toFixed(0)}, max ${l.max.toFixed(0)})`);
  console.log(`  JavaScript loaded for it: ${(scriptBytes / 1024).toFixed(1)} kB decoded (${scripts.join(', ')})`);

  // ---------------------------------------------------------------- (b) typing in the composer
  const page = await newPage();
  await page.goto(harness.url);
  await page.getByRole('heading', { name: /^Waiting for me/ }).waitFor();
  await page.getByRole('navigation').getByRole('button', { name: 'Compose' }).click();
  for (const name of ['X', 'Bluesky', 'Mastodon', 'Facebook', 'LinkedIn']) {
    await page.getByRole('checkbox', { name: new RegExp(`^StatCan on ${name} — `) }).check();
  }
  await page.getByTestId('preview-linkedin-en').waitFor();
  // Started at the key's keydown; a character typed without one (é, ’: inserted as text) starts
  // at its beforeinput. One measurement per character that reaches the text.
  await page.evaluate(`
    window.__latencies = [];
    window.__work = [];
    let keydownAt = null;
    document.addEventListener('keydown', (event) => { keydownAt = event.timeStamp; }, { capture: true });
    document.addEventListener('beforeinput', (event) => {
      const start = keydownAt ?? event.timeStamp;
      keydownAt = null;
      // The main thread free again: the text, its counter and everything drawn at once are done.
      const idle = new MessageChannel();
      idle.port1.onmessage = () => window.__work.push(performance.now() - start);
      idle.port2.postMessage(null);
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => window.__latencies.push(performance.now() - start);
        channel.port2.postMessage(null);
      });
    }, { capture: true });
  `);
  const english = 'Labour Force Survey, November: employment rose by 25,000 #StatCan https://www150.statcan.gc.ca/n1/daily-quotidien/251205/dq251205a-eng.htm @StatCan_eng ';
  const french = 'Enquête sur la population active, novembre : l’emploi a augmenté de 25 000 #StatCan https://www150.statcan.gc.ca/n1/daily-quotidien/251205/dq251205a-fra.htm ';
  const texts = [
    { box: page.getByLabel('English text'), text: english.repeat(3) },
    { box: page.getByLabel('French text'), text: french.repeat(3) },
  ];
  // BENCH_PROFILE=1: where the page's time goes while typing (top functions by self time).
  const cdp = process.env['BENCH_PROFILE'] ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  let typed = 0;
  for (const { box, text } of texts) {
    await box.click();
    for (const char of text.slice(0, Math.ceil(keystrokes / 2))) {
      await page.keyboard.type(char);
      typed++;
      await until(page, `window.__latencies.length >= ${typed}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (cdp) printTop(self(await cdp.send('Profiler.stop')));
  const latencies = (await page.evaluate('window.__latencies')) as number[];
  const work = (await page.evaluate('window.__work')) as number[];
  const k = summarize(latencies);
  const w = summarize(work);
  console.log(`Typing in the composer, five platforms selected, ${k.n} keystrokes (EN then FR):`);
  console.log(`  keydown → next frame painted: p50 ${k.p50.toFixed(1)} ms, p99 ${k.p99.toFixed(1)} ms, max ${k.max.toFixed(1)} ms (frames come every 16.7 ms)`);
  console.log(`  keydown → main thread free again (the keystroke's own work): p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, max ${w.max.toFixed(1)} ms`);
  await page.context().close();

  // ---------------------------------------------------------------- (c) the Queue at 100,000 pairs
  // BENCH_WORKSPACE=only: (d) alone, without the desk's Queue (c).
  if (queueSamples > 0 && process.env['BENCH_WORKSPACE'] !== 'only') {
    console.log('Seeding 100,000 pairs for the Queue (bench/seed.ts, spread over four account pairs and five people)…');
    await seedPairs(t.tandem.sql, queuePairs);
    // Into the database file, as years of pairs would be: read from a 400 MB write-ahead log
    // instead, every page costs a look-up in the log's index first.
    await t.tandem.sql.all('PRAGMA wal_checkpoint(TRUNCATE)');
    console.log(`The Queue at 100,000 pairs, end to end in Chromium (${queueSamples} fresh pages each): the filter's event → the frame painted with the new count and list:`);
    await timeQueue({ harness, client: t.caller.client });
  }

  // ------------------------------------------- (d) the Queue at 100,000 pairs on a team workspace
  // tandem-server on PostgreSQL (a private cluster on 127.0.0.1) with the same 100,000 pairs; a
  // desk's main process joined to it (WorkspaceDesk: each question goes to the server over
  // loopback HTTP), its first sync done, and its window through the harness.
  if (onWorkspace && queueSamples > 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-workspace-'));
    const engine = await startEngine('postgres', dir);
    const quiet = createLogger(() => undefined);
    const key = randomBytes(32);
    const server = createTandem({ ...(await engine.store('workspace')), secrets: (sql) => new SealedSecretStore(sql, key), adapters: [], log: quiet });
    let desk: WorkspaceDesk | null = null;
    let deskHarness: Harness | null = null;
    try {
      await server.ready;
      const api = await startServer(server, { host: '127.0.0.1', port: 0, log: quiet });
      try {
        const bootstrap = await fetch(`${api.url}/api/bootstrap`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', displayName: 'Admin', passphrase: passphraseOf('admin') }),
        });
        if (!bootstrap.ok) throw new Error(`bootstrap: ${bootstrap.status}`);
        console.log('Seeding the same 100,000 pairs into the workspace (PostgreSQL)…');
        await seedPairs(server.sql, queuePairs);
        await server.sql.run('VACUUM ANALYZE');
        desk = new WorkspaceDesk({
          url: api.url,
          dataDir: path.join(dir, 'desk'),
          tokens: memoryTokens(),
          log: quiet,
        });
        const client: ClientId = 'bench-window';
        const signedIn = await desk.dispatch({ client }, 'session.signIn', { username: 'admin', passphrase: passphraseOf('admin') });
        if (!signedIn.ok) throw new Error(`sign-in: ${signedIn.error.code}`);
        // As the window does right after signing in: the desk learns whose copy it keeps (asked
        // later, a person it did not know would start the copy again, 100,000 pairs over).
        if (!(await desk.dispatch({ client }, 'session.current', null)).ok) throw new Error('session.current');
        console.log('The desk copies what its person may see (its first sync)…');
        await desk.sync();
        deskHarness = await startHarness(desk, path.resolve('out/renderer'));
        console.log(`The Queue at 100,000 pairs on a team workspace (the desk asks tandem-server on PostgreSQL), end to end in Chromium (${queueSamples} fresh pages each):`);
        await timeQueue({ harness: deskHarness, client });
      } finally {
        await deskHarness?.close();
        await desk?.shutdown();
        await api.close();
      }
    } finally {
      await server.close();
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await close();
  await harness.close();
  await t.cleanup();
}
