// The X adapter (twitter-api-v2) against the loopback fake X API over real HTTP.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { ApiResponseError, TwitterApi } from 'twitter-api-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XAdapter, isSameText } from '../../src/main/platforms/x';
import { PlatformError, type MediaUpload } from '../../src/main/platforms/types';
import { defaultLimits } from '../../src/shared/limits';
import { xCredentialsSchema } from '../../src/shared/credentials';
import { FakeX, credentialsOf, fakeAccount, type FakeXAccount } from '../fakes/x-api';

let fake: FakeX;
let account: FakeXAccount;
let x: XAdapter;
beforeEach(async () => {
  fake = new FakeX();
  await fake.start();
  account = fakeAccount(fake, 'StatCan_eng');
  x = new XAdapter({ apiBase: fake.url, timeoutMs: 2_000 });
});
afterEach(async () => {
  await fake.stop();
});

const KEY = '3lbcdefghijkl';
const publish = (text = 'Hello Canada', media: MediaUpload[] = []) =>
  x.publish({ text, lang: 'en', handle: account.username, credentials: credentialsOf(account), media, key: KEY });

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }
  throw new Error('expected a failure');
}

/**
 * A real PNG: signature, IHDR, one IDAT of width × height pixels of one colour, IEND, each chunk
 * with its CRC-32. `padTo` adds a private ancillary chunk of random bytes (decoders skip it) to
 * reach that file size, so a misplaced or dropped segment cannot go unnoticed.
 */
function png(width: number, height: number, rgb: [number, number, number], padTo = 0): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.from([0, ...Array.from({ length: width }, () => rgb).flat()]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels)];
  const size = parts.reduce((n, p) => n + p.length, 0) + 12;
  if (padTo > size + 12) parts.push(chunk('prVt', randomBytes(padTo - size - 12)));
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

const image = (bytes: Uint8Array, alt: string, mime = 'image/png'): MediaUpload => ({ bytes, mime, alt, width: 4, height: 3 });
const facts = (item: MediaUpload) => ({ mime: item.mime, bytes: item.bytes.byteLength, alt: item.alt });
const MB = 1024 * 1024;
const colours: [number, number, number][] = [
  [0, 94, 184],
  [213, 43, 30],
  [255, 255, 255],
  [38, 55, 74],
  [120, 200, 80],
];

/** twitter-api-v2 itself, signed as `who`, aimed at the fake: to ask X what the adapter never would. */
function rawClient(who: FakeXAccount): TwitterApi {
  const target = new URL(fake.url);
  return new TwitterApi(
    { appKey: who.appKey, appSecret: who.appSecret, accessToken: who.accessToken, accessSecret: who.accessSecret },
    {
      httpAgent: new http.Agent(),
      plugins: [
        {
          onBeforeRequestConfig({ params }) {
            const url = new URL(params.url.startsWith('http') ? params.url : `https://${params.url}`);
            url.protocol = target.protocol;
            url.host = target.host;
            params.url = url.toString();
          },
        },
      ],
    },
  );
}

async function apiError(promise: Promise<unknown>): Promise<ApiResponseError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiResponseError);
    return error as ApiResponseError;
  }
  throw new Error('expected X to refuse');
}

describe('the adapter', () => {
  it('is X’s: its credentials (platform "x") and limits', () => {
    expect(x.platform).toBe('x');
    expect(x.limits).toBe(defaultLimits.x);
    expect(x.credentialsSchema).toBe(xCredentialsSchema);
    expect(x.credentialsSchema.parse(credentialsOf(account))).toEqual({ ...credentialsOf(account), platform: 'x' });
    expect(x.credentialsSchema.safeParse({ ...credentialsOf(account), platform: 'mastodon' }).success).toBe(false);
  });

  it('validates text as X counts it, and images', () => {
    expect(x.validate(x.limits, 'fr', 'Bonjour', [])).toEqual([]);
    expect(x.validate(x.limits, 'fr', 'é'.repeat(281), [])).toEqual([{ code: 'text.tooLong', params: { lang: 'fr', length: 281, max: 280 } }]);
    expect(x.validate(x.limits, 'en', '   ', [])).toEqual([{ code: 'text.empty', params: { lang: 'en' } }]);
    expect(x.validate(x.limits, 'en', 'Hi', [{ mime: 'image/heic', bytes: 1_000, alt: 'A photo' }])).toEqual([
      { code: 'media.unsupportedType', params: { lang: 'en', position: 1, type: 'HEIC' } },
    ]);
    expect(x.validate(x.limits, 'en', 'Hi', [{ mime: 'image/png', bytes: 1_000, alt: 'a'.repeat(1_001) }])).toEqual([
      { code: 'media.altTooLong', params: { lang: 'en', position: 1, length: 1_001, max: 1_000 } },
    ]);
  });
});

describe('POST /2/tweets', () => {
  it('sends a signed JSON request with the text and returns the post id and link', async () => {
    const published = await publish('Hello Canada');
    expect(fake.posts).toHaveLength(1);
    const [post] = fake.posts;
    expect(post!.body).toEqual({ text: 'Hello Canada' });
    expect(post!.contentType).toMatch(/^application\/json/);
    expect(published).toEqual({ remoteId: post!.id, remoteUrl: `https://x.com/StatCan_eng/status/${post!.id}` });
    expect(fake.requests).toEqual([{ method: 'POST', path: '/2/tweets', username: 'StatCan_eng', status: 201 }]);
  });

  it('sends exactly { text }: no language and no key, which X has no field for', async () => {
    await x.publish({ text: 'Bonjour le Canada', lang: 'fr', handle: account.username, credentials: credentialsOf(account), media: [], key: KEY });
    const body = fake.posts[0]!.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['text']);
    expect(body).toStrictEqual({ text: 'Bonjour le Canada' });
  });

  it('is refused by the fake when signed with the wrong secret (the signature is really checked)', async () => {
    const error = await failure(
      x.publish({ text: 'Hi', lang: 'en', handle: account.username, credentials: { ...credentialsOf(account), accessSecret: 'wrong' }, media: [], key: KEY }),
    );
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
    expect(fake.posts).toHaveLength(0);
  });

  it('maps 429 to "rate limited" and waits until x-rate-limit-reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    fake.failNext('StatCan_eng', { status: 429, headers: { 'x-rate-limit-reset': String(reset), 'x-rate-limit-remaining': '0' } });
    const error = await failure(publish());
    expect(error.kind).toBe('rateLimited');
    expect(error.retryAt).toBe(reset * 1000);
  });

  it('maps 5xx to a server error whose outcome must be checked before resending', async () => {
    fake.failNext('StatCan_eng', { status: 503 });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info).toEqual({ code: 'platform.server', params: { status: 503 } });
  });

  it('maps a duplicate refusal to a permanent error', async () => {
    await publish('Same words');
    const error = await failure(publish('Same words'));
    expect(error.kind).toBe('permanent');
    expect(error.info.code).toBe('platform.duplicate');
  });

  it('maps other 4xx to "rejected", carrying the platform’s own explanation', async () => {
    fake.failNext('StatCan_eng', { status: 400, body: JSON.stringify({ title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.' }) });
    const error = await failure(publish());
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({
      code: 'platform.rejected',
      params: { status: 400, detail: 'One or more parameters to your request was invalid.' },
    });
  });

  it.each([
    ['a body that is not JSON', '<html>oops</html>'],
    ['JSON without a post id', JSON.stringify({ data: {} })],
    ['an id that is not a number', JSON.stringify({ data: { id: '../../evil', text: 'x' } })],
  ])('treats %s as a bad response', async (_name, body) => {
    fake.failNext('StatCan_eng', { status: 201, body });
    const error = await failure(publish());
    expect(error.info.code).toBe('platform.badResponse');
  });

  it('maps a timeout to an ambiguous network error (the post may have been made)', async () => {
    fake.failNext('StatCan_eng', { status: 201, delayMs: 3_000 });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.network');
  });

  it('maps a refused connection to "offline": nothing reached X, sending again is safe', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const offline = new XAdapter({ apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const error = await failure(offline.publish({ text: 'x', lang: 'en', handle: 'a', credentials: credentialsOf(account), media: [], key: KEY }));
    expect(error.kind).toBe('offline');
    expect(error.info.code).toBe('platform.network');
  });
});

describe('images', () => {
  const uploadPaths = (id: string) => [
    ['POST', '/2/media/upload/initialize'],
    ['POST', `/2/media/upload/${id}/append`],
    ['POST', `/2/media/upload/${id}/finalize`],
    ['POST', '/2/media/metadata'],
  ];

  it('uploads one image (v2 chunked upload), sets its alt text, then posts { text, media: { media_ids } }', async () => {
    const file = png(4, 3, colours[0]!);
    const published = await publish('Census day', [image(file, 'Bar chart of population growth by province')]);

    const [post] = fake.posts;
    expect(post!.mediaIds).toHaveLength(1);
    const [id] = post!.mediaIds;
    expect(post!.body).toStrictEqual({ text: 'Census day', media: { media_ids: [id] } });
    expect(published.remoteId).toBe(post!.id);
    const [media] = fake.mediaOf(post!);
    expect(media!.bytes.equals(file)).toBe(true);
    expect(media).toMatchObject({ mime: 'image/png', category: 'tweet_image', totalBytes: file.length, alt: 'Bar chart of population growth by province', username: 'StatCan_eng', state: 'succeeded' });
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([...uploadPaths(id!), ['POST', '/2/tweets']]);
    expect(fake.requests.every((r) => r.username === 'StatCan_eng' && r.status < 300)).toBe(true);
  });

  it('uploads four images with English alt text, each intact, in order, each with its own alt text', async () => {
    const files = colours.slice(0, 4).map((rgb, i) => png(8 + i, 6 + i, rgb));
    const alts = ['Map of Canada', 'Line graph: CPI 2020–2025', 'Photo of a survey team', 'Table of labour force figures'];
    // One of them a view into a larger buffer, as a Uint8Array handed over from elsewhere would be.
    const padded = new Uint8Array(files[3]!.length + 16);
    padded.set(files[3]!, 8);
    const media = [image(files[0]!, alts[0]!), image(Uint8Array.from(files[1]!), alts[1]!), image(files[2]!, alts[2]!), image(padded.subarray(8, 8 + files[3]!.length), alts[3]!)];
    expect(x.validate(x.limits, 'en', 'Four charts', media.map(facts))).toEqual([]);

    await publish('Four charts', media);

    const [post] = fake.posts;
    expect(post!.body).toStrictEqual({ text: 'Four charts', media: { media_ids: post!.mediaIds } });
    expect(post!.mediaIds).toHaveLength(4);
    expect(new Set(post!.mediaIds).size).toBe(4);
    fake.mediaOf(post!).forEach((received, i) => {
      expect(received.bytes.equals(files[i]!)).toBe(true);
      expect(received.mime).toBe('image/png');
      expect(received.alt).toBe(alts[i]);
    });
    expect(fake.requests.filter((r) => r.path === '/2/media/metadata')).toHaveLength(4);
  });

  it('sends a multi-megabyte image in 1 MB segments that X reassembles byte for byte', async () => {
    const file = png(16, 16, colours[1]!, Math.round(2.5 * MB));
    await publish('Big chart', [image(file, 'A detailed chart')]);
    const [media] = fake.mediaOf(fake.posts[0]!);
    expect(media!.bytes.equals(file)).toBe(true);
    expect(fake.requests.filter((r) => r.path.endsWith('/append'))).toHaveLength(3);
  });

  it('refuses a fifth image in validate, and publish sends nothing for it', async () => {
    const media = colours.map((rgb, i) => image(png(2, 2, rgb), `Image ${i + 1}`));
    expect(x.validate(x.limits, 'en', 'Five', media.map(facts))).toEqual([{ code: 'media.tooMany', params: { lang: 'en', count: 5, max: 4 } }]);
    const error = await failure(publish('Five', media));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'media.tooMany', params: { lang: 'en', count: 5, max: 4 } });
    expect(fake.requests).toEqual([]);
    expect(fake.media.size).toBe(0);
  });

  it('refuses a 6 MB image in validate; sent anyway, X refuses it and nothing is posted', async () => {
    const big = image(png(16, 16, colours[2]!, 6 * MB), 'A very large photo');
    expect(big.bytes.byteLength).toBe(6 * MB);
    expect(x.validate(x.limits, 'en', 'Too big', [facts(big)])).toEqual([
      { code: 'media.tooLarge', params: { lang: 'en', position: 1, size: 6, max: 5 } },
    ]);
    const error = await failure(publish('Too big', [big]));
    expect(error.kind).toBe('permanent');
    expect(error.info).toMatchObject({ code: 'platform.mediaRejected', params: { status: 400, position: 1, detail: expect.stringMatching(/File size exceeds/) } });
    // Refused at INIT, before any byte of the file was sent.
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([['/2/media/upload/initialize', 400]]);
    expect(fake.posts).toHaveLength(0);
  });

  it('alt text over 1,000 characters: refused by validate, and by X if sent anyway', async () => {
    const item = image(png(2, 2, colours[3]!), 'a'.repeat(1_001));
    expect(x.validate(x.limits, 'en', 'Alt', [facts(item)])).toEqual([{ code: 'media.altTooLong', params: { lang: 'en', position: 1, length: 1_001, max: 1_000 } }]);
    const error = await failure(publish('Alt', [item]));
    expect(error.info).toMatchObject({ code: 'platform.mediaRejected', params: { status: 400, position: 1 } });
    expect(fake.posts).toHaveLength(0);
  });

  it('refuses a type X does not take before sending anything', async () => {
    const error = await failure(publish('HEIC', [image(png(2, 2, colours[0]!), 'Photo', 'image/heic')]));
    expect(error.info).toEqual({ code: 'media.unsupportedType', params: { position: 1, type: 'HEIC' } });
    expect(fake.requests).toEqual([]);
  });

  it('a file that is not what it claims to be is refused by X as that image', async () => {
    const jpegAsPng = image(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]), 'Photo');
    const ok = image(png(2, 2, colours[0]!), 'Chart');
    const error = await failure(publish('Mislabelled', [ok, jpegAsPng]));
    expect(error.info).toMatchObject({ code: 'platform.mediaRejected', params: { status: 400, position: 2 } });
    expect(fake.posts).toHaveLength(0);
  });

  it('waits while X processes an image (STATUS), then posts it', async () => {
    fake.mediaProcessingChecks = 1;
    const file = png(3, 3, colours[4]!);
    await publish('Processed', [image(file, 'Chart')]);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path === '/2/media/upload')).toHaveLength(2);
    expect(fake.mediaOf(fake.posts[0]!)[0]!.bytes.equals(file)).toBe(true);
  });

  it('an image X fails to process is refused for good, and nothing is posted', async () => {
    fake.mediaProcessingChecks = 1;
    fake.mediaProcessingFails = true;
    const error = await failure(publish('Unprocessable', [image(png(3, 3, colours[4]!), 'Chart')]));
    expect(error.kind).toBe('permanent');
    expect(error.info).toMatchObject({ code: 'platform.mediaRejected', params: { position: 1, detail: expect.stringMatching(/processing failed/) } });
    expect(fake.posts).toHaveLength(0);
  });

  it('a server error during the upload is retried after a look-up; nothing was posted', async () => {
    fake.failNext('StatCan_eng', { status: 503, path: /\/append$/ });
    const error = await failure(publish('Interrupted', [image(png(2, 2, colours[0]!), 'Chart')]));
    expect(error.kind).toBe('ambiguous');
    expect(error.info).toEqual({ code: 'platform.server', params: { status: 503 } });
    expect(fake.posts).toHaveLength(0);
    expect(fake.requests.some((r) => r.path === '/2/tweets')).toBe(false);
  });

  it('credentials refused during the upload are "unauthorized", not an image problem', async () => {
    fake.failNext('StatCan_eng', { status: 401, path: '/2/media/upload/initialize' });
    const error = await failure(publish('Unauthorised', [image(png(2, 2, colours[0]!), 'Chart')]));
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
  });
});

describe('the fake, refusing what X refuses', () => {
  const upload = (client: TwitterApi, rgb: [number, number, number]) => client.v2.uploadMedia(png(2, 2, rgb), { media_type: 'image/png' });

  it('media ids that do not exist, that are another account’s, or more than four', async () => {
    const mine = rawClient(account);
    const other = fakeAccount(fake, 'Other_eng');
    const theirs = await upload(rawClient(other), colours[0]!);
    const ids = [];
    for (const rgb of colours) ids.push(await upload(mine, rgb));

    for (const media_ids of [['1234567890'], [theirs], ids, [ids[0], ids[0]]]) {
      const error = await apiError(mine.v2.post('tweets', { text: `With ${media_ids.length}`, media: { media_ids } }));
      expect(error.code).toBe(400);
    }
    expect(fake.posts).toHaveLength(0);
    // The same four of the account's own are fine.
    await mine.v2.post('tweets', { text: 'With four', media: { media_ids: ids.slice(0, 4) } });
    expect(fake.posts[0]!.mediaIds).toEqual(ids.slice(0, 4));
  });

  it('fields X does not know, in the post or in its media', async () => {
    const mine = rawClient(account);
    const id = await upload(mine, colours[0]!);
    expect((await apiError(mine.v2.post('tweets', { text: 'Hi', lang: 'en' }))).code).toBe(400);
    expect((await apiError(mine.v2.post('tweets', { text: 'Hi', media: { media_ids: [id], alt: 'x' } }))).code).toBe(400);
    expect(fake.posts).toHaveLength(0);
  });

  it('signs a url-encoded body’s parameters, and not a multipart or JSON body', async () => {
    const mine = rawClient(account);
    // Signed with its parameters, as twitter-api-v2 signs url-encoded bodies: through the
    // signature check, refused only for not being JSON.
    const signed = await apiError(mine.v2.post('tweets', { text: 'form' }, { forceBodyMode: 'url' }));
    expect(signed.code).toBe(415);
    // The same body, signed without its parameters: the signature does not match.
    const unsigned = await apiError(
      mine.v2.post('tweets', Buffer.from('text=form'), { forceBodyMode: 'url', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );
    expect(unsigned.code).toBe(401);
    // Multipart APPEND and JSON bodies are signed without them, and accepted.
    await upload(mine, colours[0]!);
    expect(fake.requests.filter((r) => r.path.endsWith('/append') && r.status === 200)).toHaveLength(1);
  });
});

describe('GET /2/tweets/:id (metrics)', () => {
  const metrics = (remoteId: string) =>
    x.fetchMetrics({ remoteId, remoteUserId: account.userId, handle: account.username, credentials: credentialsOf(account) });

  it('reads likes, reposts (quotes included), replies and impressions from public_metrics', async () => {
    const { remoteId } = await publish('Labour Force Survey, May');
    fake.setMetrics(remoteId, { like_count: 42, retweet_count: 7, quote_count: 3, reply_count: 5, impression_count: 12_345, bookmark_count: 2 });
    expect(await metrics(remoteId)).toEqual({ likes: 42, reposts: 10, replies: 5, impressions: 12_345 });
    expect(fake.requests.at(-1)).toEqual({ method: 'GET', path: `/2/tweets/${remoteId}`, username: 'StatCan_eng', status: 200 });
  });

  it('reads zeros for a post nobody has seen yet', async () => {
    const { remoteId } = await publish('Quiet news');
    expect(await metrics(remoteId)).toEqual({ likes: 0, reposts: 0, replies: 0, impressions: 0 });
  });

  it('a post X no longer shows is refused for good, with X’s explanation', async () => {
    const error = await failure(metrics('1234567890123'));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.rejected', params: { status: 404, detail: 'Could not find tweet with id: [1234567890123].' } });
  });

  it('maps a failed read like any other request', async () => {
    const { remoteId } = await publish('Busy');
    fake.failNext('StatCan_eng', { status: 429, headers: { 'x-rate-limit-reset': '2000000000' } });
    const error = await failure(metrics(remoteId));
    expect(error.kind).toBe('rateLimited');
    expect(error.retryAt).toBe(2_000_000_000_000);
  });
});

describe('GET /2/users/:id/tweets (reconciliation)', () => {
  const lookup = (text: string, since = Date.now() - 5_000) =>
    x.findPublished({ text, lang: 'en', handle: account.username, remoteUserId: account.userId, credentials: credentialsOf(account), since, key: KEY });

  it('finds a post the account made since the claim, and its link', async () => {
    const published = await publish('Housing starts, October');
    expect(await lookup('Housing starts, October')).toEqual(published);
    const request = fake.requests.at(-1)!;
    expect(request).toEqual({ method: 'GET', path: `/2/users/${account.userId}/tweets`, username: 'StatCan_eng', status: 200 });
  });

  it('finds a post with images, whose text X returns ending with the images’ t.co link', async () => {
    const published = await publish('Wholesale trade, March', [image(png(2, 2, colours[0]!), 'Chart')]);
    expect(await lookup('Wholesale trade, March')).toEqual(published);
    // Without images, a text followed by a link is not the same post.
    await publish('Retail sales, March https://t.co/abc');
    expect(await lookup('Retail sales, March')).toBeNull();
  });

  it('finds nothing when the text was never posted, or was posted before the claim', async () => {
    await publish('Old news');
    expect(await lookup('Never posted')).toBeNull();
    expect(await lookup('Old news', Date.now() + 120_000)).toBeNull();
  });

  it('matches the text X returns with t.co links and escaped entities', () => {
    expect(isSameText('Q&A <live> https://www.statcan.gc.ca/en/q-and-a', 'Q&amp;A &lt;live&gt; https://t.co/abc123')).toBe(true);
    // A literal tag in the sent text is text on X, not markup to strip.
    expect(isSameText('Use <b> for bold', 'Use &lt;b&gt; for bold')).toBe(true);
    expect(isSameText('Use <b> for bold', 'Use  for bold')).toBe(false);
    expect(isSameText('Données : 5 %', 'Données : 6 %')).toBe(false);
    expect(isSameText('Chart', 'Chart https://t.co/xyz', true)).toBe(true);
    expect(isSameText('Chart', 'Chart https://t.co/xyz', false)).toBe(false);
  });

  it('reads past the first page: a post buried under 150 newer ones is still found, not resent', async () => {
    const since = Date.now() - 1_000;
    await publish('Buried under newer posts');
    for (let i = 0; i < 150; i++) await publish(`Newer post ${i}`);
    const before = fake.requests.length;
    expect(await lookup('Buried under newer posts', since)).toMatchObject({ remoteId: expect.stringMatching(/^\d+$/) });
    const pages = fake.requests.slice(before).filter((r) => r.path === `/2/users/${account.userId}/tweets`);
    expect(pages).toHaveLength(2);
  });

  it('says it cannot tell, rather than "not posted", when the window holds more posts than it reads', async () => {
    const since = Date.now() - 1_000;
    for (let i = 0; i < 1_001; i++) await publish(`Busy day ${i}`);
    const error = await failure(lookup('Never posted', since));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.lookupIncomplete');
  }, 60_000);

  it('reports a failed look-up as an error, never as "not posted"', async () => {
    fake.failNext('StatCan_eng', { status: 503, path: `/2/users/${account.userId}/tweets` });
    const error = await failure(lookup('anything'));
    expect(error.kind).toBe('ambiguous');
  });
});

describe('GET /2/users/me', () => {
  it('tells whose credentials these are', async () => {
    expect(await x.verify(credentialsOf(account))).toEqual({ remoteUserId: account.userId, handle: 'StatCan_eng' });
  });
});
