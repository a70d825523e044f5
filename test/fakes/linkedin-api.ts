// A loopback stand-in for LinkedIn's versioned REST API, for the endpoints Tandem uses, speaking
// its wire protocol: Bearer tokens of an organization's admin, the LinkedIn-Version and
// X-Restli-Protocol-Version headers required (400 without them, 426 for a version not active),
// the Images API's two-step upload with an upload URL served by the fake itself, the Posts API
// (201 with the new URN in x-restli-id, an empty body; find by author with start/count paging),
// Social Actions, and LinkedIn's error bodies ({ status, serviceErrorCode, code, message }).
// Commentary is read as LinkedIn reads its "little" text format, including what it does with
// reserved characters left unescaped: the text is cut there, and the post still "succeeds".
import http from 'node:http';
import { LoopbackServer } from './loopback';

export interface FakeLinkedInOrganization {
  organizationId: string;
  vanityName: string;
  localizedName: string;
  /** A token of a member who administers this organization. */
  token: string;
}

export interface FakeImage {
  urn: string;
  owner: string;
  uploadToken: string;
  bytes: Uint8Array | null;
  contentType: string | null;
  status: 'WAITING_UPLOAD' | 'AVAILABLE';
}

export interface FakeLinkedInPost {
  urn: string;
  author: string;
  /** As sent, in little text format. */
  commentary: string;
  /** As LinkedIn shows it. */
  rendered: string;
  /** Hashtags LinkedIn made of it (clickable), without the #. */
  hashtags: string[];
  /** Whether LinkedIn cut the text at an unescaped reserved character. */
  truncated: boolean;
  content: unknown;
  body: unknown;
  createdAt: number;
  lastModifiedAt: number;
  likes: number;
  comments: number;
}

export interface LinkedInFault {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
  /** Delay before answering, in ms. */
  delayMs?: number;
  /**
   * Only for requests to this path, e.g. `/rest/posts`, or matching this pattern (upload URLs
   * are not known ahead); default: any request by the organization.
   */
  path?: string | RegExp;
}

/** The characters the little format reserves. */
const RESERVED = new Set('|{}@[]()<>#\\*_~');

/**
 * Little text as LinkedIn renders it: backslash escapes, {hashtag|\#|Word} templates and bare
 * #Word hashtag elements, @[Name](urn:li:...) mentions. Any other reserved character left
 * unescaped ends the text there: LinkedIn accepts the post and silently drops the rest.
 */
export function renderLittleText(little: string): { text: string; hashtags: string[]; truncated: boolean } {
  let text = '';
  const hashtags: string[] = [];
  const unescape = (s: string) => s.replace(/\\(.)/gu, '$1');
  for (let i = 0; i < little.length; i++) {
    const char = little[i]!;
    const rest = little.slice(i);
    if (char === '\\') {
      const next = little[i + 1];
      if (next === undefined || !RESERVED.has(next)) return { text, hashtags, truncated: true };
      text += next;
      i++;
      continue;
    }
    if (!RESERVED.has(char)) {
      text += char;
      continue;
    }
    const template = /^\{hashtag\|((?:\\.|[^|}\\])+)\|((?:\\.|[^}\\])+)\}/u.exec(rest);
    if (template) {
      const word = unescape(template[2]!);
      text += unescape(template[1]!) + word;
      hashtags.push(word);
      i += template[0].length - 1;
      continue;
    }
    const element = /^#([\p{L}\p{M}\p{N}]+)/u.exec(rest);
    if (element) {
      text += element[0];
      hashtags.push(element[1]!);
      i += element[0].length - 1;
      continue;
    }
    const mention = /^@\[((?:\\.|[^\]\\])+)\]\(urn:li:(?:person|organization):\d+\)/u.exec(rest);
    if (mention) {
      text += unescape(mention[1]!);
      i += mention[0].length - 1;
      continue;
    }
    return { text, hashtags, truncated: true };
  }
  return { text, hashtags, truncated: false };
}

export class FakeLinkedIn extends LoopbackServer {
  /** Versions LinkedIn still serves; others get 426. */
  activeVersions = new Set(['202510']);
  /** LinkedIn refuses a post whose text repeats one of the organization's; turn off to count duplicates. */
  refuseDuplicates = true;
  readonly images: FakeImage[] = [];
  readonly posts: FakeLinkedInPost[] = [];
  readonly requests: { method: string; path: string; organizationId: string | null; status: number; headers: http.IncomingHttpHeaders }[] = [];
  private readonly organizations = new Map<string, FakeLinkedInOrganization>();
  private readonly faults = new Map<string, LinkedInFault[]>();
  private nextId = 7_380_000_000_000_000_000n;

  addOrganization(organization: FakeLinkedInOrganization): FakeLinkedInOrganization {
    this.organizations.set(organization.organizationId, organization);
    return organization;
  }

  /** Answer the next `times` requests made with this organization's token with `fault`. */
  failNext(organizationId: string, fault: LinkedInFault, times = 1): void {
    const queue = this.faults.get(organizationId) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(organizationId, queue);
  }

  /** A post made some other way (the page's staff, another tool), for look-up tests. */
  addPost(organizationId: string, commentary: string, createdAt = Date.now()): FakeLinkedInPost {
    const rendered = renderLittleText(commentary);
    const post: FakeLinkedInPost = {
      urn: `urn:li:share:${this.nextId++}`,
      author: `urn:li:organization:${organizationId}`,
      commentary,
      rendered: rendered.text,
      hashtags: rendered.hashtags,
      truncated: rendered.truncated,
      content: undefined,
      body: undefined,
      createdAt,
      lastModifiedAt: createdAt,
      likes: 0,
      comments: 0,
    };
    this.posts.push(post);
    return post;
  }

  setEngagement(urn: string, counts: Partial<Pick<FakeLinkedInPost, 'likes' | 'comments'>>): void {
    const post = this.posts.find((p) => p.urn === urn);
    if (!post) throw new Error(`no post ${urn}`);
    Object.assign(post, counts);
  }

  postsBy(organizationId: string): FakeLinkedInPost[] {
    return this.posts.filter((p) => p.author === `urn:li:organization:${organizationId}`);
  }

  image(urn: string): FakeImage | undefined {
    return this.images.find((i) => i.urn === urn);
  }



  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const method = req.method ?? 'GET';
    let organizationId: string | null = null;

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname, organizationId, status, headers: req.headers });
      if (res.destroyed) return;
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), 'x-li-uuid': Math.random().toString(36).slice(2), ...headers });
      res.end(text);
    };
    const fail = (status: number, message: string, extra: { code?: string; serviceErrorCode?: number } = {}) =>
      send(status, { status, ...extra, message });

    const upload = /^\/dms-uploads\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (!upload) {
      if (!url.pathname.startsWith('/rest/')) return fail(404, 'Resource not found', { code: 'NOT_FOUND' });
      const version = req.headers['linkedin-version'];
      if (typeof version !== 'string' || version === '') {
        return fail(400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
      }
      if (!this.activeVersions.has(version)) {
        return fail(426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' });
      }
      if (req.headers['x-restli-protocol-version'] !== '2.0.0') {
        return fail(400, 'Rest.li protocol 1.0.0 is not supported by this resource: send X-Restli-Protocol-Version: 2.0.0', { code: 'ILLEGAL_ARGUMENT' });
      }
    }

    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const organization = [...this.organizations.values()].find((o) => o.token === token);
    if (!organization) return fail(401, 'Invalid access token', { code: 'INVALID_ACCESS_TOKEN', serviceErrorCode: 65600 });
    organizationId = organization.organizationId;
    const own = `urn:li:organization:${organization.organizationId}`;
    const denied = (what: string) =>
      fail(403, `Not enough permissions to access: ${what}`, { code: 'ACCESS_DENIED', serviceErrorCode: 100 });

    const queue = this.faults.get(organization.organizationId) ?? [];
    const faultIndex = queue.findIndex((f) =>
      f.path === undefined || (typeof f.path === 'string' ? f.path === url.pathname : f.path.test(url.pathname)),
    );
    const fault = faultIndex >= 0 ? queue.splice(faultIndex, 1)[0] : undefined;
    if (fault) {
      if (fault.delayMs) await sleep(fault.delayMs);
      return send(fault.status, fault.body ?? { status: fault.status, message: 'Injected fault' }, fault.headers);
    }

    // PUT {uploadUrl}: the image's bytes.
    if (upload) {
      if (method !== 'PUT' && method !== 'POST') return fail(405, 'Method not allowed');
      const image = this.images.find((i) => i.uploadToken === upload[1]);
      if (!image) return fail(404, 'Upload URL not found or expired', { code: 'NOT_FOUND' });
      if (image.owner !== own) return denied('images.UPLOAD');
      if (image.status !== 'WAITING_UPLOAD') return fail(400, 'Image already uploaded', { code: 'ILLEGAL_ARGUMENT' });
      if (raw.length === 0) return fail(400, 'Empty upload', { code: 'ILLEGAL_ARGUMENT' });
      image.bytes = new Uint8Array(raw);
      image.contentType = req.headers['content-type'] ?? null;
      image.status = 'AVAILABLE';
      return send(201, undefined);
    }

    const path = url.pathname.slice('/rest/'.length);
    let body: unknown;
    if (method === 'POST' || method === 'PUT') {
      if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return fail(415, 'Unsupported Media Type', { code: 'UNSUPPORTED_MEDIA_TYPE' });
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return fail(400, 'Request body is not valid JSON', { code: 'ILLEGAL_ARGUMENT' });
      }
    }

    // GET /rest/organizations/{id}
    const org = /^organizations\/(\d+)$/.exec(path);
    if (method === 'GET' && org) {
      const found = this.organizations.get(org[1]!);
      if (!found) return fail(404, `Organization ${org[1]} not found`, { code: 'NOT_FOUND' });
      return send(200, {
        id: Number(found.organizationId),
        vanityName: found.vanityName,
        localizedName: found.localizedName,
        name: { localized: { en_US: found.localizedName }, preferredLocale: { country: 'US', language: 'en' } },
        primaryOrganizationType: 'NONE',
        locations: [],
        $URN: `urn:li:organization:${found.organizationId}`,
      });
    }

    // POST /rest/images?action=initializeUpload
    if (method === 'POST' && path === 'images' && url.searchParams.get('action') === 'initializeUpload') {
      const owner = (body as { initializeUploadRequest?: { owner?: unknown } } | null)?.initializeUploadRequest?.owner;
      if (typeof owner !== 'string') return fail(422, 'ERROR :: /initializeUploadRequest/owner :: field is required but not found and has no default value');
      if (owner !== own) return denied('images.CREATE');
      const id = String(this.nextId++);
      const image: FakeImage = {
        urn: `urn:li:image:C4E10AQ${id}`,
        owner,
        uploadToken: `up${id}`,
        bytes: null,
        contentType: null,
        status: 'WAITING_UPLOAD',
      };
      this.images.push(image);
      return send(200, {
        value: {
          uploadUrlExpiresAt: Date.now() + 3_600_000,
          uploadUrl: `${this.url}/dms-uploads/${image.uploadToken}`,
          image: image.urn,
        },
      });
    }

    // POST /rest/posts
    if (method === 'POST' && path === 'posts') return this.createPost(body, own, send, fail, denied);

    // GET /rest/posts?q=author&author={urn}
    if (method === 'GET' && path === 'posts') {
      if (url.searchParams.get('q') !== 'author') return fail(400, 'Missing or unsupported finder (q)', { code: 'ILLEGAL_ARGUMENT' });
      const author = url.searchParams.get('author');
      if (!author || !/^urn:li:(organization|person):\d+$/.test(author)) return fail(400, 'Invalid author URN', { code: 'ILLEGAL_ARGUMENT' });
      if (author !== own) return denied('partnerApiPostsExternal.FINDER-author');
      const count = Number(url.searchParams.get('count') ?? '10');
      const start = Number(url.searchParams.get('start') ?? '0');
      if (!Number.isInteger(count) || count < 1 || count > 100) return fail(400, 'count must be 1..100', { code: 'ILLEGAL_ARGUMENT' });
      if (!Number.isInteger(start) || start < 0) return fail(400, 'start must be >= 0', { code: 'ILLEGAL_ARGUMENT' });
      const key = url.searchParams.get('sortBy') === 'CREATED' ? 'createdAt' : 'lastModifiedAt';
      const all = this.posts.filter((p) => p.author === author).sort((a, b) => b[key] - a[key]);
      const elements = all.slice(start, start + count).map((p) => ({
        id: p.urn,
        author: p.author,
        commentary: p.commentary,
        visibility: 'PUBLIC',
        distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
        lifecycleState: 'PUBLISHED',
        lifecycleStateInfo: { isEditedByAuthor: false },
        isReshareDisabledByAuthor: false,
        createdAt: p.createdAt,
        lastModifiedAt: p.lastModifiedAt,
        publishedAt: p.createdAt,
        ...(p.content ? { content: p.content } : {}),
      }));
      const links = start + count < all.length
        ? [{ type: 'application/json', rel: 'next', href: `/rest/posts?q=author&author=${encodeURIComponent(author)}&count=${count}&start=${start + count}` }]
        : [];
      return send(200, { paging: { start, count, links }, elements });
    }

    // GET /rest/socialActions/{urn}
    const actions = /^socialActions\/([^/]+)$/.exec(path);
    if (method === 'GET' && actions) {
      const urn = decodeURIComponent(actions[1]!);
      const post = this.posts.find((p) => p.urn === urn);
      if (!post) return fail(404, `Not found: ${urn}`, { code: 'NOT_FOUND' });
      if (post.author !== own) return denied('socialActions.GET');
      return send(200, {
        target: urn,
        likesSummary: { selectedLikes: [], aggregatedTotalLikes: post.likes, likedByCurrentUser: false, totalLikes: post.likes },
        commentsSummary: { selectedComments: [], totalFirstLevelComments: post.comments, aggregatedTotalComments: post.comments },
        $URN: `urn:li:socialActions:${urn}`,
      });
    }

    return fail(404, `No resource for ${method} ${url.pathname}`, { code: 'NOT_FOUND' });
  }

  private createPost(
    body: unknown,
    own: string,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
    fail: (status: number, message: string, extra?: { code?: string; serviceErrorCode?: number }) => void,
    denied: (what: string) => void,
  ): void {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(400, 'Body must be a JSON object');
    const post = body as Record<string, unknown>;
    const allowed = new Set(['author', 'commentary', 'visibility', 'distribution', 'lifecycleState', 'isReshareDisabledByAuthor', 'content', 'contentLandingPage', 'contentCallToActionLabel', 'container', 'reshareContext', 'adContext']);
    const unknown = Object.keys(post).find((k) => !allowed.has(k));
    if (unknown) return fail(422, `ERROR :: /${unknown} :: unrecognized field found but not allowed`);
    for (const field of ['author', 'visibility', 'distribution', 'lifecycleState']) {
      if (post[field] === undefined) return fail(422, `ERROR :: /${field} :: field is required but not found and has no default value`);
    }
    if (post.author !== own) return denied('partnerApiPostsExternal.CREATE');
    if (!['PUBLIC', 'CONNECTIONS', 'LOGGED_IN', 'CONTAINER'].includes(String(post.visibility))) return fail(422, 'ERROR :: /visibility :: invalid enum value');
    if (!['PUBLISHED', 'DRAFT'].includes(String(post.lifecycleState))) return fail(422, 'ERROR :: /lifecycleState :: invalid enum value');
    const distribution = post.distribution as { feedDistribution?: unknown } | null;
    if (!['MAIN_FEED', 'NONE'].includes(String(distribution?.feedDistribution))) return fail(422, 'ERROR :: /distribution/feedDistribution :: invalid enum value');
    const commentary = post.commentary ?? '';
    if (typeof commentary !== 'string') return fail(422, 'ERROR :: /commentary :: not a string');
    if (commentary.length > 3000) return fail(422, `ERROR :: /commentary :: length ${commentary.length} exceeds 3000`);

    if (post.content !== undefined) {
      const content = post.content as { media?: { id?: unknown; altText?: unknown }; multiImage?: { images?: unknown } } | null;
      const check = (item: { id?: unknown; altText?: unknown } | undefined, where: string): string | null => {
        const image = typeof item?.id === 'string' ? this.image(item.id) : undefined;
        if (!image) return `ERROR :: ${where}/id :: image not found`;
        if (image.owner !== own) return `ERROR :: ${where}/id :: image owner does not match author`;
        if (image.status !== 'AVAILABLE') return `ERROR :: ${where}/id :: image is not available (${image.status})`;
        if (item?.altText !== undefined && (typeof item.altText !== 'string' || item.altText.length > 4086)) return `ERROR :: ${where}/altText :: invalid`;
        return null;
      };
      if (content?.media) {
        const problem = check(content.media, '/content/media');
        if (problem) return fail(422, problem);
      } else if (content?.multiImage) {
        const images = content.multiImage.images;
        if (!Array.isArray(images) || images.length < 2 || images.length > 20) return fail(422, 'ERROR :: /content/multiImage/images :: must hold 2 to 20 images');
        for (const [index, item] of images.entries()) {
          const problem = check(item as { id?: unknown; altText?: unknown }, `/content/multiImage/images/${index}`);
          if (problem) return fail(422, problem);
        }
      } else {
        return fail(422, 'ERROR :: /content :: unsupported content');
      }
    }

    const rendered = renderLittleText(commentary);
    const previous = this.posts.find((p) => p.author === own && p.rendered === rendered.text);
    if (this.refuseDuplicates && previous && rendered.text !== '') {
      return fail(422, `Content is a duplicate of ${previous.urn}`, { code: 'DUPLICATE_POST' });
    }
    const now = Date.now();
    const urn = `urn:li:share:${this.nextId++}`;
    this.posts.push({
      urn,
      author: own,
      commentary,
      rendered: rendered.text,
      hashtags: rendered.hashtags,
      truncated: rendered.truncated,
      content: post.content,
      body,
      createdAt: now,
      lastModifiedAt: now,
      likes: 0,
      comments: 0,
    });
    return send(201, undefined, { 'x-restli-id': urn, location: `/rest/posts/${encodeURIComponent(urn)}` });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let counter = 0;
/** A fresh organization with a random admin token, registered with the fake. */
export function fakeOrganization(fake: FakeLinkedIn, vanityName: string): FakeLinkedInOrganization {
  counter++;
  return fake.addOrganization({
    organizationId: String(5_515_700 + counter),
    vanityName,
    localizedName: vanityName,
    token: `AQV${Math.random().toString(36).slice(2)}${counter}`,
  });
}

export function credentialsOf(organization: FakeLinkedInOrganization) {
  return { platform: 'linkedin' as const, organizationId: organization.organizationId, accessToken: organization.token };
}
