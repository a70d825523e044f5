// Exactly once across crashes, on Bluesky (a real local PDS) and Mastodon: a publishing process
// is killed with SIGKILL at random moments while it sends pairs, some with an image, and started
// again. Every post must exist exactly once. The Mastodon fake is told to forget Idempotency-Keys,
// so a blind resend would show as a duplicate rather than be absorbed by the instance: what is
// tested is Tandem's own reconciliation (Bluesky: the record at the delivery's key; Mastodon: the
// account's statuses).
import { randomBytes } from 'node:crypto';
import { AtpAgent } from '@atproto/api';
import { TestNetworkNoAppView } from '@atproto/dev-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Pair } from '../../src/shared/domain';
import type { Credentials } from '../../src/shared/credentials';
import { openDirect } from '../engine';
import { BlueskyAdapter } from '../../src/main/platforms/bluesky';
import { MastodonAdapter } from '../../src/main/platforms/mastodon';
import { FakeMastodon, credentialsOf as mastodonCredentials } from '../fakes/mastodon-api';
import { makePng } from '../fakes/images';
import { startTestApp, type TestApp } from '../support';
import { blueskyPosts, startWorker } from '../crash/common';

const pairsCount = 30;
const kills = 12;
let t: TestApp;
let network: TestNetworkNoAppView;
let pds: string;
const mastodon = new FakeMastodon();
const dids: string[] = [];

async function blueskySide(handle: string): Promise<{ handle: string; credentials: Credentials }> {
  const agent = new AtpAgent({ service: pds });
  const created = await agent.createAccount({ handle, email: `${handle}@example.test`, password: `pw-${randomBytes(6).toString('hex')}` });
  dids.push(created.data.did);
  const { data } = await agent.com.atproto.server.createAppPassword({ name: 'Tandem' });
  return { handle, credentials: { platform: 'bluesky', service: pds, identifier: handle, appPassword: data.password } };
}

beforeAll(async () => {
  network = await TestNetworkNoAppView.create({ dbPostgresSchema: 'tandem_crash' });
  pds = network.pds.url.replace('//localhost:', '//127.0.0.1:');
  await mastodon.start();
  mastodon.honoursIdempotencyKey = false;
  t = await startTestApp({}, { moreAdapters: [new BlueskyAdapter(), new MastodonAdapter()] });
  const host = new URL(mastodon.url).host;
  const add = async (platform: Channel['platform'], en: { handle: string; credentials: Credentials }, fr: { handle: string; credentials: Credentials }) => {
    const channel = await t.call<Channel>('accounts.addPair', {
      platform,
      name: platform,
      en: { handle: en.handle, displayName: 'EN', credentials: en.credentials },
      fr: { handle: fr.handle, displayName: 'FR', credentials: fr.credentials },
    });
    await t.call('accounts.setSelfApproval', { channelId: channel.id, allowed: true });
    return channel.id;
  };
  const bluesky = await add('bluesky', await blueskySide('crash-eng.test'), await blueskySide('crash-fra.test'));
  const [mEn, mFr] = [mastodon.addAccount('Crash_eng'), mastodon.addAccount('Crash_fra')];
  const masto = await add(
    'mastodon',
    { handle: `Crash_eng@${host}`, credentials: mastodonCredentials(mastodon, mEn) },
    { handle: `Crash_fra@${host}`, credentials: mastodonCredentials(mastodon, mFr) },
  );
  for (let i = 0; i < pairsCount; i++) {
    // Every third pair carries an image: a crash may land between the upload and the post.
    const image = i % 3 === 0 ? (await t.call<{ id: string }>('media.upload', { data: makePng(8, 8 + i).toString('base64') })).id : null;
    let pair = await t.call<Pair>('pairs.create', {
      channelIds: [bluesky, masto],
      enText: `Crash ${i}, English`,
      frText: `Panne ${i}, français`,
      media: image ? [{ en: image, fr: image, altEn: `Chart ${i}`, altFr: `Graphique ${i}` }] : [],
      authorTz: 'UTC',
    });
    pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
    pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: '' });
    await t.call('pairs.schedule', { id: pair.id, version: pair.version, when: 'at', scheduledAt: new Date(Date.now() + 3_600_000).toISOString() });
  }
  await t.tandem.close();
  const db = openDirect(t);
  await db.run('UPDATE delivery SET next_attempt_at = ?', [Date.now()]);
  await db.run("UPDATE post_pair SET scheduled_at = ? WHERE status = 'scheduled'", [Date.now()]);
  await db.close();
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
  await mastodon.stop();
  await network?.close();
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
