// The Mastodon adapter (masto v6) against the loopback fake instance over real HTTP.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MastodonAdapter } from '../../src/main/platforms/mastodon';
import { PlatformError, type MediaUpload } from '../../src/main/platforms/types';
import { defaultLimits } from '../../src/shared/limits';
import { FakeMastodon, credentialsOf, type FakeMastodonAccount } from '../fakes/mastodon-api';

let fake: FakeMastodon;
let account: FakeMastodonAccount;
let mastodon: MastodonAdapter;
beforeEach(async () => {
  fake = new FakeMastodon();
  await fake.start();
  account = fake.addAccount('StatCan', 'Statistics Canada');
  mastodon = new MastodonAdapter({ timeoutMs: 2_000, mediaProcessingMs: 1_000 });
});
afterEach(async () => {
  await fake.stop();
});

const credentials = () => credentialsOf(fake, account);

/** A delivery key, new per delivery: the publisher's are 13 base32 characters (a TID). */
const newKey = () => randomBytes(8).toString('hex').slice(0, 13);

const publish = (text = 'Hello Canada', options: { lang?: 'en' | 'fr'; media?: MediaUpload[]; key?: string } = {}) =>
  mastodon.publish({
    text,
    lang: options.lang ?? 'en',
    handle: 'StatCan',
    credentials: credentials(),
    media: options.media ?? [],
    key: options.key ?? newKey(),
  });

const lookup = (text: string, since = Date.now() - 5_000) =>
  mastodon.findPublished({ text, lang: 'en', handle: 'StatCan', remoteUserId: account.id, credentials: credentials(), since, key: newKey() });

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }
  throw new Error('expected a failure');
}

// A real 1×1 PNG and GIF, each followed by every byte value (CR, LF, "--" and NUL included), so
// a multipart body that mangled anything would show.
const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
const png = concat(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'), everyByte);
const gif = concat(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'), everyByte.slice().reverse());
function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
const image = (bytes: Uint8Array, mime: string, alt: string): MediaUpload => ({ bytes, mime, alt, width: 1, height: 1 });

describe('verify', () => {
  it('tells whose token this is, as user@instance, with the instance’s own limits', async () => {
    fake.instance = { ...fake.instance, maxCharacters: 1_000, maxMediaAttachments: 6, imageSizeLimit: 8 * 1024 * 1024, descriptionLimit: 2_000 };
    const identity = await mastodon.verify(credentials());
    expect(identity).toEqual({
      remoteUserId: account.id,
      handle: `StatCan@${new URL(fake.url).host}`,
      limits: {
        ...defaultLimits.mastodon,
        maxLength: 1_000,
        maxImages: 6,
        maxImageBytes: 8 * 1024 * 1024,
        maxAltLength: 2_000,
        // Only the image types among the instance's video and audio types.
        imageTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/heic', 'image/heif', 'image/webp', 'image/avif'],
      },
    });
  });

  it('lets a post longer than 500 characters through on an instance that allows 1,000', async () => {
    fake.instance = { ...fake.instance, maxCharacters: 1_000 };
    const { limits } = await mastodon.verify(credentials());
    const long = 'Les données du recensement. '.repeat(30).trim(); // 839 characters
    expect(mastodon.validate(defaultLimits.mastodon, 'fr', long, [])).toMatchObject([{ code: 'text.tooLong' }]);
    expect(mastodon.validate(limits!, 'fr', long, [])).toEqual([]);
    await publish(long, { lang: 'fr' });
    expect(fake.statuses).toHaveLength(1);
  });

  it('keeps the defaults for what an instance does not say (no description_limit before 4.4, no v2 before 4.0)', async () => {
    expect((await mastodon.verify(credentials())).limits!.maxAltLength).toBe(1_500);
    fake.hasInstanceV2 = false;
    expect((await mastodon.verify(credentials())).limits).toEqual(defaultLimits.mastodon);
  });

  it('maps a revoked token to "unauthorized"', async () => {
    const error = await failure(mastodon.verify({ ...credentials(), accessToken: 'revoked' }));
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
  });
});

describe('validate', () => {
  it('counts a link as 23 characters and checks images against the instance’s limits', () => {
    const limits = { ...defaultLimits.mastodon, maxImageBytes: 1024 };
    const text = `${'a'.repeat(470)} https://www.statcan.gc.ca/fr/debut/and/a/very/long/path/indeed`;
    expect(mastodon.validate(limits, 'fr', text, [])).toEqual([]);
    const problems = mastodon.validate(limits, 'fr', text, [
      { mime: 'image/png', bytes: 2048, alt: 'Graphique' },
      { mime: 'image/tiff', bytes: 10, alt: 'x'.repeat(1_501) },
    ]);
    expect(problems.map((p) => p.code)).toEqual(['media.tooLarge', 'media.unsupportedType', 'media.altTooLong']);
  });
});

describe('publish', () => {
  it.each(['none', 'elsewhere'] as const)(
    'links the post to its page on the instance, never to its ActivityPub uri, when the url is %s',
    async (statusUrl) => {
      fake.statusUrl = statusUrl;
      const published = await publish('Bonjour', { lang: 'fr' });
      const [status] = fake.statuses;
      expect(published).toEqual({ remoteId: status!.id, remoteUrl: `${fake.url}/@StatCan/${status!.id}` });
      expect(published.remoteUrl).not.toBe(fake.renderStatus(status!).uri);
    },
  );

  it('posts the text as is, public, in the side’s language, and returns the status id and link', async () => {
    const text = 'Taux de chômage : 6,5 % en août.\n\nDétails : https://www150.statcan.gc.ca/n1/daily-quotidien/240906/dq240906a-fra.htm #StatCan';
    const published = await publish(text, { lang: 'fr' });
    const [status] = fake.statuses;
    expect(status!.body).toMatchObject({ status: text, language: 'fr', visibility: 'public' });
    expect(status!.contentType).toMatch(/^application\/json/);
    expect(status!.language).toBe('fr');
    expect(published).toEqual({ remoteId: status!.id, remoteUrl: `${fake.url}/@StatCan/${status!.id}` });
    // Rendered by the fake as Mastodon does: the link is a link, the accents intact.
    const content = fake.renderStatus(status!).content as string;
    expect(content).toContain('<p>Taux de chômage : 6,5 % en août.</p><p>Détails : <a href="https://www150.statcan.gc.ca/');
    expect(content).toContain('class="mention hashtag"');
  });

  it('uploads each image with its alt text as the description, bytes intact, in order', async () => {
    await publish('Deux graphiques', {
      lang: 'fr',
      media: [image(png, 'image/png', 'Graphique à barres : emploi par province'), image(gif, 'image/gif', 'Carte du Canada')],
    });
    expect(fake.media.map((m) => [m.mime, m.description])).toEqual([
      ['image/png', 'Graphique à barres : emploi par province'],
      ['image/gif', 'Carte du Canada'],
    ]);
    expect(new Uint8Array(fake.media[0]!.bytes)).toEqual(png);
    expect(new Uint8Array(fake.media[1]!.bytes)).toEqual(gif);
    expect(fake.statuses[0]!.mediaIds).toEqual(fake.media.map((m) => m.id));
    // Images already processed are attached at once, without a poll.
    expect(fake.requests.filter((r) => r.path.startsWith('/api/v1/media/'))).toHaveLength(0);
  });

  it('waits for an image the instance is still processing (202), then posts with it', async () => {
    fake.processingPolls = 1;
    await publish('Un graphique', { media: [image(png, 'image/png', 'Graphique')] });
    const media = fake.requests.filter((r) => r.path.startsWith('/api/v2/media') || r.path.startsWith('/api/v1/media/'));
    expect(media.map((r) => r.status)).toEqual([202, 206, 200]);
    expect(fake.statuses[0]!.mediaIds).toEqual([fake.media[0]!.id]);
  });

  it('gives up on an image that never finishes processing without posting, and says to try again', async () => {
    fake.processingPolls = Infinity;
    const error = await failure(publish('Un graphique', { media: [image(png, 'image/png', 'Graphique')] }));
    // Nothing was posted: another attempt is safe and worth making (the instance may be slow).
    expect(error.kind).toBe('ambiguous');
    expect(error.info).toEqual({ code: 'platform.server', params: { status: 202 } });
    expect(fake.statusRequests).toBe(0);
  });

  it('reports an image the instance refuses as a refused image, with Mastodon’s reason', async () => {
    const notAnImage = new TextEncoder().encode('%PDF-1.7 not an image');
    const error = await failure(publish('Un graphique', { media: [image(notAnImage, 'image/png', 'Graphique')] }));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({
      code: 'platform.mediaRejected',
      params: { status: 422, detail: 'Validation failed: File content type is invalid, File is invalid', position: 1 },
    });
    expect(fake.statusRequests).toBe(0);
  });

  it('sends the delivery key as Idempotency-Key, so a second attempt returns the first post', async () => {
    const key = newKey();
    const first = await publish('Une seule fois', { key });
    const again = await publish('Une seule fois', { key });
    expect(again).toEqual(first);
    expect(fake.statusRequests).toBe(2);
    expect(fake.statuses).toHaveLength(1);
    expect(fake.statuses[0]!.idempotencyKey).toBe(key);
    // Another delivery (another key) is another post.
    await publish('Une seule fois', { key: newKey() });
    expect(fake.statuses).toHaveLength(2);
  });

  it('after a timeout whose post did land, finds it, and a retry with the same key makes no second post', async () => {
    const key = newKey();
    fake.failNext('StatCan', { delayMs: 3_000, path: '/api/v1/statuses' });
    const error = await failure(publish('Arrivé en retard', { key }));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.network');
    await waitFor(() => fake.statuses.length === 1);
    const found = await lookup('Arrivé en retard');
    expect(found).toEqual({ remoteId: fake.statuses[0]!.id, remoteUrl: `${fake.url}/@StatCan/${fake.statuses[0]!.id}` });
    expect(await publish('Arrivé en retard', { key })).toEqual(found);
    expect(fake.statuses).toHaveLength(1);
  });
});

describe('errors', () => {
  it('maps 401 to "unauthorized"', async () => {
    const error = await failure(mastodon.publish({ text: 'x', lang: 'en', handle: 'StatCan', credentials: { ...credentials(), accessToken: 'nope' }, media: [], key: newKey() }));
    expect(error.kind).toBe('unauthorized');
    expect(fake.statuses).toHaveLength(0);
  });

  it('maps a token without the needed scope (403) to "unauthorized": a person must authorise again', async () => {
    fake.failNext('StatCan', { status: 403, body: JSON.stringify({ error: 'This action is outside the authorized scopes' }) });
    expect((await failure(publish())).kind).toBe('unauthorized');
  });

  it('maps 429 to "rate limited" until X-RateLimit-Reset (an ISO date)', async () => {
    const reset = new Date(Date.now() + 120_000);
    reset.setMilliseconds(0);
    fake.failNext('StatCan', {
      status: 429,
      body: JSON.stringify({ error: 'Too many requests' }),
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset.toISOString().replace('.000Z', '.000000Z') },
    });
    const error = await failure(publish());
    expect(error.kind).toBe('rateLimited');
    expect(error.retryAt).toBe(reset.getTime());
  });

  it('maps 503 to a server error whose outcome must be checked before resending', async () => {
    fake.failNext('StatCan', { status: 503, body: JSON.stringify({ error: 'Service Unavailable' }) });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info).toEqual({ code: 'platform.server', params: { status: 503 } });
  });

  it('treats a proxy’s HTML error page as an unknown outcome, not as a refusal', async () => {
    fake.failNext('StatCan', { status: 502, body: '<html><body>502 Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.badResponse');
  });

  it('maps a 422 to a permanent refusal carrying Mastodon’s own explanation', async () => {
    const error = await failure(publish('x'.repeat(501)));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.rejected', params: { status: 422, detail: 'Validation failed: Text character limit of 500 exceeded' } });
    expect(fake.statuses).toHaveLength(0);
  });

  it('maps a refused connection to "offline": nothing reached the instance', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await failure(
      mastodon.publish({ text: 'x', lang: 'en', handle: 'StatCan', credentials: { ...credentials(), instance: `http://127.0.0.1:${port}` }, media: [], key: newKey() }),
    );
    expect(error.kind).toBe('offline');
    expect(error.info.code).toBe('platform.network');
  });

  it('maps a timeout to an ambiguous network error (the post may have been made)', async () => {
    fake.failNext('StatCan', { status: 200, delayMs: 3_000 });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.network');
  });
});

describe('findPublished (reconciliation)', () => {
  it('finds a post made since the claim, despite Mastodon returning it as HTML', async () => {
    const text = 'Q&A <en direct> : « l’inflation » ralentit\nà 2,5 %.\n\nhttps://www.statcan.gc.ca/fr/debut #Inflation';
    const published = await publish(text, { lang: 'fr' });
    expect(await lookup(text)).toEqual(published);
    const request = fake.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'GET', path: `/api/v1/accounts/${account.id}/statuses`, status: 200 });
    expect(new URLSearchParams(request.search).get('limit')).toBe('40');
  });

  it('finds a post mentioning a remote account, which Mastodon shows as @user', async () => {
    const text = 'Merci @StatCan_eng@mastodon.social pour le partage';
    const published = await publish(text);
    expect(fake.renderStatus(fake.statuses[0]!).content).toContain('@<span>StatCan_eng</span></a></span> pour');
    expect(await lookup(text)).toEqual(published);
  });

  it('finds nothing when the text was never posted, or was posted before the claim', async () => {
    await publish('Vieille nouvelle');
    expect(await lookup('Jamais publié')).toBeNull();
    expect(await lookup('Vieille nouvelle', Date.now() + 120_000)).toBeNull();
  });

  it('reads past the first page, following the Link header: a post under 100 newer ones is found', async () => {
    const since = Date.now() - 10_000;
    const target = fake.seedStatus(account, 'Enfoui sous les nouvelles', Date.now() - 5_000);
    for (let i = 0; i < 100; i++) fake.seedStatus(account, `Plus récent ${i}`);
    expect(await lookup('Enfoui sous les nouvelles', since)).toEqual({ remoteId: target.id, remoteUrl: `${fake.url}/@StatCan/${target.id}` });
    const pages = fake.requests.filter((r) => r.path === `/api/v1/accounts/${account.id}/statuses`);
    expect(pages).toHaveLength(3);
    expect(new URLSearchParams(pages[1]!.search).get('max_id')).toMatch(/^\d+$/);
  });

  it('stops reading at posts older than the claim (less a minute for clock skew)', async () => {
    for (let i = 0; i < 200; i++) fake.seedStatus(account, `Hier ${i}`, Date.now() - 86_400_000 + i);
    fake.seedStatus(account, 'Il y a 30 secondes', Date.now() - 30_000);
    expect(await lookup('Il y a 30 secondes', Date.now())).not.toBeNull();
    expect(await lookup('Jamais publié')).toBeNull();
    expect(fake.requests.filter((r) => r.path.endsWith('/statuses'))).toHaveLength(2);
  });

  it('says it cannot tell, rather than "not posted", when the window holds more posts than ten pages', async () => {
    for (let i = 0; i < 401; i++) fake.seedStatus(account, `Journée chargée ${i}`);
    const error = await failure(lookup('Jamais publié'));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.lookupIncomplete');
    expect(fake.requests.filter((r) => r.path.endsWith('/statuses'))).toHaveLength(10);
  });

  it('says "not posted" after reading every post, even when that took exactly ten pages', async () => {
    for (let i = 0; i < 399; i++) fake.seedStatus(account, `Journée chargée ${i}`);
    expect(await lookup('Jamais publié')).toBeNull();
  });

  it('reports a failed look-up as an error, never as "not posted"', async () => {
    fake.failNext('StatCan', { status: 503, body: JSON.stringify({ error: 'Service Unavailable' }), path: /\/statuses$/ });
    expect((await failure(lookup('anything'))).kind).toBe('ambiguous');
  });
});

describe('fetchMetrics', () => {
  it('reads favourites, boosts and replies; Mastodon counts no views', async () => {
    const { remoteId } = await publish('Populaire');
    Object.assign(fake.statuses[0]!, { favourites: 12, reblogs: 3, replies: 1 });
    expect(await mastodon.fetchMetrics({ remoteId, remoteUserId: account.id, handle: 'StatCan', credentials: credentials() })).toEqual({
      likes: 12,
      reposts: 3,
      replies: 1,
      impressions: null,
    });
  });

  it('reports a deleted post as a permanent refusal', async () => {
    const error = await failure(mastodon.fetchMetrics({ remoteId: '1', remoteUserId: account.id, handle: 'StatCan', credentials: credentials() }));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.rejected', params: { status: 404, detail: 'Record not found' } });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
