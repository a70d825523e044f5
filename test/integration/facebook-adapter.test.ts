// The Facebook Pages adapter (plain fetch) against the loopback fake Graph API over real HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FacebookAdapter, GRAPH_VERSION } from '../../src/main/platforms/facebook';
import { PlatformError, type MediaUpload } from '../../src/main/platforms/types';
import { FakeFacebook, credentialsOf, fakePage, type FakeFacebookPage } from '../fakes/facebook-api';

let fake: FakeFacebook;
let page: FakeFacebookPage;
let facebook: FacebookAdapter;
beforeEach(async () => {
  fake = new FakeFacebook();
  await fake.start();
  page = fakePage(fake, { username: 'StatisticsCanada', name: 'Statistics Canada' });
  facebook = new FacebookAdapter({ apiBase: fake.url, timeoutMs: 2_000 });
});
afterEach(async () => {
  await fake.stop();
});

const path = (rest: string) => `/${GRAPH_VERSION}/${rest}`;

const publish = (text = 'Hello Canada', media: MediaUpload[] = [], lang: 'en' | 'fr' = 'en') =>
  facebook.publish({ text, lang, handle: 'StatisticsCanada', credentials: credentialsOf(page), media, key: '3lbq2v6bxyz2a' });

const lookup = (text: string, since = Date.now() - 5_000) =>
  facebook.findPublished({
    text,
    lang: 'en',
    handle: 'StatisticsCanada',
    remoteUserId: page.pageId,
    credentials: credentialsOf(page),
    since,
    key: '3lbq2v6bxyz2a',
  });

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }
  throw new Error('expected a failure');
}

/** Distinct bytes per image, so a swapped or truncated upload shows. */
function image(seed: number, alt: string, mime = 'image/png'): MediaUpload {
  const bytes = new Uint8Array(2_000 + seed);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 7) % 256;
  return { bytes, mime, alt, width: 1200, height: 675 };
}

const graphError = (code: number, message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ error: { message, type: 'OAuthException', code, fbtrace_id: 'AbCdEf', ...extra } });

describe('verify (GET /me)', () => {
  it('tells which Page the token acts as, known by its username', async () => {
    expect(await facebook.verify(credentialsOf(page))).toEqual({ remoteUserId: page.pageId, handle: 'StatisticsCanada' });
    expect(fake.requests).toMatchObject([{ method: 'GET', path: path('me'), tokenIn: 'header', status: 200 }]);
  });

  it('falls back to the Page id for a Page without a username', async () => {
    const plain = fakePage(fake);
    expect(await facebook.verify(credentialsOf(plain))).toEqual({ remoteUserId: plain.pageId, handle: plain.pageId });
  });

  it("refuses another Page's token for this Page: it could read the Page but never post as it", async () => {
    const other = fakePage(fake, { username: 'SomeoneElse' });
    const error = await failure(facebook.verify({ ...credentialsOf(page), pageAccessToken: other.token }));
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
  });

  it('maps a token Graph does not accept (#190, with HTTP 400) to "unauthorized"', async () => {
    const error = await failure(facebook.verify({ ...credentialsOf(page), pageAccessToken: 'EAAGexpired' }));
    expect(error.kind).toBe('unauthorized');
  });
});

describe('publish (POST /{page-id}/feed)', () => {
  it('posts the text exactly, link and French accents included, and links to the post', async () => {
    const text = 'Les mises en chantier ont augmenté de 5 % en octobre. « Données » : https://www150.statcan.gc.ca/n1/daily-quotidien/251117/dq251117a-fra.htm?utm_source=fb&x=1';
    const published = await publish(text, [], 'fr');
    const [post] = fake.posts;
    expect(post!.message).toBe(text);
    expect(post!.pageId).toBe(page.pageId);
    expect(published).toEqual({ remoteId: post!.id, remoteUrl: `https://www.facebook.com/${post!.id}` });
    expect(published.remoteId).toMatch(new RegExp(`^${page.pageId}_\\d+$`));
    // The token travels in the Authorization header, never in a URL that logs would keep.
    expect(post!.tokenIn).toBe('header');
    expect(fake.requests).toMatchObject([{ method: 'POST', path: path(`${page.pageId}/feed`), status: 200 }]);
  });

  it('uploads one image unpublished with its alt text, then attaches it to the post', async () => {
    const picture = image(1, 'Bar chart of housing starts by province, October 2025');
    await publish('Housing starts, October', [picture]);
    expect(fake.photos).toHaveLength(1);
    const [photo] = fake.photos;
    expect(photo!.bytes).toEqual(picture.bytes);
    expect(photo!.mime).toBe('image/png');
    expect(photo!.alt).toBe('Bar chart of housing starts by province, October 2025');
    expect(photo!.published).toBe(false);
    const [post] = fake.posts;
    expect(post!.photoIds).toEqual([photo!.id]);
    expect(photo!.postId).toBe(post!.id);
    expect(fake.requests.map((r) => r.path)).toEqual([path(`${page.pageId}/photos`), path(`${page.pageId}/feed`)]);
  });

  it('makes one post of three images, in order, each with its French alt text and its own bytes', async () => {
    const pictures = [
      image(1, 'Graphique à barres des mises en chantier, par province'),
      image(2, 'Carte du Québec : « régions métropolitaines »', 'image/jpeg'),
      image(3, 'Tableau (2024–2025) des écarts', 'image/gif'),
    ];
    await publish('Mises en chantier, octobre', pictures, 'fr');
    expect(fake.posts).toHaveLength(1);
    const photos = fake.posts[0]!.photoIds.map((id) => fake.photo(id)!);
    expect(photos.map((p) => p.alt)).toEqual(pictures.map((p) => p.alt));
    expect(photos.map((p) => p.bytes)).toEqual(pictures.map((p) => p.bytes));
    expect(photos.map((p) => p.mime)).toEqual(['image/png', 'image/jpeg', 'image/gif']);
    expect(photos.every((p) => !p.published)).toBe(true);
  });

  it('maps the same message twice in a row (#506) to a permanent duplicate', async () => {
    await publish('Same words');
    const error = await failure(publish('Same words'));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.duplicate' });
    expect(fake.posts).toHaveLength(1);
  });

  it('maps an expired token (#190) to "unauthorized", so the account waits for re-authorisation', async () => {
    fake.failNext(page.pageId, { status: 400, body: graphError(190, 'Error validating access token: Session has expired', { error_subcode: 463 }) });
    const error = await failure(publish());
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
  });

  it('maps a missing permission (#200) to "unauthorized": only re-authorising fixes it', async () => {
    fake.failNext(page.pageId, { status: 403, body: graphError(200, '(#200) Requires pages_manage_posts permission to manage the object') });
    const error = await failure(publish());
    expect(error.kind).toBe('unauthorized');
  });

  it('maps the Page rate limit (#32) to "rate limited", until the usage header says access returns', async () => {
    const usage = { [page.pageId]: [{ type: 'pages', call_count: 100, total_cputime: 12, total_time: 30, estimated_time_to_regain_access: 7 }] };
    fake.failNext(page.pageId, {
      status: 400,
      body: graphError(32, '(#32) Page request limit reached'),
      headers: { 'x-business-use-case-usage': JSON.stringify(usage) },
    });
    const before = Date.now();
    const error = await failure(publish());
    expect(error.kind).toBe('rateLimited');
    expect(error.info).toEqual({ code: 'platform.rateLimited' });
    expect(error.retryAt).toBeGreaterThanOrEqual(before + 7 * 60_000);
    expect(error.retryAt).toBeLessThanOrEqual(Date.now() + 7 * 60_000);
  });

  it.each([
    ['app limit (#4) with X-App-Usage', 4, { 'x-app-usage': JSON.stringify({ call_count: 100, total_time: 40, total_cputime: 20, estimated_time_to_regain_access: 2 }) }, 2],
    ['user limit (#17) without a usage header', 17, {}, null],
    ['call limit (#613) without a usage header', 613, {}, null],
  ])('maps the %s to "rate limited"', async (_name, code, headers, minutes) => {
    fake.failNext(page.pageId, { status: 400, body: graphError(code, `(#${code}) limit reached`), headers });
    const before = Date.now();
    const error = await failure(publish());
    expect(error.kind).toBe('rateLimited');
    if (minutes === null) expect(error.retryAt).toBeUndefined();
    else expect(error.retryAt).toBeGreaterThanOrEqual(before + minutes * 60_000);
  });

  it('maps HTTP 429 with Retry-After to "rate limited" at that time', async () => {
    fake.failNext(page.pageId, { status: 429, headers: { 'retry-after': '120' } });
    const before = Date.now();
    const error = await failure(publish());
    expect(error.kind).toBe('rateLimited');
    expect(error.retryAt).toBeGreaterThanOrEqual(before + 120_000);
  });

  it('maps 5xx to a server error whose outcome must be checked before resending', async () => {
    fake.failNext(page.pageId, { status: 500, body: graphError(1, 'An unknown error has occurred.') });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info).toEqual({ code: 'platform.server', params: { status: 500 } });
  });

  it('maps a temporary service error (#2) to "ambiguous", whatever its HTTP status', async () => {
    fake.failNext(page.pageId, { status: 400, body: graphError(2, 'An unexpected error has occurred. Please retry your request later.', { is_transient: true }) });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.server');
  });

  it('maps other refusals to "rejected", carrying Graph’s own message', async () => {
    fake.failNext(page.pageId, { status: 400, body: graphError(100, '(#100) Param message must be a string no longer than 63206 characters') });
    const error = await failure(publish());
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({
      code: 'platform.rejected',
      params: { status: 400, detail: '(#100) Param message must be a string no longer than 63206 characters' },
    });
  });

  it('maps a refused image to "media rejected", naming which image, and makes no post', async () => {
    fake.failNext(page.pageId, { status: 400, path: path(`${page.pageId}/photos`), body: graphError(324, '(#324) Missing or invalid image file') }, 1);
    const error = await failure(publish('Two charts', [image(1, 'First'), image(2, 'Second')]));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.mediaRejected', params: { status: 400, detail: '(#324) Missing or invalid image file', position: 1 } });
    expect(fake.posts).toHaveLength(0);
  });

  it.each([
    ['a body that is not JSON', '<html>oops</html>'],
    ['JSON without a post id', JSON.stringify({ success: true })],
    ['an id that is not a Page post id', JSON.stringify({ id: '../../evil' })],
  ])('treats %s as a bad response (it may have posted)', async (_name, body) => {
    fake.failNext(page.pageId, { status: 200, body });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.badResponse');
  });

  it('maps a timeout to an ambiguous network error (the post may have been made)', async () => {
    fake.failNext(page.pageId, { status: 200, delayMs: 3_000, body: JSON.stringify({ id: `${page.pageId}_1` }) });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.network');
  });

  it('maps a refused connection to "offline": nothing reached Facebook, sending again is safe', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const offline = new FacebookAdapter({ apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const error = await failure(
      offline.publish({ text: 'x', lang: 'en', handle: 'a', credentials: credentialsOf(page), media: [], key: '3lbq2v6bxyz2a' }),
    );
    expect(error.kind).toBe('offline');
    expect(error.info.code).toBe('platform.network');
  });
});

describe('findPublished (GET /{page-id}/posts)', () => {
  it('finds a post the Page made since the claim, and its link', async () => {
    const published = await publish('Housing starts, October https://www.statcan.gc.ca/en/start');
    expect(await lookup('Housing starts, October https://www.statcan.gc.ca/en/start')).toEqual(published);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: path(`${page.pageId}/posts`), status: 200, tokenIn: 'header' });
  });

  it('finds nothing when the text was never posted, or was posted before the claim', async () => {
    await publish('Old news');
    expect(await lookup('Never posted')).toBeNull();
    expect(await lookup('Old news', Date.now() + 120_000)).toBeNull();
  });

  it('reads past the first page: a post buried under 150 newer ones is still found, not resent', async () => {
    const since = Date.now() - 1_000;
    const buried = fake.addPost(page.pageId, 'Buried under newer posts', Date.now() - 500);
    for (let i = 0; i < 150; i++) fake.addPost(page.pageId, `Newer post ${i}`, Date.now() + i);
    const before = fake.requests.length;
    expect(await lookup('Buried under newer posts', since)).toEqual({ remoteId: buried.id, remoteUrl: `https://www.facebook.com/${buried.id}` });
    expect(fake.requests.slice(before).filter((r) => r.path === path(`${page.pageId}/posts`))).toHaveLength(2);
  });

  it('follows time-based paging (a next link, no cursors) as well', async () => {
    fake.pagingStyle = 'time';
    const since = Date.now() - 1_000;
    const buried = fake.addPost(page.pageId, 'Buried again', Date.now() - 500);
    for (let i = 0; i < 120; i++) fake.addPost(page.pageId, `Later ${i}`, Date.now() + i);
    expect(await lookup('Buried again', since)).toMatchObject({ remoteId: buried.id });
  });

  it('says it cannot tell, rather than "not posted", when the window holds more posts than it reads', async () => {
    const since = Date.now() - 1_000;
    for (let i = 0; i < 1_001; i++) fake.addPost(page.pageId, `Busy day ${i}`);
    const error = await failure(lookup('Never posted', since));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.lookupIncomplete');
  });

  it('will not send the token to a paging link that points away from Graph', async () => {
    fake.failNext(page.pageId, {
      status: 200,
      path: path(`${page.pageId}/posts`),
      body: { data: [{ id: `${page.pageId}_1`, message: 'other', created_time: new Date().toISOString() }], paging: { next: 'http://127.0.0.1:9/steal' } },
    });
    const error = await failure(lookup('Never posted'));
    expect(error.info.code).toBe('platform.badResponse');
  });

  it('reports a failed look-up as an error, never as "not posted"', async () => {
    fake.failNext(page.pageId, { status: 503, path: path(`${page.pageId}/posts`) });
    const error = await failure(lookup('anything'));
    expect(error.kind).toBe('ambiguous');
  });
});

describe('fetchMetrics (GET /{post-id})', () => {
  const metrics = (remoteId: string) =>
    facebook.fetchMetrics({ remoteId, remoteUserId: page.pageId, handle: 'StatisticsCanada', credentials: credentialsOf(page) });

  it('reports reactions, shares and comments; impressions are not available', async () => {
    const { remoteId } = await publish('Counted');
    fake.setEngagement(remoteId, { reactions: 42, shares: 7, comments: 3 });
    expect(await metrics(remoteId)).toEqual({ likes: 42, reposts: 7, replies: 3, impressions: null });
  });

  it('reports no shares as 0 (Graph leaves the field out)', async () => {
    const { remoteId } = await publish('Quiet');
    expect(await metrics(remoteId)).toEqual({ likes: 0, reposts: 0, replies: 0, impressions: null });
  });

  it('reports a deleted post as a refusal with Graph’s explanation', async () => {
    const error = await failure(metrics(`${page.pageId}_999`));
    expect(error.kind).toBe('permanent');
    expect(error.info.code).toBe('platform.rejected');
    expect(error.info.params?.detail).toMatch(/does not exist/);
  });
});

describe('the fake Graph API', () => {
  it('refuses an unversioned or other-version path, and photos another Page uploaded', async () => {
    const other = fakePage(fake);
    const auth = { authorization: `Bearer ${page.token}` };
    const unversioned = await fetch(`${fake.url}/me`, { headers: auth });
    expect(unversioned.status).toBe(400);
    const old = await fetch(`${fake.url}/v2.0/me`, { headers: auth });
    expect(((await old.json()) as { error: { code: number } }).error.code).toBe(2635);

    const form = new FormData();
    form.set('source', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), 'a.png');
    form.set('published', 'false');
    const uploaded = await fetch(`${fake.url}${path(`${other.pageId}/photos`)}`, { method: 'POST', headers: { authorization: `Bearer ${other.token}` }, body: form });
    const { id } = (await uploaded.json()) as { id: string };
    const attach = await fetch(`${fake.url}${path(`${page.pageId}/feed`)}`, {
      method: 'POST',
      headers: auth,
      body: new URLSearchParams({ message: 'Borrowed', 'attached_media[0]': JSON.stringify({ media_fbid: id }) }),
    });
    expect(attach.status).toBe(400);
    expect(fake.posts).toHaveLength(0);
  });
});
