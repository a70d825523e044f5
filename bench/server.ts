// tandem-server with many desks connected (issue 12, item 8): 50 people each signed in with their
// own token and listening on their own event stream; one of them makes a change (a new pair) and
// the others see it — told by their stream, then the pair read back with pairs.list, as a desk's
// window does. Then a desk's first sync: a person who may see 10,000 pairs signs in on a new desk
// (the desk's own main-process code, WorkspaceDesk, with its offline copy on disk), and the copy is
// complete. Run: npm run bench:server [-- --engine postgres]. Prints tables and one JSON line.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTandem } from '../src/main/app';
import { createLogger } from '../src/main/log';
import { SealedSecretStore } from '../src/main/secrets/sealed';
import { XAdapter } from '../src/main/platforms/x';
import { startServer } from '../src/server/server';
import { readEventStream } from '../src/main/remote/eventStream';
import { WorkspaceDesk } from '../src/main/remote/workspace';
import Database from 'better-sqlite3';
import type { Channel, Pair } from '../src/shared/domain';
import { FakeX, credentialsOf, fakeAccount, fakeApp } from '../test/fakes/x-api';
import { engineArg, startEngine } from './engines';
import { progress, round, roundSummary, summarize, table } from './stats';
import { seedPairs } from './seed';
import { memoryTokens } from '../test/support';

const desks = Number(process.env['BENCH_DESKS'] ?? 50);
const changes = Number(process.env['BENCH_CHANGES'] ?? 100);
/** Pairs the person of a new desk may see, and how many new desks sync them. */
const syncPairs = Number(process.env['BENCH_SYNC_PAIRS'] ?? 10_000);
const syncRuns = Number(process.env['BENCH_SYNC_RUNS'] ?? 5);
const passphrase = (name: string) => `${name} correct horse battery`;

interface Desk {
  name: string;
  token: string;
  /** When each pair id was first heard of on this desk's stream (performance.now()). */
  heard: Map<string, number>;
  waiting: Map<string, () => void>;
  close: () => void;
}

async function post(base: string, route: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { ok: boolean; value?: unknown; error?: { code: string } };
  if (!answer.ok) throw new Error(`${route}: ${answer.error?.code}`);
  return answer.value;
}

/** Opens a desk's event stream; resolves once it is connected. */
function connect(base: string, name: string, token: string): Promise<Desk> {
  return new Promise((resolve, reject) => {
    const desk: Desk = { name, token, heard: new Map(), waiting: new Map(), close: () => undefined };
    const req = http.get(`${base}/api/events`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      readEventStream(res, {
        comment: (text) => text === 'connected' && resolve(desk),
        message: (event, payload) => {
          if (event !== 'pairs.changed') return;
          const at = performance.now();
          for (const id of (payload as { pairIds?: string[] }).pairIds ?? []) {
            if (desk.heard.has(id)) continue;
            desk.heard.set(id, at);
            desk.waiting.get(id)?.();
          }
        },
      });
    });
    req.on('error', reject);
    desk.close = () => req.destroy();
  });
}

async function main(): Promise<void> {
  const engine = await startEngine(engineArg(process.argv.slice(2)), fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-server-')));
  const fake = new FakeX();
  await fake.start();
  const store = await engine.store('server');
  const key = randomBytes(32);
  const tandem = createTandem({
    ...store,
    secrets: (sql) => new SealedSecretStore(sql, key),
    adapters: [new XAdapter({ apiBase: fake.url })],
    log: createLogger(() => undefined),
  });
  await tandem.ready;
  const server = await startServer(tandem, { host: '127.0.0.1', port: 0, log: createLogger(() => undefined), signInsPerMinute: 10_000 });
  const base = server.url;
  const open: Desk[] = [];
  try {
    progress(`${engine.name}: first administrator, an account pair, ${desks} people…`);
    const admin = (await post(base, '/api/bootstrap', { username: 'admin', displayName: 'Admin', passphrase: passphrase('admin') })) as { token: string };
    const app = fakeApp();
    const [en, fr] = [fakeAccount(fake, 'Bench_eng', app), fakeAccount(fake, 'Bench_fra', app)];
    const channel = (await post(
      base,
      '/api/call/accounts.addPair',
      {
        platform: 'x',
        name: 'Bench',
        en: { handle: en.username, displayName: 'EN', credentials: credentialsOf(en) },
        fr: { handle: fr.username, displayName: 'FR', credentials: credentialsOf(fr) },
      },
      admin.token,
    )) as Channel;
    for (let i = 0; i < desks; i++) {
      const user = (await post(base, '/api/call/users.create', { username: `desk${i}`, displayName: `Desk ${i}`, passphrase: passphrase(`desk${i}`) }, admin.token)) as {
        id: string;
      };
      await post(base, '/api/call/roles.grant', { userId: user.id, role: 'drafter', channelId: channel.id, expiresAt: null }, admin.token);
    }
    progress(`${engine.name}: ${desks} desks sign in and connect their event streams…`);
    for (let i = 0; i < desks; i++) {
      const { token } = (await post(base, '/api/session', { username: `desk${i}`, passphrase: passphrase(`desk${i}`) })) as { token: string };
      open.push(await connect(base, `desk${i}`, token));
    }

    progress(`${engine.name}: ${changes} changes, each made on one desk and seen on the ${desks - 1} others…`);
    const callMs: number[] = [];
    const toldMs: number[] = [];
    const seenMs: number[] = [];
    for (let c = 0; c < changes; c++) {
      const maker = open[c % desks]!;
      const others = open.filter((d) => d !== maker);
      const start = performance.now();
      const pair = (await post(
        base,
        '/api/call/pairs.create',
        { channelIds: [channel.id], enText: `Change ${c} from ${maker.name}`, frText: `Changement ${c} de ${maker.name}`, authorTz: 'America/Toronto' },
        maker.token,
      )) as Pair;
      callMs.push(performance.now() - start);
      // Each other desk: told by its stream, then reads the queue's first page, as its window does.
      await Promise.all(
        others.map(async (desk) => {
          if (!desk.heard.has(pair.id)) await new Promise<void>((resolve) => desk.waiting.set(pair.id, resolve));
          desk.waiting.delete(pair.id);
          toldMs.push(desk.heard.get(pair.id)! - start);
          const page = (await post(base, '/api/call/pairs.list', { limit: 50 }, desk.token)) as Pair[];
          if (!page.some((p) => p.id === pair.id)) throw new Error(`${desk.name} did not find pair ${pair.id}`);
          seenMs.push(performance.now() - start);
        }),
      );
    }
    for (const desk of open.splice(0)) desk.close();

    progress(`${engine.name}: ${syncPairs} pairs on an account pair of their own, and a person who may see them…`);
    const seeded = await seedPairs(tandem.sql, { pairs: syncPairs, recentPool: Math.min(300, syncPairs), every: 3, createdEveryMs: 10 * 60_000, seedBatch: 500 });
    const reader = (await post(base, '/api/call/users.create', { username: 'reader', displayName: 'Reader', passphrase: passphrase('reader') }, admin.token)) as { id: string };
    await post(base, '/api/call/roles.grant', { userId: reader.id, role: 'translator', channelId: seeded.channelId, expiresAt: null }, admin.token);
    const firstMs: number[] = [];
    const againMs: number[] = [];
    let copyMb = 0;
    for (let run = 0; run < syncRuns; run++) {
      progress(`${engine.name}: a new desk's first sync, ${run + 1} of ${syncRuns}…`);
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-desk-'));
      const desk = new WorkspaceDesk({
        url: base,
        dataDir: folder,
        tokens: memoryTokens(),
        log: createLogger(() => undefined),
      });
      try {
        const start = performance.now();
        const signedIn = await desk.dispatch({ client: 'bench' }, 'session.signIn', { username: 'reader', passphrase: passphrase('reader') });
        if (!signedIn.ok) throw new Error(`sign-in: ${signedIn.error.code}`);
        await desk.sync();
        firstMs.push(performance.now() - start);
        const again = performance.now();
        await desk.sync();
        againMs.push(performance.now() - again);
      } finally {
        await desk.shutdown();
      }
      const copy = new Database(path.join(folder, 'copy.db'), { readonly: true });
      const kept = copy.prepare('SELECT count(*) FROM pair').pluck().get() as number;
      copy.close();
      if (kept !== syncPairs) throw new Error(`the copy holds ${kept} pairs, not ${syncPairs}`);
      copyMb = fs.readdirSync(folder).reduce((sum, f) => sum + fs.statSync(path.join(folder, f)).size, 0) / 1024 / 1024;
      fs.rmSync(folder, { recursive: true, force: true });
    }

    const results = {
      engine: engine.name,
      desks,
      changes,
      createCallMs: roundSummary(summarize(callMs)),
      toldMs: roundSummary(summarize(toldMs)),
      seenMs: roundSummary(summarize(seenMs)),
      firstSync: { pairs: syncPairs, runs: syncRuns, ms: roundSummary(summarize(firstMs)), nothingNewMs: roundSummary(summarize(againMs)), copyMb: round(copyMb) },
    };
    const row = (name: string, s: ReturnType<typeof roundSummary>) => [name, String(s.n), s.p50, s.p99, s.max];
    console.log(`\ntandem-server [${engine.name}] — ${desks} desks connected, ${changes} changes; node ${process.version}, ${os.cpus().length} CPUs`);
    console.log(
      table(
        ['what (ms, from the maker\u2019s call)', 'n', 'p50', 'p99', 'max'],
        [
          row('pairs.create answered (maker)', results.createCallMs),
          row('event told (each other desk)', results.toldMs),
          row('event + pairs.list read back (seen)', results.seenMs),
        ],
      ),
    );
    console.log(`\nA new desk's first sync [${engine.name}] — a person who may see ${syncPairs.toLocaleString('en-CA')} pairs; copy on disk ${results.firstSync.copyMb} MB`);
    console.log(
      table(
        ['what (ms)', 'n', 'p50', 'p99', 'max'],
        [row('sign-in to a complete copy', results.firstSync.ms), row('the next sync, nothing new', results.firstSync.nothingNewMs)],
      ),
    );
    console.log(JSON.stringify({ bench: 'tandem-server', ...results }));
  } finally {
    for (const desk of open) desk.close();
    await server.close();
    await tandem.close();
    await fake.stop();
    await engine.stop();
  }
}

await main();
