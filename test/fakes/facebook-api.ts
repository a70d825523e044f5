// A loopback stand-in for the Facebook Graph API, for the endpoints Tandem uses, speaking its
// wire protocol: versioned paths (/v23.0/...), Page access tokens (Bearer header or
// access_token parameter), multipart photo uploads parsed for real, unpublished photos that only
// their own Page can attach to a feed post, cursor or time-based paging of /posts, Graph's error
// bodies ({ error: { message, type, code, error_subcode, fbtrace_id } }, mostly with HTTP 400),
// and refusal of the same message twice in a row (#506). Faults can be queued per Page.
import http from 'node:http';
import { LoopbackServer } from './loopback';

export interface FakeFacebookPage {
  pageId: string;
  name: string;
  /** The Page's @username; Pages without one are known by their id. */
  username?: string;
  /** The Page access token that acts as this Page. */
  token: string;
}

export interface FakePhoto {
  id: string;
  pageId: string;
  bytes: Uint8Array;
  mime: string;
  filename: string;
  alt: string | null;
  published: boolean;
  /** The feed post it was attached to, once it is. */
  postId: string | null;
}

export interface FakeFacebookPost {
  /** `{page-id}_{post-id}`, as Graph names Page posts. */
  id: string;
  pageId: string;
  message: string;
  /** Epoch ms. */
  createdAt: number;
  photoIds: string[];
  /** How the token came: Tandem should send it as a header, never in a URL. */
  tokenIn: TokenPlace | null;
  reactions: number;
  comments: number;
  shares: number;
}

export interface FacebookFault {
  status: number;
  body?: string | object;
  headers?: Record<string, string>;
  /** Delay before answering, in ms. */
  delayMs?: number;
  /** Only for requests to this path, e.g. `/v23.0/123/feed` (default: any request by the Page). */
  path?: string;
}

type TokenPlace = 'header' | 'query' | 'body';

interface GraphErrorBody {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  is_transient?: boolean;
}

export class FakeFacebook extends LoopbackServer {
  /** The Graph version this fake answers to; other versions are refused. */
  version = 'v23.0';
  /** `cursors`: paging.cursors.after plus next; `time`: only a next link with until/__paging_token, as /feed pages. */
  pagingStyle: 'cursors' | 'time' = 'cursors';
  /** Graph refuses a Page post whose message equals the Page's previous post; turn off to count duplicates. */
  refuseDuplicates = true;
  readonly photos: FakePhoto[] = [];
  readonly posts: FakeFacebookPost[] = [];
  readonly requests: { method: string; path: string; pageId: string | null; status: number; tokenIn: TokenPlace | null }[] = [];
  private readonly pages = new Map<string, FakeFacebookPage>();
  private readonly faults = new Map<string, FacebookFault[]>();
  private nextId = 100_000_000_000_000n;

  addPage(page: FakeFacebookPage): FakeFacebookPage {
    this.pages.set(page.pageId, page);
    return page;
  }

  /** Answer the next `times` requests made with this Page's token with `fault`. */
  failNext(pageId: string, fault: FacebookFault, times = 1): void {
    const queue = this.faults.get(pageId) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(pageId, queue);
  }

  /** A post made some other way (the Page's own staff, another tool), for look-up tests. */
  addPost(pageId: string, message: string, createdAt = Date.now()): FakeFacebookPost {
    const post: FakeFacebookPost = {
      id: `${pageId}_${this.nextId++}`,
      pageId,
      message,
      createdAt,
      photoIds: [],
      tokenIn: null,
      reactions: 0,
      comments: 0,
      shares: 0,
    };
    this.posts.push(post);
    return post;
  }

  setEngagement(postId: string, counts: Partial<Pick<FakeFacebookPost, 'reactions' | 'comments' | 'shares'>>): void {
    const post = this.posts.find((p) => p.id === postId);
    if (!post) throw new Error(`no post ${postId}`);
    Object.assign(post, counts);
  }

  postsBy(pageId: string): FakeFacebookPost[] {
    return this.posts.filter((p) => p.pageId === pageId);
  }

  photo(id: string): FakePhoto | undefined {
    return this.photos.find((p) => p.id === id);
  }



  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const method = req.method ?? 'GET';
    let pageId: string | null = null;
    let tokenIn: TokenPlace | null = null;

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname, pageId, status, tokenIn });
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'x-fb-trace-id': trace(), ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const fail = (status: number, error: GraphErrorBody, headers?: Record<string, string>) =>
      send(status, { error: { ...error, fbtrace_id: trace() } }, headers);

    // Bodies: multipart (photos), urlencoded (feed) or JSON, all of which Graph takes.
    let form: FormData | null = null;
    const contentType = req.headers['content-type'] ?? '';
    if (method === 'POST' && raw.length > 0) {
      if (/^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(contentType)) {
        try {
          form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
        } catch {
          return fail(400, { message: '(#100) Could not parse the request body', type: 'OAuthException', code: 100 });
        }
      } else if (/^application\/json/i.test(contentType)) {
        try {
          form = new FormData();
          for (const [k, v] of Object.entries(JSON.parse(raw.toString('utf8')) as Record<string, unknown>)) {
            form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
          }
        } catch {
          return fail(400, { message: '(#100) Could not parse the request body', type: 'OAuthException', code: 100 });
        }
      }
    }

    // The token: `Authorization: Bearer|OAuth <token>`, or access_token in the query or body.
    let token: string | null = null;
    const header = req.headers.authorization;
    const scheme = header ? /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header) : null;
    if (scheme) {
      token = scheme[1]!;
      tokenIn = 'header';
    } else if (url.searchParams.has('access_token')) {
      token = url.searchParams.get('access_token');
      tokenIn = 'query';
    } else if (typeof form?.get('access_token') === 'string') {
      token = form.get('access_token') as string;
      tokenIn = 'body';
    }
    if (!token) {
      return fail(400, { message: 'An active access token must be used to query information about the current user.', type: 'OAuthException', code: 2500 });
    }
    const page = [...this.pages.values()].find((p) => p.token === token);
    if (!page) {
      return fail(400, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    }
    pageId = page.pageId;

    const versioned = /^\/(v\d+\.\d+)\/(.+)$/.exec(url.pathname);
    if (!versioned) {
      return fail(400, { message: `Unknown path components: ${url.pathname}`, type: 'OAuthException', code: 2500 });
    }
    if (versioned[1] !== this.version) {
      return fail(400, { message: `(#2635) You are calling a deprecated or unknown version of the API (${versioned[1]}).`, type: 'OAuthException', code: 2635 });
    }
    const segments = versioned[2]!.split('/');

    const queue = this.faults.get(page.pageId) ?? [];
    const faultIndex = queue.findIndex((f) => f.path === undefined || f.path === url.pathname);
    const fault = faultIndex >= 0 ? queue.splice(faultIndex, 1)[0] : undefined;
    if (fault) {
      if (fault.delayMs) await sleep(fault.delayMs);
      const body = fault.body ?? {
        error: { message: 'Injected fault', type: 'GraphMethodException', code: 100, fbtrace_id: trace() },
      };
      return send(fault.status, body, fault.headers);
    }

    const fields = (url.searchParams.get('fields') ?? '').split(/,(?![^()]*\))/).filter(Boolean);

    // GET /me, GET /{page-id}: the Page.
    if (method === 'GET' && segments.length === 1 && (segments[0] === 'me' || this.pages.has(segments[0]!))) {
      const target = segments[0] === 'me' ? page : this.pages.get(segments[0]!)!;
      const all: Record<string, unknown> = { id: target.pageId, name: target.name, username: target.username };
      const unknownField = fields.find((f) => !(f in all));
      if (unknownField) return fail(400, { message: `(#100) Tried accessing nonexisting field (${unknownField}) on node type (Page)`, type: 'OAuthException', code: 100 });
      const chosen = fields.length ? fields : ['id', 'name'];
      return send(200, Object.fromEntries(chosen.filter((f) => all[f] !== undefined).map((f) => [f, all[f]])));
    }

    // GET /{post-id}: a post's engagement.
    if (method === 'GET' && segments.length === 1 && /^\d+_\d+$/.test(segments[0]!)) {
      const post = this.posts.find((p) => p.id === segments[0]);
      if (!post) return notFound(segments[0]!);
      if (post.pageId !== page.pageId) return permission();
      const body: Record<string, unknown> = { id: post.id };
      for (const field of fields.length ? fields : ['id', 'message', 'created_time']) {
        const name = field.split('.')[0]!;
        const summary = /\.summary\(/.test(field);
        if (name === 'id') continue;
        else if (name === 'message') body.message = post.message;
        else if (name === 'created_time') body.created_time = graphTime(post.createdAt);
        // Graph leaves `shares` out while a post has none.
        else if (name === 'shares') {
          if (post.shares > 0) body.shares = { count: post.shares };
        } else if (name === 'reactions') {
          body.reactions = { data: [], ...(summary ? { summary: { total_count: post.reactions, viewer_reaction: 'NONE' } } : {}) };
        } else if (name === 'comments') {
          body.comments = { data: [], ...(summary ? { summary: { order: 'ranked', total_count: post.comments, can_comment: true } } : {}) };
        } else {
          return fail(400, { message: `(#100) Tried accessing nonexisting field (${name}) on node type (PagePost)`, type: 'OAuthException', code: 100 });
        }
      }
      return send(200, body);
    }

    const edge = segments.length === 2 ? segments[1] : undefined;
    const target = segments.length === 2 ? this.pages.get(segments[0]!) : undefined;
    if (edge && !target) return notFound(segments[0]!);

    // POST /{page-id}/photos: multipart `source`, published=false for a photo to attach later.
    if (method === 'POST' && edge === 'photos' && target) {
      if (target.pageId !== page.pageId) return permission();
      const source = form?.get('source');
      if (!(source instanceof File) || source.size === 0 || !source.type.startsWith('image/')) {
        return fail(400, { message: '(#324) Requires upload file', type: 'OAuthException', code: 324 });
      }
      const published = form?.get('published') !== 'false';
      const alt = form?.get('alt_text_custom');
      const photo: FakePhoto = {
        id: String(this.nextId++),
        pageId: page.pageId,
        bytes: new Uint8Array(await source.arrayBuffer()),
        mime: source.type,
        filename: source.name,
        alt: typeof alt === 'string' ? alt : null,
        published,
        postId: null,
      };
      this.photos.push(photo);
      if (!published) return send(200, { id: photo.id });
      const caption = form?.get('message') ?? form?.get('caption');
      const post = this.record(page.pageId, typeof caption === 'string' ? caption : '', [photo.id], tokenIn);
      photo.postId = post.id;
      return send(200, { id: photo.id, post_id: post.id });
    }

    // POST /{page-id}/feed: message, and attached_media[i]={"media_fbid":"..."} (or a JSON array).
    if (method === 'POST' && edge === 'feed' && target) {
      if (target.pageId !== page.pageId) return permission();
      const message = form?.get('message');
      const media: unknown[] = [];
      for (const [key, value] of form?.entries() ?? []) {
        if (key === 'attached_media' || /^attached_media\[\d+\]$/.test(key)) {
          try {
            const parsed: unknown = JSON.parse(String(value));
            media.push(...(Array.isArray(parsed) ? parsed : [parsed]));
          } catch {
            return fail(400, { message: `(#100) param ${key} must be JSON`, type: 'OAuthException', code: 100 });
          }
        }
      }
      const photoIds: string[] = [];
      for (const [index, item] of media.entries()) {
        const id = (item as { media_fbid?: unknown } | null)?.media_fbid;
        const photo = typeof id === 'string' ? this.photo(id) : undefined;
        // Only the Page's own photos, uploaded unpublished and not yet attached elsewhere.
        if (!photo || photo.pageId !== page.pageId || photo.published || photo.postId !== null) {
          return fail(400, { message: `(#100) param attached_media[${index}] has invalid media_fbid`, type: 'OAuthException', code: 100 });
        }
        photoIds.push(photo.id);
      }
      if ((typeof message !== 'string' || message === '') && photoIds.length === 0) {
        return fail(400, { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100 });
      }
      const text = typeof message === 'string' ? message : '';
      const last = this.postsBy(page.pageId).at(-1);
      if (this.refuseDuplicates && text !== '' && last?.message === text) {
        return fail(400, { message: '(#506) Duplicate status message', type: 'OAuthException', code: 506, error_subcode: 1_455_006 });
      }
      const post = this.record(page.pageId, text, photoIds, tokenIn);
      for (const id of photoIds) this.photo(id)!.postId = post.id;
      return send(200, { id: post.id });
    }

    // GET /{page-id}/posts: newest first, `since` in unix seconds, `limit` at most 100.
    if (method === 'GET' && edge === 'posts' && target) {
      const since = url.searchParams.get('since');
      // With a __paging_token the token alone says where the page starts; `until` rides along.
      const until = url.searchParams.has('__paging_token') ? null : url.searchParams.get('until');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? '25'), 100);
      if (!Number.isInteger(limit) || limit < 1) return fail(400, { message: '(#100) limit must be a positive integer', type: 'OAuthException', code: 100 });
      const all = this.postsBy(target.pageId)
        .filter((p) => (!since || p.createdAt >= Number(since) * 1000) && (!until || p.createdAt <= Number(until) * 1000))
        .sort((a, b) => b.createdAt - a.createdAt);
      const cursor = url.searchParams.get('after') ?? url.searchParams.get('__paging_token');
      const offset = cursor ? Number.parseInt(Buffer.from(cursor, 'base64url').toString(), 10) : 0;
      if (!Number.isInteger(offset) || offset < 0) return fail(400, { message: '(#100) Invalid cursor', type: 'OAuthException', code: 100 });
      const slice = all.slice(offset, offset + limit);
      const data = slice.map((p) => ({ id: p.id, ...(p.message ? { message: p.message } : {}), created_time: graphTime(p.createdAt) }));
      const more = offset + limit < all.length;
      const encode = (n: number) => Buffer.from(String(n)).toString('base64url');
      const next = new URL(url.pathname, this.url);
      for (const [k, v] of url.searchParams) if (!['after', '__paging_token', 'until'].includes(k)) next.searchParams.set(k, v);
      let paging: Record<string, unknown> | undefined;
      if (this.pagingStyle === 'cursors') {
        next.searchParams.set('after', encode(offset + limit));
        paging = data.length ? { cursors: { before: encode(offset), after: encode(offset + limit) }, ...(more ? { next: next.href } : {}) } : undefined;
      } else if (more) {
        next.searchParams.set('until', String(Math.floor(slice.at(-1)!.createdAt / 1000)));
        next.searchParams.set('__paging_token', encode(offset + limit));
        paging = { next: next.href };
      }
      return send(200, { data, ...(paging ? { paging } : {}) });
    }

    return fail(400, { message: `Unsupported ${method} request.`, type: 'GraphMethodException', code: 100, error_subcode: 33 });

    function notFound(id: string) {
      return fail(400, {
        message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
      });
    }
    function permission() {
      return fail(403, { message: '(#200) The user hasn\'t authorized the application to perform this action', type: 'OAuthException', code: 200 });
    }
  }

  private record(pageId: string, message: string, photoIds: string[], tokenIn: TokenPlace | null): FakeFacebookPost {
    const post = this.addPost(pageId, message);
    post.photoIds = photoIds;
    post.tokenIn = tokenIn;
    return post;
  }
}

/** Graph's time format: 2025-10-01T12:00:00+0000. */
function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

function trace(): string {
  return Math.random().toString(36).slice(2, 13);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let counter = 0;
/** A fresh Page with a random Page access token, registered with the fake. */
export function fakePage(fake: FakeFacebook, options: { username?: string; name?: string } = {}): FakeFacebookPage {
  counter++;
  return fake.addPage({
    pageId: String(100_200_300 + counter),
    name: options.name ?? `Page ${counter}`,
    username: options.username,
    token: `EAAG${Math.random().toString(36).slice(2)}${counter}`,
  });
}

export function credentialsOf(page: FakeFacebookPage) {
  return { platform: 'facebook' as const, pageId: page.pageId, pageAccessToken: page.token };
}
