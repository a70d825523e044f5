// The Bluesky adapter (@atproto/api) against a real PDS from @atproto/dev-env, on loopback:
// sign-in with app passwords, records read back as the PDS stored them, real rate limits, real
// token expiry (the PDS runs in this process, so moving the clock expires its tokens). Only
// engagement comes from a fake: the public AppView (test/fakes/bluesky-appview.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { TestNetworkNoAppView } from '@atproto/dev-env';
import { AtpAgent } from '@atproto/api';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BlueskyAdapter } from '../../src/main/platforms/bluesky';
import { PlatformError, type MediaUpload } from '../../src/main/platforms/types';
import { newTid } from '../../src/main/publisher/tid';
import type { BlueskyCredentials } from '../../src/shared/credentials';
import { defaultLimits } from '../../src/shared/limits';
import { FakeAppView } from '../fakes/bluesky-appview';

interface TestAccount {
  handle: string;
  did: string;
  password: string;
  credentials: BlueskyCredentials;
}

/** A post record as the PDS returns it over HTTP (JSON, blobs as { $link }). */
interface StoredPost {
  uri: string;
  value: {
    text: string;
    langs?: string[];
    createdAt: string;
    facets?: {
      index: { byteStart: number; byteEnd: number };
      features: { $type: string; uri?: string; tag?: string; did?: string }[];
    }[];
    embed?: {
      $type: string;
      images: {
        alt: string;
        aspectRatio?: { width: number; height: number };
        image: { $type: string; ref: { $link: string }; mimeType: string; size: number };
      }[];
    };
  };
}

let network: TestNetworkNoAppView;
let pdsOpen = false;
/** The PDS as the account's settings would name it: 127.0.0.1, so nothing leaves loopback. */
let service: string;
let appView: FakeAppView;
let eng: TestAccount;
let fra: TestAccount;
let bluesky: BlueskyAdapter;
/** A delivery's key, made as the publisher makes them. */
const nextKey = () => newTid(Date.now());

beforeAll(async () => {
  // Rate limits on, as on bsky.social: the 429 test meets the PDS's own sign-in limit.
  network = await TestNetworkNoAppView.create({ dbPostgresSchema: 'tandem', pds: { rateLimitsEnabled: true } });
  pdsOpen = true;
  service = network.pds.url.replace('//localhost:', '//127.0.0.1:');
  appView = new FakeAppView();
  await appView.start();
  eng = await createAccount('statcan-eng.test');
  fra = await createAccount('statcan-fra.test');
  bluesky = new BlueskyAdapter({ appViewUrl: appView.url, timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await appView?.stop();
  if (pdsOpen) await network.close();
}, 60_000);

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function createAccount(handle: string): Promise<TestAccount> {
  const agent = new AtpAgent({ service });
  const password = `pw-${handle}-${randomBytes(6).toString('hex')}`;
  const created = await agent.createAccount({ handle, email: `${handle}@example.test`, password });
  const appPassword = await agent.com.atproto.server.createAppPassword({ name: 'Tandem' });
  return {
    handle,
    did: created.data.did,
    password,
    credentials: { platform: 'bluesky', service, identifier: handle, appPassword: appPassword.data.password },
  };
}

const publish = (account: TestAccount, text: string, options: { lang?: 'en' | 'fr'; media?: MediaUpload[]; key?: string; adapter?: BlueskyAdapter } = {}) =>
  (options.adapter ?? bluesky).publish({
    text,
    lang: options.lang ?? 'en',
    handle: account.handle,
    credentials: account.credentials,
    media: options.media ?? [],
    key: options.key ?? nextKey(),
  });

const lookup = (account: TestAccount, key: string, adapter = bluesky) =>
  adapter.findPublished({
    text: '',
    lang: 'en',
    handle: account.handle,
    remoteUserId: account.did,
    credentials: account.credentials,
    since: Date.now() - 60_000,
    key,
  });

/** The record as stored, read over plain HTTP without signing in (as anyone could). */
async function storedPost(did: string, rkey: string): Promise<StoredPost> {
  const url = new URL('/xrpc/com.atproto.repo.getRecord', service);
  url.search = new URLSearchParams({ repo: did, collection: 'app.bsky.feed.post', rkey }).toString();
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as StoredPost;
}

async function postsOf(did: string): Promise<string[]> {
  const url = new URL('/xrpc/com.atproto.repo.listRecords', service);
  url.search = new URLSearchParams({ repo: did, collection: 'app.bsky.feed.post', limit: '100' }).toString();
  const response = await fetch(url);
  return ((await response.json()) as { records: { uri: string }[] }).records.map((record) => record.uri);
}

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }
  throw new Error('expected a failure');
}

/** The UTF-8 bytes a facet selects, as text. */
function selected(text: string, index: { byteStart: number; byteEnd: number }): string {
  return new TextDecoder().decode(new TextEncoder().encode(text).slice(index.byteStart, index.byteEnd));
}

/** Every XRPC method the adapter calls, in order, read off its HTTP requests. */
function watchRequests(): string[] {
  const methods: string[] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    methods.push(new URL(url).pathname.replace(/^\/xrpc\//, ''));
    return realFetch(input, init);
  });
  return methods;
}

describe('verify (com.atproto.server.createSession)', () => {
  it('signs in with the app password and says whose account it is: its DID and handle', async () => {
    expect(await bluesky.verify(eng.credentials)).toEqual({ remoteUserId: eng.did, handle: 'statcan-eng.test' });
  });

  it('refuses a wrong app password as "unauthorized": the account waits for a person', async () => {
    const error = await failure(bluesky.verify({ ...eng.credentials, appPassword: 'aaaa-bbbb-cccc-dddd' }));
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
  });

  it('maps the PDS’s own sign-in rate limit to "rate limited", until its RateLimit-Reset', async () => {
    const limited = await createAccount('statcan-limited.test');
    // bsky.social allows 30 sign-ins per account per five minutes; spend them (at once: each
    // one is a deliberately slow password check).
    await Promise.all(
      Array.from({ length: 30 }, () => new AtpAgent({ service }).login({ identifier: limited.handle, password: limited.password })),
    );
    const before = Date.now();
    const error = await failure(bluesky.verify(limited.credentials));
    expect(error.kind).toBe('rateLimited');
    expect(error.info).toEqual({ code: 'platform.rateLimited' });
    expect(error.retryAt! % 1000).toBe(0);
    expect(error.retryAt!).toBeGreaterThan(before);
    expect(error.retryAt!).toBeLessThanOrEqual(before + 5 * 60_000 + 1_000);
  });
});

describe('publish (com.atproto.repo.createRecord)', () => {
  it('writes French text with link, hashtag and mention facets at UTF-8 byte offsets', async () => {
    const link = 'https://www150.statcan.gc.ca/n1/daily-quotidien/250926/dq250926a-fra.htm';
    const text =
      `Économie : les dépenses des ménages ont progressé de 0,6 % en août. ` +
      `Détails → ${link} #Économie avec @statcan-fra.test et @inconnu.test`;
    const key = nextKey();
    const published = await publish(eng, text, { lang: 'fr', key });
    expect(published).toEqual({
      remoteId: `at://${eng.did}/app.bsky.feed.post/${key}`,
      remoteUrl: `https://bsky.app/profile/statcan-eng.test/post/${key}`,
    });

    const { value } = await storedPost(eng.did, key);
    expect(value.text).toBe(text);
    expect(value.langs).toEqual(['fr']);
    expect(Math.abs(Date.parse(value.createdAt) - Date.now())).toBeLessThan(60_000);

    const facets = value.facets ?? [];
    const linkFacet = facets.find((facet) => facet.features[0]?.$type === 'app.bsky.richtext.facet#link')!;
    const tagFacet = facets.find((facet) => facet.features[0]?.$type === 'app.bsky.richtext.facet#tag')!;
    const mentions = facets.filter((facet) => facet.features[0]?.$type === 'app.bsky.richtext.facet#mention');
    // The accents and the arrow before the link make its byte offset differ from its character
    // offset: a facet placed by characters would select the wrong text.
    expect(linkFacet.index.byteStart).not.toBe(text.indexOf(link));
    expect(selected(text, linkFacet.index)).toBe(link);
    expect(linkFacet.features).toEqual([{ $type: 'app.bsky.richtext.facet#link', uri: link }]);
    expect(selected(text, tagFacet.index)).toBe('#Économie');
    expect(tagFacet.features).toEqual([{ $type: 'app.bsky.richtext.facet#tag', tag: 'Économie' }]);
    // A handle the PDS resolves becomes a mention of its DID; one it cannot resolve stays plain
    // text instead of making the post fail.
    expect(mentions).toHaveLength(1);
    expect(selected(text, mentions[0]!.index)).toBe('@statcan-fra.test');
    expect(mentions[0]!.features).toEqual([{ $type: 'app.bsky.richtext.facet#mention', did: fra.did }]);
    expect(facets).toHaveLength(3);
  });

  it('uploads each image and embeds it with its alt text and aspect ratio; the PDS keeps the exact bytes', async () => {
    const wide = png(4, 2, [200, 30, 40]);
    const tall = png(1, 3, [20, 90, 200]);
    const media: MediaUpload[] = [
      { bytes: wide, mime: 'image/png', alt: 'Graphique : dépenses des ménages, août', width: 1600, height: 800 },
      { bytes: tall, mime: 'image/png', alt: 'Carte du Québec', width: 600, height: 1800 },
    ];
    const key = nextKey();
    await publish(fra, 'Deux images', { lang: 'fr', media, key });

    const { value } = await storedPost(fra.did, key);
    expect(value.embed?.$type).toBe('app.bsky.embed.images');
    const images = value.embed!.images;
    expect(images.map((image) => image.alt)).toEqual(['Graphique : dépenses des ménages, août', 'Carte du Québec']);
    expect(images.map((image) => image.aspectRatio)).toEqual([
      { width: 1600, height: 800 },
      { width: 600, height: 1800 },
    ]);
    expect(images.map((image) => [image.image.mimeType, image.image.size])).toEqual([
      ['image/png', wide.length],
      ['image/png', tall.length],
    ]);
    for (const [index, sent] of [wide, tall].entries()) {
      const url = new URL('/xrpc/com.atproto.sync.getBlob', service);
      url.search = new URLSearchParams({ did: fra.did, cid: images[index]!.image.ref.$link }).toString();
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(sent);
    }
  });

  it('makes one post per key: a second attempt fails as "ambiguous" and the check finds the first', async () => {
    const key = nextKey();
    const first = await publish(eng, 'Indice des prix à la consommation', { key });
    const second = await failure(publish(eng, 'Indice des prix à la consommation', { key }));
    // The PDS answers a record key already taken with a 500, not a conflict: the publisher must
    // not take that as "not posted", and asks instead.
    expect(second.kind).toBe('ambiguous');
    expect(second.info).toEqual({ code: 'platform.server', params: { status: 500 } });
    expect(await lookup(eng, key)).toEqual(first);
    expect((await postsOf(eng.did)).filter((uri) => uri.endsWith(`/${key}`))).toHaveLength(1);
  });

  it('refuses an image larger than a post may carry as "media rejected", and posts nothing', async () => {
    // 600 × 600 random pixels, stored uncompressed: a valid PNG just over 1 MB.
    const large = png(600, 600, [0, 0, 0], { noise: true });
    expect(large.length).toBeGreaterThan(defaultLimits.bluesky.maxImageBytes);
    const key = nextKey();
    const media: MediaUpload[] = [
      { bytes: png(2, 2, [255, 255, 255]), mime: 'image/png', alt: 'Blanc', width: 2, height: 2 },
      { bytes: large, mime: 'image/png', alt: 'Bruit', width: 600, height: 600 },
    ];
    const error = await failure(publish(eng, 'Trop lourde', { key, media }));
    expect(error.kind).toBe('permanent');
    expect(error.info).toMatchObject({ code: 'platform.mediaRejected', params: { status: 400, position: 2 } });
    expect(String(error.info.params?.detail)).toMatch(/blob too big/);
    expect(await lookup(eng, key)).toBeNull();
  });

  it('names the image the PDS refuses to take at all (413), before any post is made', async () => {
    // Over the PDS's upload limit (5 MB here): refused on upload, not on the record.
    const huge = png(1_500, 1_200, [0, 0, 0], { noise: true });
    const key = nextKey();
    const error = await failure(
      publish(eng, 'Bien trop lourde', { key, media: [{ bytes: huge, mime: 'image/png', alt: 'Bruit', width: 1_500, height: 1_200 }] }),
    );
    expect(error.kind).toBe('permanent');
    expect(error.info).toMatchObject({ code: 'platform.mediaRejected', params: { status: 413, position: 1 } });
    expect(await lookup(eng, key)).toBeNull();
  });

  it('refuses an invalid record key as a permanent rejection carrying the PDS’s explanation', async () => {
    const error = await failure(publish(eng, 'Bonjour', { key: 'not a tid!' }));
    expect(error.kind).toBe('permanent');
    expect(error.info.code).toBe('platform.rejected');
    expect(error.info.params).toMatchObject({ status: 400 });
    expect(String(error.info.params?.detail)).not.toBe('');
  });

  it('signs in once for many posts, and again only when the app password changes', async () => {
    const account = await createAccount('statcan-sessions.test');
    // A second app password, as when someone re-authorises the account.
    const agent = new AtpAgent({ service });
    await agent.login({ identifier: account.handle, password: account.password });
    const renewed = (await agent.com.atproto.server.createAppPassword({ name: 'Tandem 2' })).data.password;

    const adapter = new BlueskyAdapter({ appViewUrl: appView.url });
    const methods = watchRequests();
    await Promise.all([publish(account, 'Un', { adapter }), publish(account, 'Deux', { adapter })]);
    await publish(account, 'Trois', { adapter });
    expect(methods.filter((m) => m === 'com.atproto.server.createSession')).toHaveLength(1);
    expect(methods.filter((m) => m === 'com.atproto.repo.createRecord')).toHaveLength(3);

    // The session made with the old app password is not used for the new one.
    await publish({ ...account, credentials: { ...account.credentials, appPassword: renewed } }, 'Quatre', { adapter });
    expect(methods.filter((m) => m === 'com.atproto.server.createSession')).toHaveLength(2);
  });

  it('keeps posting when its tokens expire: refreshes the session, or signs in again when that expired too', async () => {
    // A fresh account: moving the clock forward and back again would leave its repository's
    // revisions out of order for any later post.
    const account = await createAccount('statcan-clock.test');
    const adapter = new BlueskyAdapter({ appViewUrl: appView.url });
    await publish(account, 'Avant', { adapter });
    const methods = watchRequests();

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3 * 60 * 60_000); // access tokens last two hours
    const afterHours = nextKey();
    await publish(account, 'Trois heures plus tard', { adapter, key: afterHours });
    expect(methods).toContain('com.atproto.server.refreshSession');
    expect(methods).not.toContain('com.atproto.server.createSession');

    vi.setSystemTime(Date.now() + 100 * 24 * 60 * 60_000); // refresh tokens last ninety days
    const afterMonths = nextKey();
    await publish(account, 'Cent jours plus tard', { adapter, key: afterMonths });
    expect(methods.filter((m) => m === 'com.atproto.server.createSession')).toHaveLength(1);

    const posted = await postsOf(account.did);
    expect(posted.some((uri) => uri.endsWith(`/${afterHours}`))).toBe(true);
    expect(posted.some((uri) => uri.endsWith(`/${afterMonths}`))).toBe(true);
  });

  it('gives up after timeoutMs as "ambiguous": the PDS may have posted, and the check says it did', async () => {
    const adapter = new BlueskyAdapter({ appViewUrl: appView.url, timeoutMs: 1_000 });
    await adapter.verify(eng.credentials);
    // The PDS answers at once, but the answer reaches us only after the adapter stopped waiting.
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const response = await realFetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes('com.atproto.repo.createRecord')) await new Promise((resolve) => setTimeout(resolve, 1_500));
      return response;
    });
    const key = nextKey();
    const error = await failure(publish(eng, 'Réponse perdue', { adapter, key }));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.network');
    vi.restoreAllMocks();
    expect(await lookup(eng, key, adapter)).toMatchObject({ remoteId: `at://${eng.did}/app.bsky.feed.post/${key}` });
  });

  it('maps a connection dropped before any answer to "ambiguous": the request may have arrived', async () => {
    const server = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const error = await failure(bluesky.verify({ ...eng.credentials, service: `http://127.0.0.1:${port}` }));
      expect(error.kind).toBe('ambiguous');
      expect(error.info.code).toBe('platform.network');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('findPublished (com.atproto.repo.getRecord)', () => {
  it('finds the post at the delivery’s key, with the same id and link publish returned', async () => {
    const key = nextKey();
    const published = await publish(fra, 'Recensement de 2026', { lang: 'fr', key });
    expect(await lookup(fra, key)).toEqual(published);
  });

  it('says "not posted" (null) only when the PDS says the key holds no record', async () => {
    expect(await lookup(eng, nextKey())).toBeNull();
  });

  it('reports a look-up it cannot make as an error, never as "not posted"', async () => {
    const error = await failure(lookup({ ...eng, credentials: { ...eng.credentials, appPassword: 'wxyz-wxyz-wxyz-wxyz' } }, nextKey()));
    expect(error.kind).toBe('unauthorized');
  });
});

describe('fetchMetrics (app.bsky.feed.getPosts on the public AppView)', () => {
  const metrics = (remoteId: string) =>
    bluesky.fetchMetrics({ remoteId, remoteUserId: eng.did, handle: eng.handle, credentials: eng.credentials });

  it('reads likes, reposts (quotes included, as the app counts them) and replies, without signing in', async () => {
    const { remoteId } = await publish(eng, 'Produit intérieur brut');
    appView.setPost(remoteId, { likeCount: 12, repostCount: 3, quoteCount: 2, replyCount: 4 });
    expect(await metrics(remoteId)).toEqual({ likes: 12, reposts: 5, replies: 4, impressions: null });
    const request = appView.requests.at(-1)!;
    expect(request).toMatchObject({ path: '/xrpc/app.bsky.feed.getPosts', uris: [remoteId], authorization: undefined, status: 200 });
  });

  it('says a post the AppView does not have is not found, rather than reporting zeros', async () => {
    const error = await failure(metrics(`at://${eng.did}/app.bsky.feed.post/${nextKey()}`));
    expect(error.kind).toBe('permanent');
    expect(error.info).toMatchObject({ code: 'platform.rejected', params: { status: 404 } });
  });

  it('maps the AppView’s 429 to "rate limited" until its RateLimit-Reset, and 5xx to "ambiguous"', async () => {
    const reset = Math.floor(Date.now() / 1000) + 90;
    appView.failNext({ status: 429, headers: { 'ratelimit-reset': String(reset), 'ratelimit-remaining': '0' } });
    const limited = await failure(metrics(`at://${eng.did}/app.bsky.feed.post/${nextKey()}`));
    expect(limited.kind).toBe('rateLimited');
    expect(limited.retryAt).toBe(reset * 1000);

    appView.failNext({ status: 502, body: JSON.stringify({ error: 'UpstreamFailure', message: 'Upstream Failure' }) });
    const upstream = await failure(metrics(`at://${eng.did}/app.bsky.feed.post/${nextKey()}`));
    expect(upstream.kind).toBe('ambiguous');
    expect(upstream.info).toEqual({ code: 'platform.server', params: { status: 502 } });
  });

  it('treats an answer that is not a list of post views as a bad response', async () => {
    appView.failNext({ status: 200, body: JSON.stringify({ posts: [{ uri: 'nonsense' }] }) });
    const error = await failure(metrics(`at://${eng.did}/app.bsky.feed.post/${nextKey()}`));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.badResponse');
  });
});

describe('validate (Bluesky’s limits, before anything is sent)', () => {
  const limits = defaultLimits.bluesky;

  it('counts graphemes: 300 flags fit, 301 do not', () => {
    expect(bluesky.validate(limits, 'en', '🇨🇦'.repeat(300), [])).toEqual([]);
    expect(bluesky.validate(limits, 'fr', '🇨🇦'.repeat(301), [])).toEqual([
      { code: 'text.tooLong', params: { lang: 'fr', length: 301, max: 300 } },
    ]);
  });

  it('also limits the UTF-8 bytes: 150 family emoji are 150 graphemes but 3,750 bytes', () => {
    expect(bluesky.validate(limits, 'en', '👨‍👩‍👧‍👦'.repeat(150), [])).toEqual([
      { code: 'text.tooManyBytes', params: { lang: 'en', bytes: 3_750, max: 3_000 } },
    ]);
  });

  it('refuses empty text, a fifth image, a GIF and an image over 1 MB', () => {
    expect(bluesky.validate(limits, 'en', '  ', [])).toEqual([{ code: 'text.empty', params: { lang: 'en' } }]);
    const image = { bytes: png(1, 1, [0, 0, 0]).length, mime: 'image/png', alt: 'Point' };
    expect(bluesky.validate(limits, 'en', 'Images', [image, image, image, image, image])).toEqual([
      { code: 'media.tooMany', params: { lang: 'en', count: 5, max: 4 } },
    ]);
    expect(
      bluesky.validate(limits, 'fr', 'Images', [
        { mime: 'image/gif', bytes: 1_000, alt: 'Animation' },
        { mime: 'image/jpeg', bytes: 1_500_000, alt: 'Photo' },
      ]),
    ).toEqual([
      { code: 'media.unsupportedType', params: { lang: 'fr', position: 1, type: 'GIF' } },
      { code: 'media.tooLarge', params: { lang: 'fr', position: 2, size: 1.43, max: 0.95 } },
    ]);
  });
});

// Last: stops the PDS.
describe('the PDS stopped', () => {
  it('maps a refused connection to "offline" (nothing reached it), for posting and for checking', async () => {
    await bluesky.verify(eng.credentials);
    await network.close();
    pdsOpen = false;
    // Give the client a moment to see the PDS close the connection it kept alive. A request sent
    // on it in that instant fails as "other side closed", which is "ambiguous", and rightly: it
    // cannot be told apart from a PDS that died while acting on it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const posting = await failure(publish(eng, 'Personne à la maison'));
    expect(posting.kind).toBe('offline');
    expect(posting.info.code).toBe('platform.network');
    // The check must not answer "not posted" when it could not ask.
    const checking = await failure(lookup(eng, nextKey()));
    expect(checking.kind).toBe('offline');
    const signingIn = await failure(new BlueskyAdapter().verify(eng.credentials));
    expect(signingIn.kind).toBe('offline');
  });
});

/**
 * A valid PNG: one colour, or random pixels (stored uncompressed, so its size is predictable).
 */
function png(width: number, height: number, [r, g, b]: [number, number, number], options: { noise?: boolean } = {}): Uint8Array {
  const row = 1 + width * 3;
  const raw = options.noise ? randomBytes(row * height) : Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0; // filter: none
    if (options.noise) continue;
    for (let x = 0; x < width; x++) raw.set([r, g, b], y * row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw, { level: options.noise ? 0 : 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
