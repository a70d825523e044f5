// A loopback stand-in for the X API v2 that speaks its wire protocol: OAuth 1.0a user-context
// signatures are verified (HMAC-SHA1 over the request as received: query parameters and an
// application/x-www-form-urlencoded body are signed, a JSON or multipart body is not).
// - POST /2/tweets takes a JSON body with `text` and optionally `media.media_ids`, answers 201
//   { data: { id, text, edit_history_tweet_ids } } and refuses what X refuses (unknown fields,
//   duplicates, over-length text, media ids that are not the account's, more than four).
// - Media, as X's v2 chunked upload: POST /2/media/upload/initialize (JSON), POST
//   /2/media/upload/:id/append (multipart/form-data: segment_index, media), POST
//   /2/media/upload/:id/finalize, GET /2/media/upload?command=STATUS&media_id=, and alt text with
//   POST /2/media/metadata (JSON: { id, metadata: { alt_text: { text } } }).
// - GET /2/users/me, GET /2/users/:id/tweets (paginated), GET /2/tweets/:id (public_metrics
//   settable per post).
// Faults can be queued per account.
import http from 'node:http';
import { LoopbackServer } from './loopback';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { XCredentials } from '../../src/shared/credentials';
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
  /** The images attached, in order (`media.media_ids`); empty for a text-only post. */
  mediaIds: string[];
}

/** One media upload, as X holds it: what was declared at INIT and what arrived. */
export interface ReceivedMedia {
  id: string;
  mediaKey: string;
  /** The uploader. */
  userId: string;
  username: string;
  /** `media_type` declared at INIT. */
  mime: string;
  category: string;
  totalBytes: number;
  additionalOwners: string[];
  /** The file, assembled from its segments at FINALIZE (empty before). */
  bytes: Buffer;
  state: 'uploading' | 'processing' | 'succeeded' | 'failed';
  /** Set with POST /2/media/metadata. */
  alt: string | null;
}

export interface PublicMetrics {
  retweet_count: number;
  reply_count: number;
  like_count: number;
  quote_count: number;
  bookmark_count: number;
  impression_count: number;
}

export interface Fault {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Delay before answering, in ms. */
  delayMs?: number;
  /** Only for requests to this path, or to paths it matches (default: any request by the account). */
  path?: string | RegExp;
}

const MiB = 1024 * 1024;
/** X's size limits per media_category. */
const categoryLimits: Record<string, number> = { tweet_image: 5 * MiB, tweet_gif: 15 * MiB, dm_image: 5 * MiB, dm_gif: 15 * MiB };
const mediaTypes = new Set([
  'video/mp4', 'video/webm', 'video/mp2t', 'video/quicktime', 'text/srt', 'text/vtt', 'image/jpeg', 'image/gif',
  'image/bmp', 'image/png', 'image/webp', 'image/pjpeg', 'image/tiff', 'model/gltf-binary', 'model/vnd.usdz+zip',
]);
const mediaCategories = new Set(['amplify_video', 'tweet_gif', 'tweet_image', 'tweet_video', 'dm_gif', 'dm_image', 'dm_video', 'subtitles']);
const tweetFields = new Set([
  'article', 'attachments', 'author_id', 'card_uri', 'community_id', 'context_annotations', 'conversation_id', 'created_at',
  'display_text_range', 'edit_controls', 'edit_history_tweet_ids', 'entities', 'geo', 'id', 'in_reply_to_user_id', 'lang',
  'media_metadata', 'non_public_metrics', 'note_tweet', 'organic_metrics', 'possibly_sensitive', 'promoted_metrics',
  'public_metrics', 'referenced_tweets', 'reply_settings', 'scopes', 'source', 'text', 'withheld',
]);
const metadataFields = new Set([
  'alt_text', 'allow_download_status', 'audience_policy', 'content_expiration', 'domain_restrictions', 'found_media_origin',
  'geo_restrictions', 'management_info', 'preview_image', 'sensitive_media_warning', 'shared_info', 'sticker_info', 'upload_source',
]);
const invalidRequest = 'https://api.twitter.com/2/problems/invalid-request';

export class FakeX extends LoopbackServer {
  readonly posts: ReceivedPost[] = [];
  readonly requests: { method: string; path: string; username: string | null; status: number }[] = [];
  /** Every upload by media id, finished or not. */
  readonly media = new Map<string, ReceivedMedia>();
  private readonly accounts = new Map<string, FakeXAccount>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly nonces = new Set<string>();
  private readonly segments = new Map<string, Map<number, Buffer>>();
  private readonly statusChecks = new Map<string, number>();
  private readonly metrics = new Map<string, PublicMetrics>();
  private nextId = 1790000000000000000n;
  private nextMediaId = 1880000000000000000n;
  /** X refuses a post identical to a recent one; turn off to count duplicates instead. */
  refuseDuplicates = true;
  /** Delay every successful POST /2/tweets answer by this many ms. */
  responseDelayMs = 0;
  /**
   * X processes some files after FINALIZE: when set, FINALIZE answers `processing_info` and
   * this many STATUS checks answer "in_progress" (check_after_secs: 1) before the last one.
   */
  mediaProcessingChecks = 0;
  /** With mediaProcessingChecks: processing ends in "failed" rather than "succeeded". */
  mediaProcessingFails = false;
  /** Called when a post is recorded, before it is answered. */
  onPost: ((post: ReceivedPost) => void) | undefined;

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

  /** The images of a post, in the order they are shown. */
  mediaOf(post: ReceivedPost): ReceivedMedia[] {
    return post.mediaIds.map((id) => this.media.get(id)!);
  }

  /** What GET /2/tweets/:id reports in public_metrics for this post (zeros until set). */
  setMetrics(postId: string, metrics: Partial<PublicMetrics>): void {
    this.metrics.set(postId, { ...this.metricsOf(postId), ...metrics });
  }

  /** Listens on 127.0.0.1 (on `port` to come back where a stopped fake was). */


  private metricsOf(postId: string): PublicMetrics {
    return (
      this.metrics.get(postId) ?? { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, bookmark_count: 0, impression_count: 0 }
    );
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const receivedAt = performance.timeOrigin + performance.now();
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];

    const auth = this.authenticate(req, url, raw);
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
    const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) =>
      send(status, { title, detail, type: status === 400 ? invalidRequest : 'about:blank', status, ...extra });
    /** A JSON object body, or an answer already sent. */
    const jsonBody = (): Record<string, unknown> | null => {
      if (!contentType?.startsWith('application/json')) {
        problem(415, 'Unsupported Media Type', 'Content-Type must be application/json');
        return null;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        problem(400, 'Invalid Request', 'Request body is not valid JSON');
        return null;
      }
      if (!isObject(body)) {
        problem(400, 'Invalid Request', 'Body must be a JSON object');
        return null;
      }
      return body;
    };

    if ('error' in auth) return problem(401, 'Unauthorized', auth.error);
    const account = auth.account;

    const queue = this.faults.get(account.username) ?? [];
    const faultIndex = queue.findIndex(
      (f) => f.path === undefined || (typeof f.path === 'string' ? f.path === url.pathname : f.path.test(url.pathname)),
    );
    const fault = faultIndex >= 0 ? queue.splice(faultIndex, 1)[0] : undefined;
    if (fault) {
      if (fault.delayMs) await sleep(fault.delayMs);
      return send(fault.status, fault.body ?? { title: 'Fault', detail: 'injected', status: fault.status }, fault.headers);
    }

    if (method === 'GET' && url.pathname === '/2/users/me') {
      const { userId: id, name, username: handle } = account;
      return send(200, { data: { id, name, username: handle } });
    }

    const timeline = /^\/2\/users\/(\d+)\/tweets$/.exec(url.pathname);
    if (method === 'GET' && timeline) {
      const fields = this.tweetFields(url);
      if (typeof fields === 'string') return problem(400, 'Invalid Request', fields);
      const since = url.searchParams.get('start_time');
      const max = Number(url.searchParams.get('max_results') ?? '10');
      if (!Number.isInteger(max) || max < 5 || max > 100) return problem(400, 'Invalid Request', 'max_results must be 5..100');
      const all = this.posts.filter((p) => p.userId === timeline[1] && (!since || p.receivedAt >= Date.parse(since))).reverse();
      // Pagination as X does it: an opaque next_token, sent back as pagination_token.
      const token = url.searchParams.get('pagination_token');
      const offset = token ? Number.parseInt(Buffer.from(token, 'base64url').toString(), 10) : 0;
      if (!Number.isInteger(offset) || offset < 0) return problem(400, 'Invalid Request', 'pagination_token is invalid');
      const posts = all.slice(offset, offset + max).map((p) => this.render(p, fields));
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

    const single = /^\/2\/tweets\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && single) {
      const id = decodeURIComponent(single[1]!);
      if (!/^\d{1,19}$/.test(id)) return problem(400, 'Invalid Request', `The \`id\` query parameter value [${id}] is not valid`);
      const fields = this.tweetFields(url);
      if (typeof fields === 'string') return problem(400, 'Invalid Request', fields);
      const post = this.posts.find((p) => p.id === id);
      // X answers a post it cannot show with 200, `errors` and no `data`.
      if (!post) {
        return send(200, {
          errors: [
            {
              value: id,
              detail: `Could not find tweet with id: [${id}].`,
              title: 'Not Found Error',
              resource_type: 'tweet',
              parameter: 'id',
              resource_id: id,
              type: 'https://api.twitter.com/2/problems/resource-not-found',
            },
          ],
        });
      }
      return send(200, { data: this.render(post, fields) });
    }

    if (method === 'POST' && url.pathname === '/2/media/upload/initialize') {
      const body = jsonBody();
      if (!body) return;
      const unknown = Object.keys(body).filter((k) => !['media_type', 'total_bytes', 'media_category', 'additional_owners', 'shared'].includes(k));
      if (unknown.length > 0) return problem(400, 'Invalid Request', `Unknown field(s): ${unknown.join(', ')}`);
      const { media_type: mime, total_bytes: total, additional_owners: owners = [] } = body;
      if (typeof mime !== 'string' || !mediaTypes.has(mime)) return problem(400, 'Invalid Request', 'media_type is invalid');
      if (typeof total !== 'number' || !Number.isSafeInteger(total) || total <= 0) {
        return problem(400, 'Invalid Request', 'total_bytes must be a positive integer');
      }
      const category = body.media_category ?? (mime === 'image/gif' ? 'tweet_gif' : mime.startsWith('image/') ? 'tweet_image' : 'tweet_video');
      if (typeof category !== 'string' || !mediaCategories.has(category)) return problem(400, 'Invalid Request', 'media_category is invalid');
      if (/_(image|gif)$/.test(category) && !mime.startsWith('image/')) {
        return problem(400, 'Invalid Request', `media_type ${mime} does not match media_category ${category}`);
      }
      const limit = categoryLimits[category];
      if (limit !== undefined && total > limit) return problem(400, 'Invalid Request', `File size exceeds ${limit} bytes.`);
      if (!Array.isArray(owners) || !owners.every((o): o is string => typeof o === 'string' && /^\d{1,19}$/.test(o))) {
        return problem(400, 'Invalid Request', 'additional_owners must be user ids');
      }
      const id = String(this.nextMediaId++);
      const media: ReceivedMedia = {
        id,
        mediaKey: `3_${id}`,
        userId: account.userId,
        username: account.username,
        mime,
        category,
        totalBytes: total,
        additionalOwners: owners,
        bytes: Buffer.alloc(0),
        state: 'uploading',
        alt: null,
      };
      this.media.set(id, media);
      this.segments.set(id, new Map());
      return send(200, { data: { id, media_key: media.mediaKey, expires_after_secs: 86_400 } });
    }

    const step = /^\/2\/media\/upload\/([^/]+)\/(append|finalize)$/.exec(url.pathname);
    if (method === 'POST' && step) {
      const media = this.media.get(decodeURIComponent(step[1]!));
      if (!media || media.userId !== account.userId) return problem(400, 'Invalid Request', 'media id is invalid');
      if (media.state !== 'uploading') return problem(400, 'Invalid Request', 'the upload is already finalized');
      const segments = this.segments.get(media.id)!;

      if (step[2] === 'append') {
        if (!contentType?.startsWith('multipart/form-data')) {
          return problem(415, 'Unsupported Media Type', 'Content-Type must be multipart/form-data');
        }
        const parts = parseMultipart(bytes, contentType);
        if (typeof parts === 'string') return problem(400, 'Invalid Request', parts);
        const unknown = [...parts.keys()].filter((k) => k !== 'segment_index' && k !== 'media');
        if (unknown.length > 0) return problem(400, 'Invalid Request', `Unknown field(s): ${unknown.join(', ')}`);
        const index = Number(parts.get('segment_index')?.value.toString('utf8'));
        if (!Number.isInteger(index) || index < 0 || index > 999) return problem(400, 'Invalid Request', 'segment_index must be 0..999');
        const chunk = parts.get('media')?.value;
        if (!chunk || chunk.length === 0) return problem(400, 'Invalid Request', 'media is required');
        if (chunk.length > 5 * MiB) return problem(400, 'Invalid Request', 'A segment may not exceed 5 MB');
        if (segments.has(index)) return problem(400, 'Invalid Request', `segment ${index} was already appended`);
        const received = [...segments.values()].reduce((n, s) => n + s.length, 0);
        if (received + chunk.length > media.totalBytes) return problem(400, 'Invalid Request', 'More bytes than total_bytes');
        segments.set(index, chunk);
        return send(200, { data: { expires_at: Math.floor(Date.now() / 1000) + 86_400 } });
      }

      // FINALIZE: every segment from 0, exactly total_bytes, a file of the declared type.
      if (raw.trim() !== '' && raw.trim() !== '{}') return problem(400, 'Invalid Request', 'FINALIZE takes no parameters');
      const order = [...segments.keys()].sort((a, b) => a - b);
      if (order.some((index, position) => index !== position)) return problem(400, 'Invalid Request', 'Segments are missing');
      const file = Buffer.concat(order.map((index) => segments.get(index)!));
      if (file.length !== media.totalBytes) {
        return problem(400, 'Invalid Request', `Received ${file.length} bytes, total_bytes was ${media.totalBytes}`);
      }
      if (media.mime.startsWith('image/') && sniff(file) !== media.mime.replace('image/pjpeg', 'image/jpeg')) {
        return problem(400, 'Invalid Request', 'InvalidMedia: the file is not a valid image of the declared media_type');
      }
      media.bytes = file;
      this.segments.delete(media.id);
      const processing = this.mediaProcessingChecks > 0;
      media.state = processing ? 'processing' : 'succeeded';
      if (processing) this.statusChecks.set(media.id, 0);
      return send(200, {
        data: {
          id: media.id,
          media_key: media.mediaKey,
          size: file.length,
          expires_after_secs: 86_400,
          ...(processing ? { processing_info: { state: 'pending', check_after_secs: 1 } } : {}),
        },
      });
    }

    if (method === 'GET' && url.pathname === '/2/media/upload') {
      if (url.searchParams.get('command') !== 'STATUS') return problem(400, 'Invalid Request', 'command must be STATUS');
      const media = this.media.get(url.searchParams.get('media_id') ?? '');
      if (!media || media.userId !== account.userId) return problem(400, 'Invalid Request', 'media_id is invalid');
      if (media.state === 'uploading') return problem(400, 'Invalid Request', 'the upload is not finalized');
      if (media.state === 'processing') {
        const checks = (this.statusChecks.get(media.id) ?? 0) + 1;
        this.statusChecks.set(media.id, checks);
        if (checks > this.mediaProcessingChecks) media.state = this.mediaProcessingFails ? 'failed' : 'succeeded';
      }
      const info =
        media.state === 'processing'
          ? { state: 'in_progress', check_after_secs: 1, progress_percent: 50 }
          : media.state === 'failed'
            ? { state: 'failed', progress_percent: 100, error: { code: 1, name: 'InvalidMedia', message: 'Unsupported image' } }
            : { state: 'succeeded', progress_percent: 100 };
      return send(200, { data: { id: media.id, media_key: media.mediaKey, processing_info: info } });
    }

    if (method === 'POST' && url.pathname === '/2/media/metadata') {
      const body = jsonBody();
      if (!body) return;
      const unknown = Object.keys(body).filter((k) => k !== 'id' && k !== 'metadata');
      if (unknown.length > 0) return problem(400, 'Invalid Request', `Unknown field(s): ${unknown.join(', ')}`);
      const media = typeof body.id === 'string' ? this.media.get(body.id) : undefined;
      if (!media || !this.owns(account, media)) return problem(400, 'Invalid Request', 'id is not a media id of this account');
      if (media.state !== 'succeeded') return problem(400, 'Invalid Request', 'the media is not ready');
      const metadata = body.metadata;
      if (!isObject(metadata)) return problem(400, 'Invalid Request', 'metadata must be an object');
      const unknownMetadata = Object.keys(metadata).filter((k) => !metadataFields.has(k));
      if (unknownMetadata.length > 0) return problem(400, 'Invalid Request', `Unknown metadata: ${unknownMetadata.join(', ')}`);
      const alt = metadata.alt_text;
      if (alt !== undefined) {
        if (!isObject(alt) || Object.keys(alt).some((k) => k !== 'text') || typeof alt.text !== 'string') {
          return problem(400, 'Invalid Request', 'alt_text must be { text }');
        }
        if ([...alt.text].length > 1_000) return problem(400, 'Invalid Request', 'alt_text.text must be at most 1000 characters');
        media.alt = alt.text;
      }
      return send(200, { data: { id: media.id, associated_metadata: media.alt === null ? {} : { alt_text: { text: media.alt } } } });
    }

    if (method === 'POST' && url.pathname === '/2/tweets') {
      const body = jsonBody();
      if (!body) return;
      const allowed = new Set(['text', 'reply', 'quote_tweet_id', 'media', 'poll', 'reply_settings', 'for_super_followers_only', 'direct_message_deep_link', 'geo', 'nullcast', 'card_uri', 'community_id', 'edit_options', 'made_with_ai', 'paid_partnership', 'share_with_followers']);
      const unknown = Object.keys(body).filter((k) => !allowed.has(k));
      if (unknown.length > 0) return problem(400, 'Invalid Request', `Unknown field(s): ${unknown.join(', ')}`);
      const mediaIds = this.checkMedia(account, body.media);
      if (typeof mediaIds === 'string') return problem(400, 'Invalid Request', 'One or more parameters to your request was invalid.', { errors: [{ parameters: { 'media.media_ids': [] }, message: mediaIds }] });
      const text = body.text;
      if (typeof text !== 'string' || (text.length === 0 && mediaIds.length === 0)) {
        return problem(400, 'Invalid Request', 'text must be a non-empty string');
      }
      if (twitterText.parseTweet(text).weightedLength > 280) {
        return problem(403, 'Forbidden', 'Your Tweet text is too long.');
      }
      const mine = this.postsBy(account.username);
      if (this.refuseDuplicates && mine.some((p) => p.text === text)) {
        return problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
      }
      const id = String(this.nextId++);
      const post: ReceivedPost = { id, text, username: account.username, userId: account.userId, receivedAt, contentType, body, mediaIds };
      this.posts.push(post);
      this.onPost?.(post);
      if (this.responseDelayMs) await sleep(this.responseDelayMs);
      return send(201, { data: { id, text: displayText(post), edit_history_tweet_ids: [id] } });
    }

    return problem(404, 'Not Found', `No route for ${method} ${url.pathname}`);
  }

  private owns(account: FakeXAccount, media: ReceivedMedia): boolean {
    return media.userId === account.userId || media.additionalOwners.includes(account.userId);
  }

  /** `media` of POST /2/tweets: the ids, or why X refuses them. */
  private checkMedia(account: FakeXAccount, media: unknown): string[] | string {
    if (media === undefined) return [];
    if (!isObject(media)) return 'media must be an object';
    const unknown = Object.keys(media).filter((k) => k !== 'media_ids' && k !== 'tagged_user_ids');
    if (unknown.length > 0) return `Unknown field(s) in media: ${unknown.join(', ')}`;
    const ids = media.media_ids;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 4) return 'media.media_ids must hold 1 to 4 ids';
    if (new Set(ids).size !== ids.length) return 'media.media_ids has the same id twice';
    for (const id of ids) {
      const found = typeof id === 'string' ? this.media.get(id) : undefined;
      if (!found || !this.owns(account, found)) return `Your media IDs are invalid: ${String(id)}`;
      if (found.state !== 'succeeded') return `Media ${found.id} is not ready`;
    }
    return ids as string[];
  }

  /** `tweet.fields`, or why X refuses them. */
  private tweetFields(url: URL): Set<string> | string {
    const fields = new Set((url.searchParams.get('tweet.fields') ?? '').split(',').filter(Boolean));
    const unknown = [...fields].filter((f) => !tweetFields.has(f));
    return unknown.length > 0 ? `The \`tweet.fields\` query parameter value [${unknown.join(',')}] is not one of [${[...tweetFields].join(',')}]` : fields;
  }

  /** A post as X v2 returns it: id, text and edit history always, other fields when asked for. */
  private render(post: ReceivedPost, fields: Set<string>) {
    return {
      id: post.id,
      text: displayText(post),
      edit_history_tweet_ids: [post.id],
      ...(fields.has('created_at') ? { created_at: new Date(post.receivedAt).toISOString() } : {}),
      ...(fields.has('author_id') ? { author_id: post.userId } : {}),
      ...(fields.has('attachments') && post.mediaIds.length > 0
        ? { attachments: { media_keys: post.mediaIds.map((id) => this.media.get(id)!.mediaKey) } }
        : {}),
      ...(fields.has('public_metrics') ? { public_metrics: this.metricsOf(post.id) } : {}),
    };
  }

  private authenticate(req: http.IncomingMessage, url: URL, raw: string): { account: FakeXAccount } | { error: string } {
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

    // RFC 5849 §3.4.1.3: the query, and the body only when it is application/x-www-form-urlencoded
    // (a JSON or multipart body is not part of the signature base string).
    const signed: [string, string][] = [...params].filter(([k]) => k !== 'oauth_signature' && k !== 'realm');
    for (const [k, v] of url.searchParams) signed.push([k, v]);
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(raw)) signed.push([k, v]);
    }
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

/** A post's text as X returns it: a post with images ends with one t.co link to them. */
function displayText(post: ReceivedPost): string {
  return post.mediaIds.length > 0 ? `${post.text} https://t.co/${BigInt(post.id).toString(36).slice(-10)}` : post.text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The image type a file's first bytes say it is. */
function sniff(file: Buffer): string | null {
  if (file.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (file[0] === 0xff && file[1] === 0xd8 && file[2] === 0xff) return 'image/jpeg';
  if (/^GIF8[79]a/.test(file.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (file.subarray(0, 4).toString('latin1') === 'RIFF' && file.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (file.subarray(0, 2).toString('latin1') === 'BM') return 'image/bmp';
  if (['II*\0', 'MM\0*'].includes(file.subarray(0, 4).toString('latin1'))) return 'image/tiff';
  return null;
}

/**
 * multipart/form-data (RFC 7578) parsed on bytes: each part's name, filename, type and raw
 * value. Not `Request.formData()`: undici decodes a part without a filename as UTF-8 text,
 * which mangles the image bytes twitter-api-v2 sends that way (`media`, no filename).
 */
export function parseMultipart(body: Buffer, contentType: string): Map<string, { value: Buffer; filename?: string; type?: string }> | string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return 'multipart boundary missing';
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = new Map<string, { value: Buffer; filename?: string; type?: string }>();
  let position = body.indexOf(delimiter);
  if (position < 0) return 'multipart body without its boundary';
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString('latin1') === '--') return parts;
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') return 'malformed multipart delimiter';
    const headersEnd = body.indexOf('\r\n\r\n', position + 2);
    if (headersEnd < 0) return 'malformed multipart part';
    const headers = new Map<string, string>();
    for (const line of body.subarray(position + 2, headersEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const end = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (end < 0) return 'multipart body not closed';
    const disposition = headers.get('content-disposition') ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/.exec(disposition)?.[1];
    if (!/^form-data\b/.test(disposition) || name === undefined) return 'multipart part without a form-data name';
    if (parts.has(name)) return `multipart field ${name} given twice`;
    const filename = /;\s*filename="([^"]*)"/.exec(disposition)?.[1];
    const type = headers.get('content-type');
    parts.set(name, { value: body.subarray(headersEnd + 4, end), ...(filename !== undefined ? { filename } : {}), ...(type ? { type } : {}) });
    position = end + 2;
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

/** The account's credentials as Tandem stores them. */
export function credentialsOf(account: FakeXAccount): XCredentials {
  const { appKey, appSecret, accessToken, accessSecret } = account;
  return { platform: 'x', appKey, appSecret, accessToken, accessSecret };
}
