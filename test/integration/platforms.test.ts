// One pair to all five platforms through the real publisher: X, Mastodon, Facebook Pages and
// LinkedIn on loopback fakes, Bluesky on a real local PDS (@atproto/dev-env). Each side must go
// out once, in its language, with its own images and alt text; a crash mid-send must be
// reconciled by each platform's own means (Bluesky's record key, Mastodon's timeline).
import { randomBytes } from 'node:crypto';
import { AtpAgent } from '@atproto/api';
import { TestNetworkNoAppView } from '@atproto/dev-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, DeliveryMetrics, Pair } from '../../src/shared/domain';
import type { Credentials } from '../../src/shared/credentials';
import { BlueskyAdapter } from '../../src/main/platforms/bluesky';
import { MastodonAdapter } from '../../src/main/platforms/mastodon';
import { FacebookAdapter } from '../../src/main/platforms/facebook';
import { LinkedInAdapter } from '../../src/main/platforms/linkedin';
import { FakeMastodon, credentialsOf as mastodonCredentials } from '../fakes/mastodon-api';
import { FakeFacebook, fakePage, credentialsOf as facebookCredentials } from '../fakes/facebook-api';
import { FakeLinkedIn, fakeOrganization, credentialsOf as linkedinCredentials } from '../fakes/linkedin-api';
import { FakeAppView } from '../fakes/bluesky-appview';
import { credentialsOf as xCredentials } from '../fakes/x-api';
import { makePng } from '../fakes/images';
import { startTestApp, waitFor, type TestApp } from '../support';

let t: TestApp;
let network: TestNetworkNoAppView;
let pds: string;
const mastodon = new FakeMastodon();
const facebook = new FakeFacebook();
const linkedin = new FakeLinkedIn();
const appView = new FakeAppView();
const channels: Partial<Record<Channel['platform'], string>> = {};

interface Side {
  handle: string;
  credentials: Credentials;
}

async function blueskyAccount(handle: string): Promise<Side & { did: string }> {
  const agent = new AtpAgent({ service: pds });
  const created = await agent.createAccount({ handle, email: `${handle}@example.test`, password: `pw-${randomBytes(6).toString('hex')}` });
  const { data } = await agent.com.atproto.server.createAppPassword({ name: 'Tandem' });
  return { handle, did: created.data.did, credentials: { platform: 'bluesky', service: pds, identifier: handle, appPassword: data.password } };
}

async function addChannel(platform: Channel['platform'], name: string, en: Side, fr: Side): Promise<string> {
  const channel = await t.call<Channel>('accounts.addPair', {
    platform,
    name,
    en: { handle: en.handle, displayName: `${name} EN`, credentials: en.credentials },
    fr: { handle: fr.handle, displayName: `${name} FR`, credentials: fr.credentials },
  });
  await t.call('accounts.setSelfApproval', { channelId: channel.id, allowed: true });
  return channel.id;
}

let bskyEn: Side & { did: string };
let bskyFr: Side & { did: string };

beforeAll(async () => {
  network = await TestNetworkNoAppView.create({ dbPostgresSchema: 'tandem_platforms' });
  pds = network.pds.url.replace('//localhost:', '//127.0.0.1:');
  await Promise.all([mastodon.start(), facebook.start(), linkedin.start(), appView.start()]);
  // An instance that allows 1,000 characters: Tandem must use its limit, not Mastodon's default.
  mastodon.instance.maxCharacters = 1_000;
  t = await startTestApp(
    {},
    {
      moreAdapters: [
        new BlueskyAdapter({ appViewUrl: appView.url, timeoutMs: 10_000 }),
        new MastodonAdapter({ timeoutMs: 5_000 }),
        new FacebookAdapter({ apiBase: facebook.url, timeoutMs: 5_000 }),
        new LinkedInAdapter({ apiBase: linkedin.url, timeoutMs: 5_000 }),
      ],
    },
  );
  const host = new URL(mastodon.url).host;
  const [mEn, mFr] = [mastodon.addAccount('StatCan_eng'), mastodon.addAccount('StatCan_fra')];
  const [pEn, pFr] = [fakePage(facebook, { username: 'StatCan.eng' }), fakePage(facebook, { username: 'StatCan.fra' })];
  const [lEn, lFr] = [fakeOrganization(linkedin, 'statcan-eng'), fakeOrganization(linkedin, 'statcan-fra')];
  bskyEn = await blueskyAccount('statcan-eng.test');
  bskyFr = await blueskyAccount('statcan-fra.test');
  channels.x = await addChannel('x', 'X', { handle: t.en.username, credentials: xCredentials(t.en) }, { handle: t.fr.username, credentials: xCredentials(t.fr) });
  channels.mastodon = await addChannel(
    'mastodon',
    'Mastodon',
    { handle: `${mEn.username}@${host}`, credentials: mastodonCredentials(mastodon, mEn) },
    { handle: `${mFr.username}@${host}`, credentials: mastodonCredentials(mastodon, mFr) },
  );
  channels.facebook = await addChannel('facebook', 'Facebook', { handle: 'StatCan.eng', credentials: facebookCredentials(pEn) }, { handle: 'StatCan.fra', credentials: facebookCredentials(pFr) });
  channels.linkedin = await addChannel('linkedin', 'LinkedIn', { handle: 'statcan-eng', credentials: linkedinCredentials(lEn) }, { handle: 'statcan-fra', credentials: linkedinCredentials(lFr) });
  channels.bluesky = await addChannel('bluesky', 'Bluesky', bskyEn, bskyFr);
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
  await Promise.all([mastodon.stop(), facebook.stop(), linkedin.stop(), appView.stop()]);
  await network?.close();
}, 60_000);

const chart = makePng(64, 36);
const chartFr = makePng(64, 36, { colour: [200, 16, 46] });
const photo = makePng(30, 40, { colour: [40, 120, 40] });
const upload = async (bytes: Buffer) => (await t.call<{ id: string }>('media.upload', { data: bytes.toString('base64') })).id;

async function publishNow(channelIds: string[], enText: string, frText: string, media: { en: string; fr: string; altEn: string; altFr: string }[] = []): Promise<Pair> {
  let pair = await t.call<Pair>('pairs.create', { channelIds, enText, frText, media, authorTz: 'America/Toronto' });
  pair = await t.call<Pair>('pairs.submitForReview', { id: pair.id, version: pair.version });
  pair = await t.call<Pair>('pairs.approve', { id: pair.id, version: pair.version, comment: 'Approved for all accounts' });
  return t.call<Pair>('pairs.schedule', { id: pair.id, version: pair.version, when: 'now' });
}

const pairById = async (id: string) => (await t.call<Pair[]>('pairs.list', { limit: 500 })).find((p) => p.id === id)!;

async function blueskyRecord(did: string, uri: string) {
  const rkey = uri.split('/').at(-1)!;
  const url = new URL('/xrpc/com.atproto.repo.getRecord', pds);
  url.search = new URLSearchParams({ repo: did, collection: 'app.bsky.feed.post', rkey }).toString();
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as { value: { text: string; langs: string[]; embed?: { images: { alt: string; image: { ref: { $link: string } } }[] } } } };
}

async function blob(did: string, cid: string): Promise<Buffer> {
  const url = new URL('/xrpc/com.atproto.sync.getBlob', pds);
  url.search = new URLSearchParams({ did, cid }).toString();
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe('one pair, five platforms', () => {
  it('sends each side once, in its language, with its images and alt text in that language', async () => {
    const en = 'Housing starts rose 5% in October. https://www150.statcan.gc.ca/n1/daily-quotidien/261123/dq261123a-eng.htm #StatCan';
    const fr = 'Les mises en chantier ont augmenté de 5 % en octobre. https://www150.statcan.gc.ca/n1/daily-quotidien/261123/dq261123a-fra.htm #StatCan';
    const [chartId, chartFrId, photoId] = await Promise.all([upload(chart), upload(chartFr), upload(photo)]);
    const media = [
      { en: chartId, fr: chartFrId, altEn: 'Bar chart: housing starts by month, 2026', altFr: 'Graphique à barres : mises en chantier par mois, 2026' },
      { en: photoId, fr: photoId, altEn: 'A house under construction', altFr: 'Une maison en construction' },
    ];
    const pair = await publishNow(Object.values(channels), en, fr, media);
    const done = await waitFor(async () => {
      const current = await pairById(pair.id);
      return current.status === 'published' ? current : null;
    }, 30_000, 'published on every platform');
    expect(done.deliveries).toHaveLength(10);
    console.log(`five platforms: EN/FR skew across 10 deliveries ${done.skewMs} ms`);

    // X: the text, two images, alt text in the side's language.
    for (const [account, text, alts, files] of [
      [t.en, en, [media[0]!.altEn, media[1]!.altEn], [chart, photo]],
      [t.fr, fr, [media[0]!.altFr, media[1]!.altFr], [chartFr, photo]],
    ] as const) {
      const [post] = t.fake.postsBy(account.username);
      expect(post?.text).toBe(text);
      const uploaded = t.fake.mediaOf(post!);
      expect(uploaded.map((m) => m.alt)).toEqual(alts);
      expect(uploaded.map((m, i) => m.bytes.equals(files[i]!))).toEqual([true, true]);
    }

    // Mastodon: language set, descriptions in the side's language, the French chart on FR only.
    const statuses = mastodon.statuses;
    expect(statuses.map((s) => [s.language, s.text])).toEqual(expect.arrayContaining([['en', en], ['fr', fr]]));
    for (const status of statuses) {
      const files = status.mediaIds.map((id) => mastodon.media.find((m) => m.id === id)!);
      const lang = status.language as 'en' | 'fr';
      expect(files.map((f) => f.description)).toEqual(lang === 'en' ? [media[0]!.altEn, media[1]!.altEn] : [media[0]!.altFr, media[1]!.altFr]);
      expect(files[0]!.bytes.equals(lang === 'en' ? chart : chartFr)).toBe(true);
      expect(status.idempotencyKey).toMatch(/^[2-7a-j][2-7a-z]{12}$/);
    }

    // Facebook: photos with alt_text_custom, attached to the Page's post.
    for (const post of facebook.posts) {
      const fr2 = post.message === fr;
      expect([en, fr]).toContain(post.message);
      expect(post.photoIds.map((id) => facebook.photo(id)!.alt)).toEqual(fr2 ? [media[0]!.altFr, media[1]!.altFr] : [media[0]!.altEn, media[1]!.altEn]);
    }
    expect(facebook.posts).toHaveLength(2);

    // LinkedIn: shown as typed (escaping undone), #StatCan a real hashtag, two images.
    expect(linkedin.posts.map((p) => p.rendered).sort()).toEqual([en, fr].sort());
    for (const post of linkedin.posts) expect(post.hashtags).toEqual(['StatCan']);

    // Bluesky: a record per side on the real PDS, langs set, images with alt text, same bytes.
    for (const [account, text, lang, alt0, file0] of [
      [bskyEn, en, 'en', media[0]!.altEn, chart],
      [bskyFr, fr, 'fr', media[0]!.altFr, chartFr],
    ] as const) {
      const delivery = done.deliveries.find((d) => d.platform === 'bluesky' && d.lang === lang)!;
      const record = await blueskyRecord(account.did, delivery.remoteId!);
      expect(record.status).toBe(200);
      expect(record.body.value).toMatchObject({ text, langs: [lang] });
      const images = record.body.value.embed!.images;
      expect(images[0]!.alt).toBe(alt0);
      expect((await blob(account.did, images[0]!.image.ref.$link)).equals(file0)).toBe(true);
      expect(delivery.remoteUrl).toBe(`https://bsky.app/profile/${account.handle}/post/${delivery.remoteId!.split('/').at(-1)}`);
    }
  }, 60_000);

  it('uses each account\'s own limits: 900 characters go to the 1,000-character instance, not to X', async () => {
    const long = `${'Les données détaillées sont disponibles. '.repeat(22)}`.trim();
    expect(long.length).toBeGreaterThan(500);
    expect(long.length).toBeLessThan(1_000);
    const pair = await t.call<Pair>('pairs.create', { channelIds: [channels.mastodon!], enText: long.replace(/Les données détaillées sont disponibles/g, 'Detailed data are available'), frText: long, authorTz: 'America/Toronto' });
    await expect(t.call('pairs.submitForReview', { id: pair.id, version: pair.version })).resolves.toMatchObject({ status: 'review' });
    const both = await t.call<Pair>('pairs.create', { channelIds: [channels.mastodon!, channels.x!], enText: 'Short', frText: long, authorTz: 'America/Toronto' });
    await expect(t.call('pairs.submitForReview', { id: both.id, version: both.version })).rejects.toMatchObject({
      code: 'text.tooLong',
      params: { lang: 'fr', max: 280, platform: 'x' },
    });
  });

  it('an image too large for Bluesky stops the pair before any platform gets it', async () => {
    const big = await upload(makePng(4, 4, { padTo: 1_200_000 }));
    const pair = await t.call<Pair>('pairs.create', {
      channelIds: [channels.x!, channels.bluesky!],
      enText: 'Big picture',
      frText: 'Vue d’ensemble',
      media: [{ en: big, fr: big, altEn: 'A map', altFr: 'Une carte' }],
      authorTz: 'America/Toronto',
    });
    await expect(t.call('pairs.submitForReview', { id: pair.id, version: pair.version })).rejects.toMatchObject({
      code: 'media.tooLarge',
      params: { lang: 'en', position: 1, size: 1.14, max: 0.95, platform: 'bluesky' },
    });
  });

  it('shows engagement per side and platform, and what a platform does not report', async () => {
    const pair = (await t.call<Pair[]>('pairs.list', { limit: 500 })).find((p) => p.status === 'published' && p.deliveries.length === 10)!;
    const status = mastodon.statuses.find((s) => s.language === 'fr')!;
    status.favourites = 12;
    status.reblogs = 3;
    const xPost = t.fake.postsBy(t.en.username)[0]!;
    t.fake.setMetrics(xPost.id, { like_count: 40, retweet_count: 5, quote_count: 1, reply_count: 2, impression_count: 1_500 });
    const rows = await t.call<DeliveryMetrics[]>('pairs.metrics', { id: pair.id });
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.platform === 'mastodon' && r.lang === 'fr')).toMatchObject({ likes: 12, reposts: 3, impressions: null, error: null });
    expect(rows.find((r) => r.platform === 'x' && r.lang === 'en')).toMatchObject({ likes: 40, reposts: 6, replies: 2, impressions: 1_500, error: null });
    // Bluesky's numbers come from the public AppView; one it has not indexed yet is an error on that row only.
    expect(rows.filter((r) => r.platform === 'bluesky').every((r) => r.error !== null)).toBe(true);
    expect(rows.filter((r) => r.platform !== 'bluesky').every((r) => r.error === null)).toBe(true);
  });
});

describe('a crash while sending', () => {
  it('Bluesky finds its post by record key and Mastodon by its timeline: nothing is posted twice', async () => {
    const pair = await publishNow([channels.bluesky!, channels.mastodon!], 'Crash on two platforms', 'Panne sur deux plateformes', []);
    await waitFor(async () => (await pairById(pair.id)).status === 'published', 20_000, 'published');
    const before = { bluesky: await countBluesky(), mastodon: mastodon.statuses.length };
    // As a kill -9 right after the network calls would leave it: sent, but not recorded.
    await t.whileClosed(async (sql) => {
      await sql.run("UPDATE delivery SET status = 'sending', remote_id = NULL, remote_url = NULL, sent_at = NULL WHERE pair_id = ?", [pair.id]);
      await sql.run("UPDATE post_pair SET status = 'publishing' WHERE id = ?", [pair.id]);
    });
    const again = t.reopen();
    await waitFor(async () => {
      const statuses = await again.sql.all<{ status: string }>('SELECT status FROM delivery WHERE pair_id = ?', [pair.id]);
      return statuses.every((s) => s.status === 'sent');
    }, 20_000, 'reconciled');
    const reconciled = await again.sql.value<number>("SELECT COUNT(*) FROM audit_event WHERE action = 'delivery.reconciled' AND subject = ?", [pair.id]);
    expect(reconciled).toBe(4);
    expect({ bluesky: await countBluesky(), mastodon: mastodon.statuses.length }).toEqual(before);
  }, 60_000);
});

async function countBluesky(): Promise<number> {
  let total = 0;
  for (const did of [bskyEn.did, bskyFr.did]) {
    const url = new URL('/xrpc/com.atproto.repo.listRecords', pds);
    url.search = new URLSearchParams({ repo: did, collection: 'app.bsky.feed.post', limit: '100' }).toString();
    total += ((await (await fetch(url)).json()) as { records: unknown[] }).records.length;
  }
  return total;
}
