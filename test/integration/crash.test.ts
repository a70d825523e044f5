// Exactly once across crashes: a publishing process is killed with SIGKILL at random moments,
// over and over, while it sends pairs to the loopback fake X. Every post must arrive exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pair } from '../../src/shared/domain';
import { startTestApp, type TestApp } from '../support';
import { engine, openDirect } from '../engine';
import { startWorker } from '../crash/common';

const pairsCount = 120;
const kills = 25;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  const channelId = await t.addChannel();
  const ids: string[] = [];
  for (let i = 0; i < pairsCount; i++) {
    const pair: Pair = await t.publish(channelId, `Crash ${i} EN`, `Panne ${i} FR`, new Date(Date.now() + 3_600_000));
    ids.push(pair.id);
  }
  await t.tandem.close();
  // Due now (within the grace period) for the worker processes, not for this one.
  const db = openDirect(t);
  await db.run('UPDATE delivery SET next_attempt_at = ?', [Date.now()]);
  await db.run("UPDATE post_pair SET scheduled_at = ? WHERE status = 'scheduled'", [Date.now()]);
  await db.close();
  // Answers take a little while, so kills land before, during and after requests.
  t.fake.responseDelayMs = 15;
  // Let a duplicate through, so one would be counted rather than refused by X.
  t.fake.refuseDuplicates = false;
}, 60_000);

afterAll(async () => {
  await t.cleanup();
});

describe('kill -9 while publishing', () => {
  it(`${kills} random SIGKILLs: 0 duplicate and 0 lost posts`, async () => {
    let killed = 0;
    let killedMidSend = 0;
    for (let trial = 0; trial < kills; trial++) {
      const worker = startWorker(t);
      await Promise.race([worker.ready, worker.exited]);
      // Kill after a random time or after a random number of posts land, whichever comes first:
      // the number bounds each run's progress, so every kill finds work in flight however fast
      // the machine is (a fixed time alone let fast machines finish before the last kills).
      // A worker on PostgreSQL takes a few hundred ms longer from ready to its first send (each
      // statement is a round trip), so its window is wider, or every kill would land before it.
      const wait = Math.floor(Math.random() * (engine === 'postgres' ? 700 : 120));
      const postsBeforeKill = Math.floor(Math.random() * 3);
      const start = t.fake.posts.length;
      // Every other run is killed only after its first post has landed (then within 120 ms or a
      // few posts), so on either engine kills fall mid-send and not only while it starts up.
      const afterFirstPost = trial % 2 === 1;
      const finished = await Promise.race([
        worker.exited.then(() => true),
        new Promise<false>((resolve) => {
          const arm = (ms: number) => setTimeout(() => resolve(false), ms);
          if (!afterFirstPost) arm(wait);
          t.fake.onPost = () => {
            const landed = t.fake.posts.length - start;
            if (afterFirstPost && landed === 1) arm(Math.floor(Math.random() * 120));
            if (landed > postsBeforeKill + (afterFirstPost ? 1 : 0)) resolve(false);
          };
        }),
      ]);
      t.fake.onPost = undefined;
      if (finished) break;
      const before = t.fake.posts.length;
      worker.child.kill('SIGKILL');
      await worker.exited;
      killed++;
      // A request still in flight when the process died may land just after.
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (t.fake.posts.length > before) killedMidSend++;
    }
    // Then one last run to completion.
    const postsBeforeLastRun = t.fake.posts.length;
    const last = startWorker(t);
    expect(await last.exited).toBe(0);

    const db = openDirect(t);
    const deliveries = await db.all<{ status: string; remote_id: string | null; lang: string; handle: string; en_text: string; fr_text: string }>(
      'SELECT d.status, d.remote_id, d.lang, a.handle, p.en_text, p.fr_text FROM delivery d JOIN account a ON a.id = d.account_id JOIN post_pair p ON p.id = d.pair_id',
    );

    const interrupted = (await db.value<number>("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.interrupted'"))!;
    const reconciled = (await db.value<number>("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.reconciled'"))!;
    await db.close();

    const posts = new Map<string, string[]>();
    for (const post of t.fake.posts) {
      const key = `${post.username}\n${post.text}`;
      posts.set(key, [...(posts.get(key) ?? []), post.id]);
    }
    const duplicates = [...posts.values()].filter((ids) => ids.length > 1).length;
    const lost = deliveries.filter((d) => {
      const ids = posts.get(`${d.handle}\n${d.lang === 'en' ? d.en_text : d.fr_text}`) ?? [];
      return d.status !== 'sent' || ids.length !== 1 || ids[0] !== d.remote_id;
    }).length;
    console.log(
      `crash test: ${killed} SIGKILLs (${killedMidSend} with a request landing after the kill), ` +
        `${interrupted} interrupted pairs found on restart, ${reconciled} deliveries reconciled with X, ` +
        `${postsBeforeLastRun} posts made before the last run, ` +
        `${t.fake.posts.length} posts for ${deliveries.length} deliveries: ${duplicates} duplicate, ${lost} lost`,
    );
    expect(deliveries).toHaveLength(pairsCount * 2);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(t.fake.posts).toHaveLength(pairsCount * 2);
    expect(killed).toBe(kills);
  }, 300_000);
});
