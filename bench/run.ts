// Tandem benchmark: `npm run bench` (SQLite, the desk) or `npm run bench -- --engine postgres`
// (a team's PostgreSQL: a private cluster started for the run on 127.0.0.1, one database per
// measured app, stopped at the end).
//   1. EN/FR arrival skew and lateness vs scheduled time for 1,000 pairs published through the
//      real services (createTandem + XAdapter) to the loopback fake X API, 10 due every 100 ms;
//      then the burst: 1,000 pairs due in the same instant.
//   2. The scheduler's next-due query and the queue's first page over 100,000 pairs.
//   3. Cold start of the main services on an empty and on the 100,000-pair database (SQLite only).
//   4. Live limits in the composer, adding an image, and pairs with images to four platforms
//      (bench/platforms.ts).
// Prints a table per part, then one JSON line with every number. Timings are printed, never
// asserted. Everything talks to 127.0.0.1 only; temp files and the cluster are removed at the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTandem, type Tandem } from '../src/main/app';
import { openDatabase, schemaVersion } from '../src/main/db';
import { migratePostgres } from '../src/main/db/postgres';
import { PostgresSql, SqliteSql, withJsonList, type Engine, type Param, type Sql, type Text } from '../src/main/db/sql';
import { XAdapter } from '../src/main/platforms/x';
import { createLogger, type Logger } from '../src/main/log';
import { defaultPublisherOptions, type PublisherOptions } from '../src/main/publisher/publisher';
import type { Channel, Pair, User } from '../src/shared/domain';
import { FakeX, credentialsOf, fakeAccount, fakeApp } from '../test/fakes/x-api';
import { RemoteFakeX } from './remote-fake-x';
import { engineArg, startEngine, type BenchEngine } from './engines';
import { MemorySecretStore } from './memory-secrets';
import { seedPairs, type Seeded } from './seed';
import { benchPlatforms, type PlatformsResult, type Store } from './platforms';
import { median, round, roundSummary, summarize, table, type Summary, progress, runBench } from './stats';
import { deliverySql } from '../src/main/db/deliveries';
import { pairDetailsSql } from '../src/main/db/pairDetails';
import { contract } from '../src/shared/contract';
import inspector from 'node:inspector';

/** The one client the benchmark calls from (one window, as on a desk). */
const benchCaller = { client: 'bench' };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Starts the V8 CPU profiler in this process; the returned function stops it and gives the profile. */
async function startProfile(): Promise<() => Promise<object>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    session.disconnect();
    return profile;
  };
}

// ---- configuration ------------------------------------------------------------------------
const publish = {
  pairs: 1_000,
  /** The paced run: this many pairs due every tick (BENCH_PAIRS_PER_TICK, default 10). */
  pairsPerTick: Number(process.env['BENCH_PAIRS_PER_TICK'] ?? 10),
  tickMs: 100,
  /** The window starts at least this long after the last pairs.schedule call returns. */
  minLeadMs: 3_000,
  /** Give up waiting this long after the window's last scheduled time. */
  timeoutAfterWindowMs: 60_000,
  pollMs: 100,
};
// The publisher's own default unless BENCH_CONCURRENCY says otherwise.
const publisherOverrides: Partial<PublisherOptions> = process.env['BENCH_CONCURRENCY']
  ? { concurrency: Number(process.env['BENCH_CONCURRENCY']) }
  : {};
const effectiveConcurrency = publisherOverrides.concurrency ?? defaultPublisherOptions.concurrency;
const big = {
  pairs: 100_000,
  /** Among the most recently created `recentPool` pairs, every `every`-th is scheduled ahead. */
  recentPool: 3_000,
  every: 3,
  createdEveryMs: 10 * 60_000,
  /** Pairs written per multi-row INSERT while seeding (each with its link, approval and two deliveries). */
  seedBatch: 500,
  /** Four account pairs, five people, twenty topics (bench/seed.ts): what the queue's filters choose among. */
  spread: true,
  warmup: 20,
  runs: 200,
};
const coldRuns = 5;

// ---- engines --------------------------------------------------------------------------------

/** `--engine sqlite` (default) or `--engine postgres` (also `--engine=postgres`). */
/** The data layer on a store, migrated, without the services (to seed it). */
async function openSql(store: Store): Promise<Sql> {
  if (!store.postgres) return new SqliteSql(openDatabase(store.dbFile));
  const sql = new PostgresSql(store.postgres);
  await migratePostgres(sql.pool);
  return sql;
}

const engineVersion = async (sql: Sql) =>
  `${sql.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${await sql.value<string>({ sqlite: 'SELECT sqlite_version()', postgres: 'SHOW server_version' })}`;

// ---- helpers --------------------------------------------------------------------------------

function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger((line) => lines.push(line)), lines };
}

function levelCounts(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const level = (JSON.parse(line) as { level?: string }).level ?? 'unknown';
    counts[level] = (counts[level] ?? 0) + 1;
  }
  return counts;
}

async function call<T>(tandem: Tandem, method: string, input?: unknown): Promise<T> {
  const result = await tandem.dispatch(benchCaller, method, input);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${JSON.stringify(result.error.params ?? {})}`);
  return result.value as T;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** The fake stamps arrivals with this clock; the app schedules with Date.now(). */
const perfNow = () => performance.timeOrigin + performance.now();

async function timeRuns(fn: () => Promise<unknown>, warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const textOf = (text: Text, engine: Engine) => (typeof text === 'string' ? text : text[engine]);
const normalize = (sql: string) => sql.replace(/\s+/g, ' ').trim();
function sourceContains(file: string, sql: string): boolean {
  return normalize(fs.readFileSync(path.join(root, file), 'utf8')).includes(normalize(sql));
}

/** SQLite: EXPLAIN QUERY PLAN, indented as a tree. PostgreSQL: EXPLAIN with the same parameters (a custom plan for them). */
async function queryPlan(tandem: Tandem, text: Text, params: readonly Param[]): Promise<string[]> {
  if (tandem.db) {
    const rows = tandem.db.prepare(`EXPLAIN QUERY PLAN ${textOf(text, 'sqlite')}`).all(...params) as { id: number; parent: number; detail: string }[];
    const depth = new Map<number, number>();
    return rows.map((row) => {
      const d = (depth.get(row.parent) ?? -1) + 1;
      depth.set(row.id, d);
      return `${'  '.repeat(d)}${row.detail}`;
    });
  }
  const rows = await tandem.sql.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${textOf(text, 'postgres')}`, params);
  return rows.map((row) => row['QUERY PLAN']);
}

const fileSizeMb = (file: string) =>
  ['', '-wal', '-shm'].reduce((sum, ext) => sum + (fs.existsSync(file + ext) ? fs.statSync(file + ext).size : 0), 0) / 2 ** 20;

// ---- part 1: skew and lateness --------------------------------------------------------------
interface PublishResult {
  config: Record<string, unknown>;
  setup: { totalMs: number; workflowMs: number; scheduleMs: number; leadMs: number; gapAfterSetupMs: number };
  published: number;
  statuses: Record<string, number>;
  pairsMatchedAtFake: number;
  postsAtFake: number;
  nonSuccessResponses: number;
  windowMs: number;
  drainMs: number;
  skewMs: Summary;
  latenessMs: Summary;
  lastSideLatenessMs: Summary;
  appRecordedSkewMs: Summary;
  latenessP50ByPositionInTick: number[];
  clockOffsetMs: { start: number; end: number };
  log: Record<string, number>;
  timedOut: boolean;
  /** The burst only: the same posts through the X adapter alone (xAdapterFloor). */
  adapterFloorMs?: number;
}

/** `pairsPerTick` pairs due every tick; `publish.pairs` of them makes every pair due in the same instant (the burst). */
async function benchPublishing(store: Store, pairsPerTick: number, label: string): Promise<PublishResult> {
  const fake = new RemoteFakeX();
  await fake.start();
  try {
    return await publishThrough(store, fake, pairsPerTick, label);
  } finally {
    await fake.stop();
  }
}

async function publishThrough(store: Store, fake: RemoteFakeX, pairsPerTick: number, label: string): Promise<PublishResult> {
  const app = fakeApp();
  // The accounts are made here (fakeAccount registers them with a fake) and sent to the remote one.
  const registry = new FakeX();
  const en = fakeAccount(registry, 'Bench_eng', app);
  const fr = fakeAccount(registry, 'Bench_fra', app);
  await fake.addAccount(en);
  await fake.addAccount(fr);
  const { log, lines } = capturingLogger();
  const clockOffsetStart = Date.now() - perfNow();

  const setupStart = performance.now();
  const tandem = createTandem({
    ...store,
    secrets: new MemorySecretStore(),
    adapters: [new XAdapter({ apiBase: fake.url })],
    log,
    publisher: publisherOverrides,
  });
  try {
    const admin = await call<User>(tandem, 'users.bootstrap', {
      username: 'admin',
      displayName: 'Admin',
      passphrase: 'bench correct horse battery',
    });
    for (const role of ['drafter', 'approver', 'publisher'] as const) {
      await call(tandem, 'roles.grant', { userId: admin.id, role, channelId: null, expiresAt: null });
    }
    const channel = await call<Channel>(tandem, 'accounts.addPair', {
      platform: 'x',
      name: 'Bench Department',
      en: { handle: en.username, displayName: 'Bench Department', credentials: credentialsOf(en) },
      fr: { handle: fr.username, displayName: 'Ministère du banc', credentials: credentialsOf(fr) },
    });
    await call(tandem, 'accounts.setSelfApproval', { channelId: channel.id, allowed: true });

    // Drafts through approval first, so that scheduling (and the window) starts after them.
    progress(`${label}: creating and approving ${publish.pairs} pairs through the API…`);
    const workflowStart = performance.now();
    const approved: Pair[] = [];
    const byText = new Map<string, { index: number; lang: 'en' | 'fr' }>();
    for (let i = 0; i < publish.pairs; i++) {
      const enText = `Bench ${i}: the department announces scheduled service update number ${i}. Details on our website.`;
      const frText = `Banc ${i} : le ministère annonce la mise à jour de service prévue numéro ${i}. Détails sur notre site.`;
      byText.set(enText, { index: i, lang: 'en' });
      byText.set(frText, { index: i, lang: 'fr' });
      let pair = await call<Pair>(tandem, 'pairs.create', { channelIds: [channel.id], enText, frText, authorTz: 'America/Toronto' });
      pair = await call<Pair>(tandem, 'pairs.submitForReview', { id: pair.id, version: pair.version });
      pair = await call<Pair>(tandem, 'pairs.approve', { id: pair.id, version: pair.version, comment: 'Benchmark approval' });
      approved.push(pair);
    }
    const workflowMs = performance.now() - workflowStart;

    // One schedule call costs about as much as one workflow call; leave twice that, plus the lead.
    const leadMs = publish.minLeadMs + Math.ceil((2 * workflowMs) / 3);
    const windowStart = Date.now() + leadMs;
    progress(`${label}: scheduling ${publish.pairs} pairs, window starts in ${leadMs} ms…`);
    const scheduleStart = performance.now();
    const scheduledAt: number[] = [];
    for (const [i, pair] of approved.entries()) {
      const at = windowStart + Math.floor(i / pairsPerTick) * publish.tickMs;
      const scheduled = await call<Pair>(tandem, 'pairs.schedule', {
        id: pair.id,
        version: pair.version,
        when: 'at',
        scheduledAt: new Date(at).toISOString(),
      });
      scheduledAt.push(Date.parse(scheduled.scheduledAt!));
    }
    const scheduleMs = performance.now() - scheduleStart;
    const setupEnd = Date.now();
    const setupTotalMs = performance.now() - setupStart;
    const windowEnd = Math.max(...scheduledAt);
    progress(`${label}: setup done ${windowStart - setupEnd} ms before the window; waiting for publication…`);

    // BENCH_PROFILE=file.cpuprofile: a CPU profile of the publishing window, for finding where a burst's time goes.
    // With two runs (paced, burst), each gets its own file: x.cpuprofile → x-part-1.cpuprofile, x-part-1b-burst.cpuprofile.
    const slug = label.replace(/\W+/g, '-').replace(/^-|-$/g, '');
    const profileFile = process.env['BENCH_PROFILE']?.replace(/(\.cpuprofile)?$/, `-${slug}$1`) ?? null;
    const profile = profileFile ? await startProfile() : null;
    // Wait until every pair is published, or nothing is left to send, or the timeout.
    const deadline = windowEnd + publish.timeoutAfterWindowMs;
    const countPublished = () => tandem.sql.value<number>("SELECT COUNT(*) FROM post_pair WHERE status = 'published'");
    const countOpen = () => tandem.sql.value<number>("SELECT COUNT(*) FROM delivery WHERE status IN ('pending', 'retrying', 'checking', 'sending')");
    let timedOut = false;
    for (;;) {
      const published = (await countPublished()) ?? 0;
      if (published >= publish.pairs || (await countOpen()) === 0) break;
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      await sleep(publish.pollMs);
    }
    const doneAt = Date.now();
    if (profile) fs.writeFileSync(profileFile!, JSON.stringify(await profile()));

    const statuses = Object.fromEntries(
      (await tandem.sql.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM post_pair GROUP BY status ORDER BY status')).map(
        (r) => [r.status, r.n],
      ),
    );

    // Arrivals at the fake, matched back to pairs by their unique texts.
    const arrivals = approved.map(() => ({ en: Number.NaN, fr: Number.NaN }));
    const expectedUser = { en: en.username, fr: fr.username };
    const received = await fake.received();
    for (const post of received.posts) {
      const match = byText.get(post.text);
      if (!match || post.username !== expectedUser[match.lang]) continue;
      arrivals[match.index]![match.lang] = post.receivedAt;
    }
    const skews: number[] = [];
    const lateness: number[] = [];
    const lastSide: number[] = [];
    // Only for a paced run: in a burst every pair is at a position of its own.
    const positions = pairsPerTick <= 20 ? pairsPerTick : 0;
    const byPosition: number[][] = Array.from({ length: positions }, () => []);
    arrivals.forEach((a, i) => {
      if (Number.isNaN(a.en) || Number.isNaN(a.fr)) return;
      skews.push(Math.abs(a.en - a.fr));
      const late = Math.min(a.en, a.fr) - scheduledAt[i]!;
      lateness.push(late);
      lastSide.push(Math.max(a.en, a.fr) - scheduledAt[i]!);
      if (positions > 0) byPosition[i % positions]!.push(late);
    });

    // The same skew as the app records it (sent_at is taken when each response came back).
    const sent = await tandem.sql.all<{ pair_id: string; skew: number }>(
      "SELECT pair_id, MAX(sent_at) - MIN(sent_at) AS skew FROM delivery WHERE status = 'sent' GROUP BY pair_id HAVING COUNT(*) = 2",
    );

    const clockOffsetEnd = Date.now() - perfNow();
    return {
      config: {
        pairs: publish.pairs,
        pairsPerTick,
        tickMs: publish.tickMs,
        minLeadMs: publish.minLeadMs,
        publisherOverrides,
        effectivePublisher: {
          ...defaultPublisherOptions,
          ...publisherOverrides,
          graceMs: 'settings.graceMinutes × 60,000 (default 15 min)',
        },
        xAdapter: { apiBase: fake.url, timeoutMs: 'default (30,000)' },
        fakeX: 'in a process of its own (bench/fake-x-process.ts), as X is not on the publisher\'s event loop',
        secrets: 'in-memory (bench/memory-secrets.ts)',
      },
      setup: {
        totalMs: round(setupTotalMs),
        workflowMs: round(workflowMs),
        scheduleMs: round(scheduleMs),
        leadMs,
        gapAfterSetupMs: windowStart - setupEnd,
      },
      published: statuses['published'] ?? 0,
      statuses,
      pairsMatchedAtFake: skews.length,
      postsAtFake: received.posts.length,
      nonSuccessResponses: received.statuses.filter((status) => status >= 300).length,
      windowMs: windowEnd - windowStart,
      drainMs: doneAt - windowEnd,
      skewMs: roundSummary(summarize(skews)),
      latenessMs: roundSummary(summarize(lateness)),
      lastSideLatenessMs: roundSummary(summarize(lastSide)),
      appRecordedSkewMs: roundSummary(summarize(sent.map((r) => r.skew))),
      latenessP50ByPositionInTick: byPosition.map((values) => round(summarize(values).p50)),
      clockOffsetMs: { start: round(clockOffsetStart), end: round(clockOffsetEnd) },
      log: levelCounts(lines),
      timedOut,
    };
  } finally {
    await tandem.close();
  }
}

/**
 * What the burst cannot go below: the same number of posts through the X adapter alone (the
 * twitter-api-v2 client, OAuth 1.0a signing, HTTP), as many at a time as the publisher sends, to
 * the same fake in its own process; no database, no publisher. The time until the last answer.
 */
async function xAdapterFloor(posts: number, inFlight: number): Promise<number> {
  const fake = new RemoteFakeX();
  await fake.start();
  try {
    const account = fakeAccount(new FakeX(), 'Floor_eng');
    await fake.addAccount(account);
    const adapter = new XAdapter({ apiBase: fake.url });
    const credentials = credentialsOf(account);
    const send = (i: number) =>
      adapter.publish({ text: `Floor ${i}: the department announces scheduled service update number ${i}.`, lang: 'en', handle: account.username, credentials, media: [], key: `floor-${i}` });
    // Warm-up: the connections and the code paths, as the publisher's are by its setup.
    await Promise.all(Array.from({ length: inFlight }, (_, i) => send(-1 - i)));
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < posts) await send(next++);
      }),
    );
    return performance.now() - start;
  } finally {
    await fake.stop();
  }
}

// ---- part 2: 100,000 pairs ------------------------------------------------------------------
interface QueryResult {
  seeded: Seeded;
  nextDueAtMs: Summary;
  nextDueAtValueOk: boolean;
  list50Ms: Summary;
  list100Ms: Summary;
  recoverQueryMs: Summary;
  /** pairs.query (issue 13, item 2): a page of 50 with its counts per status, as the whole view. */
  queueMs: Record<string, Summary>;
  /** SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN. */
  plans: Record<string, { sql: string; inSource: boolean; plan: string[] }>;
}

// The queries behind the numbers, explained (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
// PostgreSQL). Those the services keep named in db/ modules are taken from there, so they are the
// ones that run; the rest are checked against their source file.
const owner = 'bench';
const queries: Record<string, { file?: string; text: Text; params: Param[] }> = {
  nextDue: { text: deliverySql.nextFree, params: [Date.now(), owner] },
  nextLeaseEnd: { text: deliverySql.nextLeaseEnd, params: [Date.now()] },
  dueNow: { text: deliverySql.duePairs, params: [Date.now(), Date.now(), owner, 500] },
  recoverInterrupted: { text: deliverySql.allSendingPairs, params: [] },
  queuePage: {
    file: 'src/main/db/pairs.ts',
    text: 'SELECT * FROM post_pair ORDER BY created_at DESC, id LIMIT ?',
    params: [100],
  },
  pageDeliveries: { text: withJsonList(pairDetailsSql.deliveries), params: [JSON.stringify(['x', 'y'])] },
  pageMedia: { text: withJsonList(pairDetailsSql.media), params: [JSON.stringify(['x', 'y'])] },
};

/**
 * The queue's questions (pairs.query, issue 13 item 2), each answered as the services answer the
 * screen: a page of 50 full pairs with their details, the next page's cursor and the counts per
 * status of everything matching. As an administrator (every account pair visible) unless the
 * name says "scoped": a person who sees three of the four account pairs.
 */
async function benchQueue(tandem: Tandem, seeded: Seeded): Promise<Record<string, Summary>> {
  const day = 86_400_000;
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const scoped = new Set(Object.entries(seeded.channels).filter(([platform]) => platform !== 'linkedin').map(([, id]) => id));
  const ask = (input: Record<string, unknown>, visible: ReadonlySet<string> | null = null) =>
    tandem.pairs.query(contract['pairs.query'].input.parse(input), visible);
  const second = (await ask({})).next ?? undefined;
  const questions: Record<string, [Record<string, unknown>, ReadonlySet<string> | null]> = {
    'pairs.query: newest': [{}, null],
    'pairs.query: page 2 (cursor)': [{ after: second }, null],
    'pairs.query: status scheduled': [{ status: ['scheduled'] }, null],
    'pairs.query: by schedule, from now': [{ sort: 'scheduled', from: iso(now) }, null],
    'pairs.query: search FR, 1 match': [{ search: '12345 : nos' }, null],
    'pairs.query: search a topic (5,000)': [{ search: 'mises en chantier' }, null],
    'pairs.query: search a word in all': [{ search: 'bureaux' }, null],
    'pairs.query: search 2 characters': [{ search: 't3' }, null],
    'pairs.query: search 2 characters, in most': [{ search: 'ur' }, null],
    'pairs.query: platform (Bluesky)': [{ platform: 'bluesky' }, null],
    'pairs.query: person': [{ person: 'amelie' }, null],
    'pairs.query: last 30 days': [{ from: iso(now - 30 * day), to: iso(now) }, null],
    'pairs.query: account pair + search': [{ channelId: seeded.channelId, search: 'passeports' }, null],
    'pairs.query: platform+status+dates': [{ platform: 'mastodon', status: ['published'], from: iso(now - 90 * day), to: iso(now) }, null],
    'pairs.query: scoped, newest': [{}, scoped],
    'pairs.query: scoped, search topic': [{ search: 'passeports' }, scoped],
  };
  const queueMs: Record<string, Summary> = {};
  for (const [name, [input, visible]] of Object.entries(questions)) {
    queueMs[name] = roundSummary(summarize(await timeRuns(() => ask(input, visible), 2, Math.min(big.runs, 20))));
  }
  return queueMs;
}

async function benchQueries(tandem: Tandem, seeded: Seeded): Promise<QueryResult> {
  const engine = tandem.sql.engine;
  const nextDue = await tandem.publisher.nextDueAt();
  const nextDueAtMs = roundSummary(summarize(await timeRuns(() => tandem.publisher.nextDueAt(), big.warmup, big.runs)));
  const list50Ms = roundSummary(summarize(await timeRuns(() => tandem.pairs.list(50), big.warmup, big.runs)));
  const list100Ms = roundSummary(summarize(await timeRuns(() => tandem.pairs.list(100), big.warmup, big.runs)));
  const recoverQueryMs = roundSummary(summarize(await timeRuns(() => tandem.sql.all(deliverySql.allSendingPairs), 3, 20)));
  const queueMs = await benchQueue(tandem, seeded);
  const plans: QueryResult['plans'] = {};
  for (const [name, q] of Object.entries(queries)) {
    const text = textOf(q.text, engine);
    plans[name] = {
      sql: normalize(text),
      inSource: q.file === undefined || sourceContains(q.file, text),
      plan: await queryPlan(tandem, q.text, q.params),
    };
  }
  return { seeded, nextDueAtMs, nextDueAtValueOk: nextDue === seeded.earliestDue, list50Ms, list100Ms, recoverQueryMs, queueMs, plans };
}

// ---- part 3: cold start (SQLite) ------------------------------------------------------------
interface ColdRun {
  createMs: number;
  accountsListMs: number;
  pairsListMs: number;
  totalMs: number;
}

async function coldStart(dbFile: string, apiBase: string): Promise<ColdRun> {
  const { log } = capturingLogger();
  const t0 = performance.now();
  const tandem = createTandem({ dbFile, secrets: new MemorySecretStore(), adapters: [new XAdapter({ apiBase })], log });
  const t1 = performance.now();
  await tandem.accounts.list();
  const t2 = performance.now();
  await tandem.pairs.list(100);
  const t3 = performance.now();
  await tandem.close();
  return { createMs: t1 - t0, accountsListMs: t2 - t1, pairsListMs: t3 - t2, totalMs: t3 - t0 };
}

/** openDatabase alone (open, pragmas, migrate or version check), to split createTandem's time. */
function openOnly(dbFile: string): number {
  const t0 = performance.now();
  const db = openDatabase(dbFile);
  const ms = performance.now() - t0;
  db.close();
  return ms;
}

function coldSummary(runs: ColdRun[], openMs: number[]) {
  return {
    runs: runs.length,
    medianOpenDatabaseOnlyMs: round(median(openMs)),
    medianTotalMs: round(median(runs.map((r) => r.totalMs))),
    medianCreateMs: round(median(runs.map((r) => r.createMs))),
    medianAccountsListMs: round(median(runs.map((r) => r.accountsListMs))),
    medianPairsListMs: round(median(runs.map((r) => r.pairsListMs))),
    totalsMs: runs.map((r) => round(r.totalMs)),
  };
}

type ColdResult = { emptyDb: ReturnType<typeof coldSummary>; bigDb: ReturnType<typeof coldSummary> } | { skipped: string };

const coldSkipped =
  'skipped on PostgreSQL: cold start measures opening the desk\'s SQLite file (open, pragmas, migrations) ' +
  'and its first reads; a team\'s server connects once and keeps its pool';

// ---- main -----------------------------------------------------------------------------------
async function main(): Promise<void> {
  const engineName = engineArg(process.argv.slice(2));
  const benchStart = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
  const fake = new FakeX();
  await fake.start();
  let engine: BenchEngine | null = null;
  const opened: Tandem[] = [];
  try {
    engine = await startEngine(engineName, dir);

    // BENCH_ONLY=burst: the 1,000-pair burst alone, printed as one line (for working on it).
    if (process.env['BENCH_ONLY'] === 'burst') {
      const only = await benchPublishing(await engine.store('burst'), publish.pairs, 'burst');
      const floor = await xAdapterFloor(2 * publish.pairs, 2 * effectiveConcurrency);
      console.log(
        `${engine.name} burst: last post out ${only.lastSideLatenessMs.max.toFixed(0)} ms after the due time ` +
          `(first side p50 ${only.latenessMs.p50.toFixed(0)} ms), EN/FR skew p50 ${only.skewMs.p50.toFixed(1)} ms, ` +
          `p99 ${only.skewMs.p99.toFixed(1)} ms; ${only.published}/${publish.pairs} published; ` +
          `the X adapter alone: ${2 * publish.pairs} posts in ${floor.toFixed(0)} ms`,
      );
      return;
    }

    // BENCH_ONLY=queue: the 100,000 pairs and the queue's questions alone, one line each.
    if (process.env['BENCH_ONLY'] === 'queue') {
      const store = await engine.store('big');
      const seedSql = await openSql(store);
      let seeded: Seeded;
      try {
        seeded = await seedPairs(seedSql, big);
        if (seedSql.engine === 'postgres') await seedSql.run('VACUUM ANALYZE');
      } finally {
        await seedSql.close();
      }
      const { log } = capturingLogger();
      const only = createTandem({ ...store, secrets: new MemorySecretStore(), adapters: [new XAdapter({ apiBase: fake.url })], log });
      opened.push(only);
      await only.ready;
      console.log(`${await engineVersion(only.sql)}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      for (const [name, ms] of Object.entries(await benchQueue(only, seeded))) console.log(`${name}: median ${ms.p50} ms, p99 ${ms.p99} ms`);
      console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      return;
    }

    // Part 1: paced, then the burst (unless the paced run already was one).
    const part1 = await benchPublishing(await engine.store('publish'), publish.pairsPerTick, 'part 1');
    const burst =
      publish.pairsPerTick >= publish.pairs ? part1 : await benchPublishing(await engine.store('burst'), publish.pairs, 'part 1b (burst)');
    progress(`part 1c: the X adapter alone, ${2 * publish.pairs} posts…`);
    burst.adapterFloorMs = round(await xAdapterFloor(2 * publish.pairs, 2 * effectiveConcurrency));

    // Part 2
    progress(`part 2: inserting ${big.pairs} pairs and ${2 * big.pairs} deliveries in one transaction…`);
    const bigStore = await engine.store('big');
    const seedSql = await openSql(bigStore);
    let seeded: Seeded;
    try {
      seeded = await seedPairs(seedSql, big);
      if (seedSql.engine === 'postgres') {
        // What autovacuum would do shortly after such a load: statistics for the planner, and the
        // visibility map that lets counts read an index alone (autovacuum vacuums after many
        // inserts too, since PostgreSQL 13).
        await seedSql.run('VACUUM ANALYZE');
        seeded.fileMb = round(((await seedSql.value<number>('SELECT pg_database_size(current_database())')) ?? 0) / 2 ** 20, 1);
      }
    } finally {
      await seedSql.close();
    }
    if (engine.name === 'sqlite') seeded.fileMb = round(fileSizeMb(bigStore.dbFile), 1);
    progress(`part 2: timing queries (${big.warmup} warm-up + ${big.runs} runs each)…`);
    const { log } = capturingLogger();
    const bigTandem = createTandem({ ...bigStore, secrets: new MemorySecretStore(), adapters: [new XAdapter({ apiBase: fake.url })], log });
    opened.push(bigTandem);
    await bigTandem.ready;
    const version = await engineVersion(bigTandem.sql);
    const part2 = await benchQueries(bigTandem, seeded);
    await bigTandem.close();
    opened.splice(opened.indexOf(bigTandem), 1);

    // Part 3
    let part3: ColdResult;
    if (engine.name === 'sqlite') {
      progress(`part 3: cold starts (${coldRuns} each)…`);
      const emptyRuns: ColdRun[] = [];
      for (let i = 0; i < coldRuns; i++) emptyRuns.push(await coldStart(path.join(dir, `empty-${i}.db`), fake.url));
      const bigRuns: ColdRun[] = [];
      for (let i = 0; i < coldRuns; i++) bigRuns.push(await coldStart(bigStore.dbFile, fake.url));
      const emptyOpen: number[] = [];
      for (let i = 0; i < coldRuns; i++) emptyOpen.push(openOnly(path.join(dir, `empty-open-${i}.db`)));
      const bigOpen: number[] = [];
      for (let i = 0; i < coldRuns; i++) bigOpen.push(openOnly(bigStore.dbFile));
      part3 = { emptyDb: coldSummary(emptyRuns, emptyOpen), bigDb: coldSummary(bigRuns, bigOpen) };
    } else {
      progress(`part 3: ${coldSkipped}`);
      part3 = { skipped: coldSkipped };
    }

    // Part 4
    const part4 = await benchPlatforms(await engine.store('platforms'), progress);

    report({ engine: engine.name, version, where: engine.where }, part1, burst, part2, part3, part4, performance.now() - benchStart);
  } finally {
    for (const t of opened) await t.close().catch(() => undefined);
    await fake.stop();
    try {
      await engine?.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

function report(
  db: { engine: Engine; version: string; where: string },
  p1: PublishResult,
  burst: PublishResult,
  p2: QueryResult,
  p3: ColdResult,
  p4: PlatformsResult,
  totalMs: number,
): void {
  const out: string[] = [];
  out.push(
    '',
    `Tandem benchmark [${db.engine}] — ${db.version} (${db.where}); node ${process.version}, ${os.cpus().length} CPUs, ` +
      `${os.platform()} ${os.arch()}, schema v${schemaVersion}`,
  );

  const row = (name: string, s: Summary): (string | number)[] => [name, String(s.n), s.p50, s.p99, s.max, s.mean];
  const publishing = (p: PublishResult, pairsPerTick: number) => {
    out.push(
      `config: ${p.config['pairs']} pairs, ${pairsPerTick} per ${publish.tickMs} ms tick (window ${p.windowMs} ms), ` +
        `publisher ${JSON.stringify(publisherOverrides)} over defaults, in-memory secrets`,
    );
    out.push(
      `setup: ${p.setup.totalMs.toFixed(0)} ms (workflow ${p.setup.workflowMs.toFixed(0)} ms for ${3 * publish.pairs} calls, ` +
        `schedule ${p.setup.scheduleMs.toFixed(0)} ms); window began ${p.setup.gapAfterSetupMs} ms after setup ended`,
    );
    out.push(
      `published: ${p.published}/${publish.pairs} (statuses ${JSON.stringify(p.statuses)}), posts at fake ${p.postsAtFake}, ` +
        `pairs with both sides ${p.pairsMatchedAtFake}, non-2xx ${p.nonSuccessResponses}, ` +
        `last pair done ${p.drainMs} ms after last scheduled time${p.timedOut ? ' — TIMED OUT' : ''}`,
    );
    out.push('');
    out.push(
      table(
        ['metric (ms)', 'n', 'p50', 'p99', 'max', 'mean'],
        [
          row('skew |EN−FR| at fake', p.skewMs),
          row('lateness (first side)', p.latenessMs),
          row('lateness (last side)', p.lastSideLatenessMs),
          row('skew as app recorded', p.appRecordedSkewMs),
        ],
      ),
    );
    if (p.latenessP50ByPositionInTick.length > 0) {
      out.push(`lateness p50 by position within a tick (0..${pairsPerTick - 1}): ${p.latenessP50ByPositionInTick.join(', ')}`);
    }
    out.push(
      `clock check: Date.now() − (timeOrigin + performance.now()) = ${p.clockOffsetMs.start} ms at start, ${p.clockOffsetMs.end} ms at end; ` +
        `app log lines ${JSON.stringify(p.log)}`,
    );
  };

  out.push('', `== 1. EN/FR publishing on loopback [${db.engine}] (real createTandem + XAdapter → FakeX) ==`);
  publishing(p1, publish.pairsPerTick);
  out.push('', `== 1b. Burst [${db.engine}]: ${publish.pairs.toLocaleString('en')} pairs due in the same instant ==`);
  if (burst === p1) out.push('(the run above: BENCH_PAIRS_PER_TICK puts every pair in one tick)');
  else publishing(burst, publish.pairs);
  out.push(
    `burst: last post out ${burst.lastSideLatenessMs.max.toFixed(0)} ms after the due time ` +
      `(first side lateness p50 ${burst.latenessMs.p50.toFixed(0)} ms), EN/FR skew p50 ${burst.skewMs.p50.toFixed(1)} ms, ` +
      `p99 ${burst.skewMs.p99.toFixed(1)} ms; ${burst.published}/${publish.pairs} published`,
  );
  if (burst.adapterFloorMs !== undefined) {
    out.push(
      `floor: the X adapter alone (twitter-api-v2, no database, no publisher) sends the same ${2 * publish.pairs} posts, ` +
        `${2 * effectiveConcurrency} at a time, to the same fake in ${burst.adapterFloorMs.toFixed(0)} ms`,
    );
  }

  out.push('', `== 2. Queries over ${big.pairs.toLocaleString('en')} pairs [${db.engine}] (${big.warmup} warm-up, ${big.runs} runs) ==`);
  out.push(
    `seeded: ${p2.seeded.published} published (2 'sent' deliveries each), ${p2.seeded.scheduled} scheduled ahead ('pending'), ` +
      `on 4 account pairs (X, Bluesky, Mastodon, LinkedIn; 1 in 5 on two), by 5 people, on 20 topics, + pair_channel, pair_author and one approval per pair; insert ${p2.seeded.insertMs.toFixed(0)} ms in one transaction ` +
      `(${big.seedBatch} pairs per multi-row INSERT); ` +
      (db.engine === 'sqlite' ? `file ${p2.seeded.fileMb} MB` : `database ${p2.seeded.fileMb} MB (pg_database_size, after VACUUM ANALYZE)`),
  );
  out.push('');
  const qrow = (name: string, s: Summary): (string | number)[] => [name, String(s.n), s.p50, s.p99, s.max];
  out.push(
    table(
      ['query (ms)', 'runs', 'median', 'p99', 'max'],
      [
        qrow('publisher.nextDueAt()', p2.nextDueAtMs),
        qrow('pairs.list(50)', p2.list50Ms),
        qrow('pairs.list(100)  [UI]', p2.list100Ms),
        qrow('startup recover query', p2.recoverQueryMs),
        ...Object.entries(p2.queueMs).map(([name, ms]) => qrow(name, ms)),
      ],
    ),
  );
  out.push(`nextDueAt() returned the earliest scheduled time: ${p2.nextDueAtValueOk ? 'yes' : 'NO'}`);
  const explain = db.engine === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN';
  for (const [name, plan] of Object.entries(p2.plans)) {
    out.push(`${explain} ${name}${plan.inSource ? '' : ' (WARNING: SQL no longer found in source)'}:`);
    out.push(`  ${plan.sql}`);
    for (const line of plan.plan) out.push(`    ${line}`);
  }

  out.push('', `== 3. Cold start: createTandem + accounts.list() + pairs.list(100) [${db.engine}] (median of ${coldRuns}) ==`);
  if ('skipped' in p3) {
    out.push(p3.skipped);
  } else {
    const crow = (name: string, c: ReturnType<typeof coldSummary>): (string | number)[] => [
      name,
      c.medianTotalMs,
      c.medianCreateMs,
      c.medianAccountsListMs,
      c.medianPairsListMs,
      c.medianOpenDatabaseOnlyMs,
      c.totalsMs.map((t) => t.toFixed(1)).join(' '),
    ];
    out.push(
      table(
        ['database', 'total', 'createTandem', 'accounts', 'pairs', 'openDatabase alone*', 'all runs (total)'],
        [crow('new, empty (migrates)', p3.emptyDb), crow(`${big.pairs.toLocaleString('en')} pairs`, p3.bigDb)],
      ),
    );
    out.push('* separate runs of openDatabase() only (open + pragmas + migrations / version check), to split createTandem\'s time');
  }
  out.push('', `== 4. Platforms, images and live limits [${db.engine}] ==`);
  const srow = (name: string, s: Summary): (string | number)[] => [name, String(s.n), s.p50, s.p99, s.max];
  out.push(
    table(
      ['what (ms)', 'n', 'median', 'p99', 'max'],
      [
        srow('live limits: 5 platforms × EN/FR, text + 3 images', p4.liveLimitsMs),
        srow(`media.upload, ${p4.uploadMb} MB PNG`, p4.uploadMs),
        ...Object.entries(p4.sendMs).map(([platform, s]) => srow(`${platform}: due → sent, 2 × 1 MB images`, s)),
        ...Object.entries(p4.skewMs).map(([platform, s]) => srow(`${platform}: |EN − FR| sent`, s)),
      ],
    ),
  );
  out.push('', `bench [${db.engine}] total ${(totalMs / 1000).toFixed(1)} s`);
  process.stdout.write(out.join('\n') + '\n');

  const json = {
    bench: 'tandem',
    engine: db.engine,
    engineVersion: db.version,
    node: process.version,
    cpus: os.cpus().length,
    publishing: p1,
    burst: burst === p1 ? 'publishing' : burst,
    queries: { ...p2, config: big },
    coldStart: { runs: coldRuns, ...p3 },
    platforms: p4,
    totalMs: round(totalMs),
  };
  process.stdout.write(JSON.stringify(json) + '\n');
}

runBench(main);
