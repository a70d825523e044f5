// Two server instances publishing from one PostgreSQL (issue 12, item 3): one runs throughout, the
// other is killed with SIGKILL at random moments and started again, over and over, while 100 pairs
// go to X, Bluesky (a real local PDS) and Mastodon. A killed instance's sends are taken over by the
// other once their lease runs out, and asked of the platform before anything is sent again. Every
// post must exist exactly once. The fakes let duplicates through (X) and forget Idempotency-Keys
// (Mastodon), so a blind resend would be counted, not absorbed. PostgreSQL only: on SQLite a
// server runs as one instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect } from '../engine';
import type { FakeMastodon } from '../fakes/mastodon-api';
import { credentialsOf as xCredentials, fakeAccount, fakeApp } from '../fakes/x-api';
import type { TestApp } from '../support';
import { addAccountPair, blueskyPosts, dueNowForWorkers, scheduleLater, startCrashPlatforms, startWorker, type CrashPlatforms, type Worker } from '../crash/common';

const pairsCount = 100;
const kills = 20;
let platforms: CrashPlatforms;
let t: TestApp;
let pds: string;
let mastodon: FakeMastodon;
let dids: string[];

beforeAll(async () => {
  platforms = await startCrashPlatforms('tandem_server_crash');
  ({ t, pds, mastodon, dids } = platforms);
  t.fake.refuseDuplicates = false;
  // Slow enough that the queue outlasts the kills: one pair at a time per instance (below), and X
  // taking 600 ms to answer, so the steady instance alone would need about a minute.
  t.fake.responseDelayMs = 600;
  const app = fakeApp();
  const [xEn, xFr] = [fakeAccount(t.fake, 'Servers_eng', app), fakeAccount(t.fake, 'Servers_fra', app)];
  const x = await addAccountPair(t, 'x', { handle: xEn.username, credentials: xCredentials(xEn) }, { handle: xFr.username, credentials: xCredentials(xFr) });
  const bluesky = await platforms.blueskyPair('servers');
  const masto = await platforms.mastodonPair('Servers');
  for (let i = 0; i < pairsCount; i++) {
    await scheduleLater(t, { channelIds: [x, bluesky, masto], enText: `Two servers ${i}, English`, frText: `Deux serveurs ${i}, français` });
  }
  await dueNowForWorkers(t);
}, 180_000);

afterAll(async () => {
  await platforms?.stop();
}, 60_000);

const posted = () => t.fake.posts.length + mastodon.statuses.length;

describe('two server instances on one PostgreSQL, one killed over and over', () => {
  it(`${kills} SIGKILLs of one instance while the other keeps publishing: every post exactly once on X, Bluesky and Mastodon`, async () => {
    const shared = { CRASH_SHARED: '1', CRASH_CONCURRENCY: '1' };
    const steady = startWorker(t, shared);
    await steady.ready;
    let killed = 0;
    let victim: Worker | null = null;
    try {
      for (let trial = 0; trial < kills; trial++) {
        victim = startWorker(t, shared);
        let finished = false;
        void victim.exited.then(() => (finished = true));
        await Promise.race([victim.ready, victim.exited]);
        // A random moment a few posts in: kills land before, during (X answers after 600 ms, the
        // post already made) and after requests.
        const start = posted();
        const limit = 2 + Math.floor(Math.random() * 6);
        const deadline = Date.now() + 150 + Math.floor(Math.random() * 900);
        while (!finished && Date.now() < deadline && posted() - start < limit) await new Promise((resolve) => setTimeout(resolve, 2));
        if (finished) break;
        victim.child.kill('SIGKILL');
        await victim.exited;
        victim = null;
        killed++;
      }
      // The steady instance finishes the queue, the killed one's expired leases included.
      expect(await steady.exited).toBe(0);
    } finally {
      steady.child.kill('SIGKILL');
      victim?.child.kill('SIGKILL');
    }

    const db = openDirect(t);
    const deliveries = await db.all<{ status: string; lang: 'en' | 'fr'; platform: string; en_text: string; fr_text: string }>(
      `SELECT d.status, d.lang, a.platform, p.en_text, p.fr_text FROM delivery d
         JOIN account a ON a.id = d.account_id JOIN post_pair p ON p.id = d.pair_id`,
    );
    const reconciled = (await db.value<number>("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.reconciled'"))!;
    const takenOver = (await db.value<number>("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.interrupted'"))!;
    await db.close();

    const bsky = await blueskyPosts(pds, dids);
    const count = (texts: string[]) => {
      const seen = new Map<string, number>();
      for (const text of texts) seen.set(text, (seen.get(text) ?? 0) + 1);
      return seen;
    };
    const byPlatform: Record<string, Map<string, number>> = {
      x: count(t.fake.posts.map((p) => p.text)),
      bluesky: count(bsky.map((p) => p.text)),
      mastodon: count(mastodon.statuses.map((s) => s.text)),
    };
    const duplicates = Object.values(byPlatform).flatMap((m) => [...m.values()]).filter((n) => n > 1).length;
    const lost = deliveries.filter((d) => d.status !== 'sent' || byPlatform[d.platform]!.get(d.lang === 'en' ? d.en_text : d.fr_text) !== 1).length;
    console.log(
      `two instances (X + Bluesky + Mastodon): ${killed} SIGKILLs of one, ${takenOver} pairs taken over, ${reconciled} deliveries reconciled; ` +
        `${t.fake.posts.length} X posts, ${bsky.length} Bluesky records, ${mastodon.statuses.length} Mastodon statuses for ${deliveries.length} deliveries: ` +
        `${duplicates} duplicate, ${lost} lost`,
    );
    expect(deliveries).toHaveLength(pairsCount * 6);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(killed).toBe(kills);
  }, 480_000);
});
