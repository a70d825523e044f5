// A loopback stand-in for the X API v2 that speaks its wire protocol: OAuth 1.0a user-context
// signatures are verified (HMAC-SHA1 over the request as received), POST /2/tweets takes a JSON
// body with `text`, answers 201 { data: { id, text, edit_history_tweet_ids } } and refuses what
// X refuses (duplicates, over-length text, bad signatures). Faults can be queued per account.
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { twitterText } from '../../src/shared/limits';

export interface FakeXAccount {
  userId: string;
  username: string;
  name: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

export interface ReceivedPost {
  id: string;
  text: string;
  username: string;
  /** performance.timeOrigin + performance.now() when the request body was complete. */
  receivedAt: number;
  userId: string;
  contentType: string | undefined;
  body: unknown;
}

export interface Fault {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Delay before answering, in ms. */
  delayMs?: number;
  /** Only for requests to this path (default: any request by the account). */
  path?: string;
}

export class FakeX {
  readonly posts: ReceivedPost[] = [];
  readonly requests: { method: string; path: string; username: string | null; status: number }[] = [];
  private readonly accounts = new Map<string, FakeXAccount>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly nonces = new Set<string>();
  private server: http.Server | undefined;
  private nextId = 1790000000000000000n;
  /** X refuses a post identical to a recent one; turn off to count duplicates instead. */
  refuseDuplicates = true;
  /** Delay every successful POST /2/tweets answer by this many ms. */
  responseDelayMs = 0;
  /** Called when a post is recorded, before it is answered. */
  onPost: ((post: ReceivedPost) => void) | undefined;
  url = '';

  addAccount(account: FakeXAccount): FakeXAccount {
    this.accounts.set(account.accessToken, account);
    return account;
  }

  /** Answer the next `times` requests made with this account's token with `fault`. */
  failNext(username: string, fault: Fault, times = 1): void {
    const queue = this.faults.get(username) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(username, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  postsBy(username: string): ReceivedPost[] {
    return this.posts.filter((p) => p.username === username);
  }

  /** Listens on 127.0.0.1 (on `port` to come back where a stopped fake was). */
  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const receivedAt = performance.timeOrigin + performance.now();
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const method = req.method ?? 'GET';

    const auth = this.authenticate(req, url);
    const username = 'account' in auth ? auth.account.username : null;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname, username, status });
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-rate-limit-limit': '100',
        'x-rate-limit-remaining': '99',
        'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 900),
        ...headers,
      });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const problem = (status: number, title: string, detail: string) =>
      send(status, { title, detail, type: 'about:blank', status });

    if ('error' in auth) return problem(401, 'Unauthorized', auth.error);

    const queue = this.faults.get(auth.account.username) ?? [];
    const faultIndex = queue.findIndex((f) => f.path === undefined || f.path === url.pathname);
    const fault = faultIndex >= 0 ? queue.splice(faultIndex, 1)[0] : undefined;
    if (fault) {
      if (fault.delayMs) await sleep(fault.delayMs);
      return send(fault.status, fault.body ?? { title: 'Fault', detail: 'injected', status: fault.status }, fault.headers);
    }

    if (method === 'GET' && url.pathname === '/2/users/me') {
      const { userId: id, name, username: handle } = auth.account;
      return send(200, { data: { id, name, username: handle } });
    }

    const timeline = /^\/2\/users\/(\d+)\/tweets$/.exec(url.pathname);
    if (method === 'GET' && timeline) {
      const since = url.searchParams.get('start_time');
      const max = Number(url.searchParams.get('max_results') ?? '10');
      if (!Number.isInteger(max) || max < 5 || max > 100) return problem(400, 'Invalid Request', 'max_results must be 5..100');
      const all = this.posts.filter((p) => p.userId === timeline[1] && (!since || p.receivedAt >= Date.parse(since))).reverse();
      // Pagination as X does it: an opaque next_token, sent back as pagination_token.
      const token = url.searchParams.get('pagination_token');
      const offset = token ? Number.parseInt(Buffer.from(token, 'base64url').toString(), 10) : 0;
      if (!Number.isInteger(offset) || offset < 0) return problem(400, 'Invalid Request', 'pagination_token is invalid');
      const posts = all
        .slice(offset, offset + max)
        .map((p) => ({ id: p.id, text: p.text, created_at: new Date(p.receivedAt).toISOString(), edit_history_tweet_ids: [p.id] }));
      const nextToken = offset + max < all.length ? Buffer.from(String(offset + max)).toString('base64url') : undefined;
      return send(200, {
        ...(posts.length ? { data: posts } : {}),
        meta: {
          result_count: posts.length,
          ...(posts.length ? { newest_id: posts[0]!.id, oldest_id: posts.at(-1)!.id } : {}),
          ...(nextToken ? { next_token: nextToken } : {}),
        },
      });
    }

    if (method === 'POST' && url.pathname === '/2/tweets') {
      const contentType = req.headers['content-type'];
      if (!contentType?.startsWith('application/json')) {
        return problem(415, 'Unsupported Media Type', 'Content-Type must be application/json');
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return problem(400, 'Invalid Request', 'Request body is not valid JSON');
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return problem(400, 'Invalid Request', 'Body must be a JSON object');
      }
      const allowed = new Set(['text', 'reply', 'quote_tweet_id', 'media', 'poll', 'reply_settings', 'for_super_followers_only', 'direct_message_deep_link', 'geo', 'nullcast']);
      const unknown = Object.keys(body).filter((k) => !allowed.has(k));
      if (unknown.length > 0) return problem(400, 'Invalid Request', `Unknown field(s): ${unknown.join(', ')}`);
      const text = (body as { text?: unknown }).text;
      if (typeof text !== 'string' || text.length === 0) {
        return problem(400, 'Invalid Request', 'text must be a non-empty string');
      }
      if (twitterText.parseTweet(text).weightedLength > 280) {
        return problem(403, 'Forbidden', 'Your Tweet text is too long.');
      }
      const mine = this.postsBy(auth.account.username);
      if (this.refuseDuplicates && mine.some((p) => p.text === text)) {
        return problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
      }
      const id = String(this.nextId++);
      const post: ReceivedPost = { id, text, username: auth.account.username, userId: auth.account.userId, receivedAt, contentType, body };
      this.posts.push(post);
      this.onPost?.(post);
      if (this.responseDelayMs) await sleep(this.responseDelayMs);
      return send(201, { data: { id, text, edit_history_tweet_ids: [id] } });
    }

    return problem(404, 'Not Found', `No route for ${method} ${url.pathname}`);
  }

  private authenticate(req: http.IncomingMessage, url: URL): { account: FakeXAccount } | { error: string } {
    const header = req.headers.authorization;
    if (!header?.startsWith('OAuth ')) return { error: 'OAuth 1.0a Authorization header required' };
    const params = new Map<string, string>();
    for (const part of header.slice(6).split(',')) {
      const match = /^\s*([a-z_]+)="([^"]*)"\s*$/.exec(part);
      if (!match) return { error: 'Malformed Authorization header' };
      params.set(match[1]!, decodeURIComponent(match[2]!));
    }
    for (const name of ['oauth_consumer_key', 'oauth_token', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce', 'oauth_version', 'oauth_signature']) {
      if (!params.get(name)) return { error: `Missing ${name}` };
    }
    if (params.get('oauth_signature_method') !== 'HMAC-SHA1' || params.get('oauth_version') !== '1.0') {
      return { error: 'Unsupported signature method' };
    }
    const account = this.accounts.get(params.get('oauth_token')!);
    if (!account || account.appKey !== params.get('oauth_consumer_key')) return { error: 'Unknown token' };
    if (Math.abs(Date.now() / 1000 - Number(params.get('oauth_timestamp'))) > 300) return { error: 'Stale timestamp' };
    const nonce = params.get('oauth_nonce')!;
    if (this.nonces.has(nonce)) return { error: 'Replayed nonce' };

    const signed: [string, string][] = [...params].filter(([k]) => k !== 'oauth_signature' && k !== 'realm');
    for (const [k, v] of url.searchParams) signed.push([k, v]);
    const normalized = signed
      .map(([k, v]) => [percent(k), percent(v)] as const)
      .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const base = [req.method ?? 'GET', percent(`${url.origin}${url.pathname}`), percent(normalized)].join('&');
    const key = `${percent(account.appSecret)}&${percent(account.accessSecret)}`;
    const expected = createHmac('sha1', key).update(base).digest();
    const given = Buffer.from(params.get('oauth_signature')!, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'Invalid signature' };
    this.nonces.add(nonce);
    return { account };
  }
}

function percent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let counter = 0;
/** A fresh account with random credentials, registered with the fake. */
export function fakeAccount(
  fake: FakeX,
  username: string,
  app: { appKey: string; appSecret: string } = fakeApp(),
): FakeXAccount {
  counter++;
  return fake.addAccount({
    userId: String(1000 + counter),
    username,
    name: username,
    ...app,
    accessToken: `${counter}-token-${rand()}`,
    accessSecret: `tokensecret-${rand()}`,
  });
}

const rand = () => Math.random().toString(36).slice(2);

/** Consumer credentials of one developer app, which a department uses for both accounts. */
export function fakeApp(): { appKey: string; appSecret: string } {
  return { appKey: `app-${rand()}`, appSecret: `appsecret-${rand()}` };
}

export function credentialsOf(account: FakeXAccount) {
  const { appKey, appSecret, accessToken, accessSecret } = account;
  return { appKey, appSecret, accessToken, accessSecret };
}
