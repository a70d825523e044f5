// Exactly once across crashes, on Bluesky (a real local PDS) and Mastodon: a publishing process
// is killed with SIGKILL at random moments while it sends pairs, some with an image, and started
// again. Every post must exist exactly once. The Mastodon fake is told to forget Idempotency-Keys,
// so a blind resend would show as a duplicate rather than be absorbed by the instance: what is
// tested is Tandem's own reconciliation (Bluesky: the record at the delivery's key; Mastodon: the
// account's statuses).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect } from '../engine';
import type { FakeMastodon } from '../fakes/mastodon-api';
import { makePng } from '../fakes/images';
import type { TestApp } from '../support';
import { blueskyPosts, dueNowForWorkers, scheduleLater, startCrashPlatforms, startWorker, type CrashPlatforms } from '../crash/common';

const pairsCount = 30;
const kills = 12;
let platforms: CrashPlatforms;
let t: TestApp;
let pds: string;
let mastodon: FakeMastodon;
let dids: string[];

beforeAll(async () => {
  platforms = await startCrashPlatforms('tandem_crash');
  ({ t, pds, mastodon, dids } = platforms);
  const bluesky = await platforms.blueskyPair('crash');
  const masto = await platforms.mastodonPair('Crash');
  for (let i = 0; i < pairsCount; i++) {
    // Every third pair carries an image: a crash may land between the upload and the post.
    const image = i % 3 === 0 ? (await t.call<{ id: string }>('media.upload', { data: makePng(8, 8 + i).toString('base64') })).id : null;
    await scheduleLater(t, {
      channelIds: [bluesky, masto],
      enText: `Crash ${i}, English`,
      frText: `Panne ${i}, français`,
      media: image ? [{ en: image, fr: image, altEn: `Chart ${i}`, altFr: `Graphique ${i}` }] : [],
    });
  }
  await dueNowForWorkers(t);
}, 120_000);

afterAll(async () => {
  await platforms?.stop();
}, 60_000);

describe('kill -9 while publishing to Bluesky and Mastodon', () => {
  it(`${kills} random SIGKILLs: every post exactly once on both platforms`, async () => {
    let killed = 0;
    for (let trial = 0; trial < kills; trial++) {
      const worker = startWorker(t);
      await Promise.race([worker.ready, worker.exited]);
      // A random moment, but never more than a few new Mastodon statuses in: every kill lands
      // while there is still work, however fast the machine. Every other run waits for its first
      // status before the clock starts, so on either engine kills fall mid-send, not only at start.
      let finished = false;
      void worker.exited.then(() => (finished = true));
      if (trial % 2 === 1) {
        const first = mastodon.statuses.length;
        const until = Date.now() + 15_000;
        while (!finished && Date.now() < until && mastodon.statuses.length === first) {
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
      const start = mastodon.statuses.length;
      const limit = 1 + Math.floor(Math.random() * 2);
      const deadline = Date.now() + 50 + Math.floor(Math.random() * 300);
      while (!finished && Date.now() < deadline && mastodon.statuses.length - start < limit) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (finished) break;
      worker.child.kill('SIGKILL');
      await worker.exited;
      killed++;
    }
    const beforeLastRun = mastodon.statuses.length;
    const last = startWorker(t);
    expect(await last.exited).toBe(0);

    const db = openDirect(t);
    const deliveries = await db.all<{ status: string; remote_id: string; lang: 'en' | 'fr'; platform: string; handle: string; en_text: string; fr_text: string }>(
      `SELECT d.status, d.remote_id, d.lang, a.platform, a.handle, p.en_text, p.fr_text FROM delivery d
         JOIN account a ON a.id = d.account_id JOIN post_pair p ON p.id = d.pair_id`,
    );
    const reconciled = (await db.value<number>("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.reconciled'"))!;
    await db.close();

    const bsky = await blueskyPosts(pds, dids);
    const count = (texts: string[]) => {
      const seen = new Map<string, number>();
      for (const text of texts) seen.set(text, (seen.get(text) ?? 0) + 1);
      return seen;
    };
    const bskyTexts = count(bsky.map((p) => p.text));
    const mastoTexts = count(mastodon.statuses.map((s) => s.text));
    const duplicates = [...bskyTexts.values(), ...mastoTexts.values()].filter((n) => n > 1).length;
    const lost = deliveries.filter((d) => {
      const text = d.lang === 'en' ? d.en_text : d.fr_text;
      const seen = (d.platform === 'bluesky' ? bskyTexts : mastoTexts).get(text) ?? 0;
      return d.status !== 'sent' || seen !== 1;
    }).length;
    console.log(
      `crash test (Bluesky + Mastodon): ${killed} SIGKILLs, ${reconciled} deliveries reconciled, ` +
        `${beforeLastRun} of ${pairsCount * 2} Mastodon statuses made before the last run, ` +
        `${bsky.length} Bluesky records and ${mastodon.statuses.length} Mastodon statuses for ${deliveries.length} deliveries: ` +
        `${duplicates} duplicate, ${lost} lost`,
    );
    expect(deliveries).toHaveLength(pairsCount * 4);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(bsky).toHaveLength(pairsCount * 2);
    expect(mastodon.statuses).toHaveLength(pairsCount * 2);
    // Each Bluesky post sits at its delivery's record key, as recorded.
    for (const post of bsky) expect(deliveries.some((d) => d.remote_id === `at://${post.did}/app.bsky.feed.post/${post.rkey}`)).toBe(true);
    expect(killed).toBe(kills);
  }, 240_000);
});
