// temporary diagnostic (deleted after use): where a PostgreSQL burst waits
import pg from 'pg';
import { createTandem, type Tandem } from '../src/main/app';
import { XAdapter } from '../src/main/platforms/x';
import { createLogger } from '../src/main/log';
import type { Channel, Pair, User } from '../src/shared/domain';
import { FakeX, credentialsOf, fakeAccount, fakeApp } from '../test/fakes/x-api';
import { startPostgres } from '../test/postgres';
import { MemorySecretStore } from './memory-secrets';
import { monitorEventLoopDelay, performance as perf } from 'node:perf_hooks';

const N = Number(process.env.N ?? 300);
async function call<T>(t: Tandem, m: string, i?: unknown): Promise<T> {
  const r = await t.dispatch({ client: 'bench' }, m, i);
  if (!r.ok) throw new Error(`${m} ${r.error.code}`);
  return r.value as T;
}
const cluster = await startPostgres();
const fake = new FakeX();
await fake.start();
try {
  const url = await cluster.createDatabase('diag');
  const tandem = createTandem({ dbFile: '/tmp/unused.db', postgres: { connectionString: url }, secrets: new MemorySecretStore(), adapters: [new XAdapter({ apiBase: fake.url })], log: createLogger(() => undefined), publisher: { concurrency: 8 } });
  const admin = await call<User>(tandem, 'users.bootstrap', { username: 'admin', displayName: 'A', passphrase: 'bench correct horse battery' });
  for (const role of ['drafter', 'approver', 'publisher']) await call(tandem, 'roles.grant', { userId: admin.id, role, channelId: null, expiresAt: null });
  const app = fakeApp();
  const en = fakeAccount(fake, 'D_eng', app), fr = fakeAccount(fake, 'D_fra', app);
  const ch = await call<Channel>(tandem, 'accounts.addPair', { platform: 'x', name: 'D', en: { handle: en.username, displayName: 'D', credentials: credentialsOf(en) }, fr: { handle: fr.username, displayName: 'D', credentials: credentialsOf(fr) } });
  await call(tandem, 'accounts.setSelfApproval', { channelId: ch.id, allowed: true });
  const pairs: Pair[] = [];
  const t0 = perf.now();
  for (let i = 0; i < N; i++) {
    let p = await call<Pair>(tandem, 'pairs.create', { channelIds: [ch.id], enText: `e ${i}`, frText: `f ${i}`, authorTz: 'UTC' });
    p = await call<Pair>(tandem, 'pairs.submitForReview', { id: p.id, version: p.version });
    p = await call<Pair>(tandem, 'pairs.approve', { id: p.id, version: p.version, comment: '' });
    pairs.push(p);
  }
  console.log(`workflow: ${((perf.now() - t0) / (3 * N)).toFixed(1)} ms per call`);
  const at = Date.now() + 3000 + N * 15;
  for (const p of pairs) await call(tandem, 'pairs.schedule', { id: p.id, version: p.version, when: 'at', scheduledAt: new Date(at).toISOString() });
  const mon = new pg.Client({ connectionString: url });
  await mon.connect();
  const waits = new Map<string, number>();
  while (Date.now() < at) await new Promise((r) => setTimeout(r, 20));
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const elu0 = perf.eventLoopUtilization();
  const start = Date.now();
  let samples = 0;
  for (;;) {
    const rows = (await mon.query(`SELECT state, wait_event_type, wait_event, left(query, 60) AS q FROM pg_stat_activity WHERE datname = 'diag' AND pid <> pg_backend_pid()`)).rows;
    samples++;
    for (const r of rows) {
      const k = `${r.state}|${r.wait_event_type ?? '-'}|${r.wait_event ?? '-'}${r.state === 'active' || r.wait_event_type === 'Lock' ? '|' + r.q.replace(/\s+/g, ' ') : ''}`;
      waits.set(k, (waits.get(k) ?? 0) + 1);
    }
    const done = Number((await mon.query(`SELECT COUNT(*) FROM post_pair WHERE status = 'published'`)).rows[0].count);
    if (done >= N || Date.now() - start > 120_000) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const elapsed = Date.now() - start;
  const elu = perf.eventLoopUtilization(elu0);
  console.log(`${N} pairs published in ${elapsed} ms (${(N / elapsed * 1000).toFixed(1)} pairs/s); node event loop utilization ${(elu.utilization * 100).toFixed(0)}%, loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`);
  console.log(`pg_stat_activity, ${samples} samples (connections × state|wait):`);
  for (const [k, n] of [...waits].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${(n / samples).toFixed(2)}  ${k}`);
  await mon.end();
  await tandem.close();
} finally {
  await fake.stop();
  await cluster.stop();
}
