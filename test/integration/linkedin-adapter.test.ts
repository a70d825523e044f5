// The LinkedIn adapter (plain fetch, versioned REST API) against the loopback fake over real HTTP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LINKEDIN_VERSION, LinkedInAdapter, fromLittleText, toLittleText } from '../../src/main/platforms/linkedin';
import { PlatformError, type MediaUpload } from '../../src/main/platforms/types';
import { FakeLinkedIn, credentialsOf, fakeOrganization, renderLittleText, type FakeLinkedInOrganization } from '../fakes/linkedin-api';

let fake: FakeLinkedIn;
let org: FakeLinkedInOrganization;
let linkedin: LinkedInAdapter;
beforeEach(async () => {
  fake = new FakeLinkedIn();
  await fake.start();
  org = fakeOrganization(fake, 'statistics-canada');
  linkedin = new LinkedInAdapter({ apiBase: fake.url, timeoutMs: 2_000 });
});
afterEach(async () => {
  await fake.stop();
});

const urn = () => `urn:li:organization:${org.organizationId}`;

const publish = (text = 'Hello Canada', media: MediaUpload[] = [], lang: 'en' | 'fr' = 'en') =>
  linkedin.publish({ text, lang, handle: 'statistics-canada', credentials: credentialsOf(org), media, key: '3lbq2v6bxyz2a' });

const lookup = (text: string, since = Date.now() - 5_000) =>
  linkedin.findPublished({
    text,
    lang: 'en',
    handle: 'statistics-canada',
    remoteUserId: urn(),
    credentials: credentialsOf(org),
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

function image(seed: number, alt: string, mime = 'image/png'): MediaUpload {
  const bytes = new Uint8Array(3_000 + seed);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 17 + seed * 11) % 256;
  return { bytes, mime, alt, width: 1200, height: 627 };
}

const liError = (status: number, message: string, extra: Record<string, unknown> = {}) => JSON.stringify({ status, message, ...extra });

describe('little text (commentary)', () => {
  // Each line is what a user typed; LinkedIn must show exactly that.
  const typed = [
    'Données (2024) : 5 % #StatCan @ home',
    'Le « Quotidien » : l’inflation a ralenti à 2,4 % — voir le tableau [1] ',
    'All the reserved ones: | { } @ [ ] ( ) < > # \\ * _ ~ and a trailing backslash \\',
    'Emphasis that is not markup: *bold* _italic_ ~strike~ <b>tag</b>',
    'Links stay links: https://www150.statcan.gc.ca/t1/tbl1/fr/tv.action?pid=1810000401&request_locale=fr (see_this) https://example.ca/page#section_2',
    'Hashtags: #Économie, #StatCan2025 #données_ouvertes and not C# nor #2024 nor # alone',
    'Mentions stay text: @StatCan and @[not a mention](urn:li:person:123)',
    'Line one\n\nLine two (with emoji 🇨🇦) {braces}',
  ];

  it.each(typed)('shows %j on LinkedIn exactly as typed', (text) => {
    const rendered = renderLittleText(toLittleText(text));
    expect(rendered.truncated).toBe(false);
    expect(rendered.text).toBe(text);
    expect(fromLittleText(toLittleText(text))).toBe(text);
  });

  it('escapes the reserved characters with a backslash and nothing else', () => {
    expect(toLittleText('Données (2024) : 5 % @ home « ok » é')).toBe('Données \\(2024\\) : 5 % \\@ home « ok » é');
    expect(toLittleText('a|b{c}d[e]f<g>h\\i*j_k~l')).toBe('a\\|b\\{c\\}d\\[e\\]f\\<g\\>h\\\\i\\*j\\_k\\~l');
  });

  it('sends #Word as LinkedIn’s hashtag template so it is clickable, and leaves other # as text', () => {
    expect(toLittleText('#StatCan')).toBe('{hashtag|\\#|StatCan}');
    expect(toLittleText('Voir #Économie.')).toBe('Voir {hashtag|\\#|Économie}.');
    expect(toLittleText('#données_ouvertes')).toBe('{hashtag|\\#|données\\_ouvertes}');
    expect(toLittleText('C# #2024 # x')).toBe('C\\# \\#2024 \\# x');
    expect(toLittleText('https://x.ca/a#top')).toBe('https://x.ca/a\\#top');
    expect(renderLittleText(toLittleText('Hashtags: #Économie, #StatCan2025 and C#')).hashtags).toEqual(['Économie', 'StatCan2025']);
  });

  it('reads LinkedIn’s own forms back: templates with or without the backslash, mentions', () => {
    expect(fromLittleText('Hi {hashtag|#|StatCan} and {hashtag|\\#|Canada}')).toBe('Hi #StatCan and #Canada');
    expect(fromLittleText('With @[Statistics Canada](urn:li:organization:123) \\(today\\)')).toBe('With Statistics Canada (today)');
  });

  it('is needed: unescaped, LinkedIn cuts the text at the first reserved character', () => {
    expect(renderLittleText('Données (2024) : 5 %')).toEqual({ text: 'Données ', hashtags: [], truncated: true });
  });
});

describe('verify (GET /rest/organizations/{id})', () => {
  it('tells whose page this is: its vanity name and its URN', async () => {
    expect(await linkedin.verify(credentialsOf(org))).toEqual({ remoteUserId: urn(), handle: 'statistics-canada' });
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'GET', path: `/rest/organizations/${org.organizationId}`, status: 200 });
    expect(request!.headers).toMatchObject({
      'linkedin-version': LINKEDIN_VERSION,
      'x-restli-protocol-version': '2.0.0',
      authorization: `Bearer ${org.token}`,
    });
  });

  it('maps a refused token (401) to "unauthorized"', async () => {
    const error = await failure(linkedin.verify({ ...credentialsOf(org), accessToken: 'AQVrevoked' }));
    expect(error.kind).toBe('unauthorized');
    expect(error.info).toEqual({ code: 'account.unauthorized' });
  });
});

describe('publish (POST /rest/posts)', () => {
  it('posts as the organization; LinkedIn shows the French text, link and accents exactly as typed', async () => {
    const text = 'Données (2024) : 5 % #StatCan @ home — « Le Quotidien » https://www150.statcan.gc.ca/n1/daily-quotidien/251117/dq251117a-fra.htm';
    const published = await publish(text, [], 'fr');
    const [post] = fake.posts;
    expect(post!.rendered).toBe(text);
    expect(post!.truncated).toBe(false);
    expect(post!.hashtags).toEqual(['StatCan']);
    expect(post!.author).toBe(urn());
    expect(post!.body).toEqual({
      author: urn(),
      commentary: toLittleText(text),
      visibility: 'PUBLIC',
      distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      lifecycleState: 'PUBLISHED',
      isReshareDisabledByAuthor: false,
    });
    expect(published).toEqual({ remoteId: post!.urn, remoteUrl: `https://www.linkedin.com/feed/update/${post!.urn}` });
  });

  it('uploads one image with its bytes, then posts it with its alt text', async () => {
    const picture = image(1, 'Bar chart of housing starts by province (October 2025)');
    await publish('Housing starts, October', [picture]);
    const [uploaded] = fake.images;
    expect(uploaded!.bytes).toEqual(picture.bytes);
    expect(uploaded!.owner).toBe(urn());
    expect(fake.posts[0]!.content).toEqual({ media: { id: uploaded!.urn, altText: 'Bar chart of housing starts by province (October 2025)' } });
    expect(fake.requests.map((r) => `${r.method} ${r.path.replace(/\/dms-uploads\/.*/, '/dms-uploads/…')}`)).toEqual([
      'POST /rest/images',
      'PUT /dms-uploads/…',
      'POST /rest/posts',
    ]);
  });

  it('posts three images as one multi-image post, in order, with their French alt text and bytes', async () => {
    const pictures = [
      image(1, 'Graphique à barres des mises en chantier (par province)'),
      image(2, 'Carte du Québec : « régions métropolitaines »', 'image/jpeg'),
      image(3, 'Tableau des écarts, 2024–2025', 'image/gif'),
    ];
    await publish('Mises en chantier, octobre', pictures, 'fr');
    expect(fake.posts).toHaveLength(1);
    const content = fake.posts[0]!.content as { multiImage: { images: { id: string; altText: string }[] } };
    expect(content.multiImage.images.map((i) => i.altText)).toEqual(pictures.map((p) => p.alt));
    expect(content.multiImage.images.map((i) => fake.image(i.id)!.bytes)).toEqual(pictures.map((p) => p.bytes));
  });

  it('maps LinkedIn’s duplicate refusal (422 DUPLICATE_POST) to a permanent duplicate', async () => {
    await publish('Same words (again)');
    const error = await failure(publish('Same words (again)'));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.duplicate' });
    expect(fake.posts).toHaveLength(1);
  });

  it('maps a token LinkedIn refuses (401) to "unauthorized"', async () => {
    fake.failNext(org.organizationId, { status: 401, body: liError(401, 'The token used in the request has expired', { serviceErrorCode: 65601, code: 'EXPIRED_ACCESS_TOKEN' }) });
    const error = await failure(publish());
    expect(error.kind).toBe('unauthorized');
  });

  it('maps a missing permission (403 ACCESS_DENIED) to "unauthorized": only re-authorising fixes it', async () => {
    const other = fakeOrganization(fake, 'someone-else');
    const error = await failure(linkedin.publish({ text: 'x', lang: 'en', handle: 'a', credentials: { ...credentialsOf(org), accessToken: other.token }, media: [], key: 'k' }));
    expect(error.kind).toBe('unauthorized');
    expect(fake.posts).toHaveLength(0);
  });

  it('maps 429 to "rate limited", until Retry-After when LinkedIn gives one', async () => {
    fake.failNext(org.organizationId, { status: 429, headers: { 'retry-after': '3600' }, body: liError(429, 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.') });
    const before = Date.now();
    const error = await failure(publish());
    expect(error.kind).toBe('rateLimited');
    expect(error.info).toEqual({ code: 'platform.rateLimited' });
    expect(error.retryAt).toBeGreaterThanOrEqual(before + 3_600_000);

    fake.failNext(org.organizationId, { status: 429, body: liError(429, 'Too many requests') });
    expect((await failure(publish())).retryAt).toBeUndefined();
  });

  it('maps 5xx to a server error whose outcome must be checked before resending', async () => {
    fake.failNext(org.organizationId, { status: 504, path: '/rest/posts', body: '' });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info).toEqual({ code: 'platform.server', params: { status: 504 } });
  });

  it('maps other refusals to "rejected", carrying LinkedIn’s own message', async () => {
    fake.failNext(org.organizationId, { status: 422, body: liError(422, 'ERROR :: /commentary :: length 3012 exceeds 3000') });
    const error = await failure(publish());
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.rejected', params: { status: 422, detail: 'ERROR :: /commentary :: length 3012 exceeds 3000' } });
  });

  it('says so, with LinkedIn’s message, when LinkedIn no longer serves this API version (426)', async () => {
    fake.activeVersions = new Set(['202604']);
    const error = await failure(publish());
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.rejected', params: { status: 426, detail: `Requested version ${LINKEDIN_VERSION} is not active` } });
  });

  it('maps a refused image upload (the PUT) to "media rejected", naming which image, and makes no post', async () => {
    fake.failNext(org.organizationId, { status: 400, path: /^\/dms-uploads\//, body: liError(400, 'Unsupported image format') });
    const error = await failure(publish('Two charts', [image(1, 'First'), image(2, 'Second')]));
    expect(error.kind).toBe('permanent');
    expect(error.info).toEqual({ code: 'platform.mediaRejected', params: { status: 400, detail: 'Unsupported image format', position: 1 } });
    expect(fake.posts).toHaveLength(0);
  });

  it('will not send the token to an upload URL that is not LinkedIn’s', async () => {
    fake.failNext(org.organizationId, {
      status: 200,
      path: '/rest/images',
      body: { value: { uploadUrl: 'http://127.0.0.1:9/steal', image: 'urn:li:image:C4E10AQabc' } },
    });
    const error = await failure(publish('With picture', [image(1, 'Alt')]));
    expect(error.info.code).toBe('platform.badResponse');
    expect(fake.requests.some((r) => r.method === 'PUT')).toBe(false);
  });

  it.each([
    ['no x-restli-id header', {}],
    ['an id that is not a post URN', { 'x-restli-id': 'urn:li:evil:../../1' }],
  ])('treats a 201 with %s as a bad response (it may have posted)', async (_name, headers) => {
    fake.failNext(org.organizationId, { status: 201, body: '', headers, path: '/rest/posts' });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.badResponse');
  });

  it('maps a timeout to an ambiguous network error (the post may have been made)', async () => {
    fake.failNext(org.organizationId, { status: 201, delayMs: 3_000, headers: { 'x-restli-id': 'urn:li:share:1' }, body: '' });
    const error = await failure(publish());
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.network');
  });

  it('maps a refused connection to "offline": nothing reached LinkedIn, sending again is safe', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const offline = new LinkedInAdapter({ apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const error = await failure(offline.publish({ text: 'x', lang: 'en', handle: 'a', credentials: credentialsOf(org), media: [], key: 'k' }));
    expect(error.kind).toBe('offline');
    expect(error.info.code).toBe('platform.network');
  });
});

describe('findPublished (GET /rest/posts?q=author)', () => {
  it('finds a post the organization made since the claim, matching the text as typed', async () => {
    const text = 'Données (2024) : 5 % #StatCan @ home https://www.statcan.gc.ca/fr/debut';
    const published = await publish(text);
    expect(await lookup(text)).toEqual(published);
    const request = fake.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'GET', path: '/rest/posts', status: 200 });
  });

  it('finds nothing when the text was never posted, or was posted before the claim', async () => {
    await publish('Old news');
    expect(await lookup('Never posted')).toBeNull();
    expect(await lookup('Old news', Date.now() + 120_000)).toBeNull();
  });

  it('reads past the first page: a post buried under 80 newer ones is still found, not resent', async () => {
    const since = Date.now() - 1_000;
    const buried = fake.addPost(org.organizationId, toLittleText('Buried (under) newer posts'), Date.now() - 500);
    for (let i = 0; i < 80; i++) fake.addPost(org.organizationId, `Newer post ${i}`, Date.now() + i);
    const before = fake.requests.length;
    expect(await lookup('Buried (under) newer posts', since)).toEqual({ remoteId: buried.urn, remoteUrl: `https://www.linkedin.com/feed/update/${buried.urn}` });
    expect(fake.requests.slice(before).filter((r) => r.path === '/rest/posts')).toHaveLength(2);
  });

  it('stops at posts older than the claim instead of reading the whole history', async () => {
    for (let i = 0; i < 300; i++) fake.addPost(org.organizationId, `Last year ${i}`, Date.now() - 365 * 86_400_000 + i);
    const before = fake.requests.length;
    expect(await lookup('Never posted')).toBeNull();
    expect(fake.requests.slice(before)).toHaveLength(1);
  });

  it('says it cannot tell, rather than "not posted", when the window holds more posts than it reads', async () => {
    const since = Date.now() - 1_000;
    for (let i = 0; i < 501; i++) fake.addPost(org.organizationId, `Busy day ${i}`);
    const error = await failure(lookup('Never posted', since));
    expect(error.kind).toBe('ambiguous');
    expect(error.info.code).toBe('platform.lookupIncomplete');
  });

  it('reports a failed look-up as an error, never as "not posted"', async () => {
    fake.failNext(org.organizationId, { status: 503, path: '/rest/posts' });
    const error = await failure(lookup('anything'));
    expect(error.kind).toBe('ambiguous');
  });
});

describe('fetchMetrics (GET /rest/socialActions/{urn})', () => {
  const metrics = (remoteId: string) =>
    linkedin.fetchMetrics({ remoteId, remoteUserId: urn(), handle: 'statistics-canada', credentials: credentialsOf(org) });

  it('reports likes and comments; reposts and impressions are not available', async () => {
    const { remoteId } = await publish('Counted');
    fake.setEngagement(remoteId, { likes: 12, comments: 4 });
    expect(await metrics(remoteId)).toEqual({ likes: 12, reposts: null, replies: 4, impressions: null });
  });

  it('reports a deleted post as a refusal', async () => {
    const error = await failure(metrics('urn:li:share:1'));
    expect(error.kind).toBe('permanent');
    expect(error.info.code).toBe('platform.rejected');
  });
});

describe('the fake LinkedIn API', () => {
  it('refuses requests without LinkedIn-Version or X-Restli-Protocol-Version, as LinkedIn does', async () => {
    const auth = { authorization: `Bearer ${org.token}` };
    const noVersion = await fetch(`${fake.url}/rest/organizations/${org.organizationId}`, { headers: { ...auth, 'x-restli-protocol-version': '2.0.0' } });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ code: 'VERSION_MISSING' });
    const noProtocol = await fetch(`${fake.url}/rest/organizations/${org.organizationId}`, { headers: { ...auth, 'linkedin-version': LINKEDIN_VERSION } });
    expect(noProtocol.status).toBe(400);
  });
});
