// X (Twitter) through twitter-api-v2 1.29 with OAuth 1.0a user-context credentials.
//
// Images: twitter-api-v2 1.29 offers both of X's uploads, v1.1 (`client.v1.uploadMedia`, the
// INIT/APPEND/FINALIZE commands on upload.x.com/1.1/media/upload.json) and v2
// (`client.v2.uploadMedia`: POST /2/media/upload/initialize, /2/media/upload/{id}/append,
// /2/media/upload/{id}/finalize, and GET /2/media/upload?command=STATUS while X processes the
// file). X documents the v2 endpoints as its media upload API (docs.x.com/x-api/media) and has
// deprecated v1.1's, so v2 is used; alt text likewise goes through v2's POST /2/media/metadata
// (`client.v2.createMediaMetadata`) rather than v1.1's media/metadata/create.
//
// X has no idempotency key: nothing in POST /2/tweets makes a second attempt return the first
// post. After an attempt whose outcome is unknown, findPublished looks for the text among the
// account's recent posts instead, and X itself refuses a second identical post as a duplicate.
import http from 'node:http';
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
  type EUploadMimeType,
  type ITwitterApiClientPlugin,
  type SendTweetV2Params,
} from 'twitter-api-v2';
import { z } from 'zod';
import { xCredentialsSchema, type XCredentials } from '../../shared/credentials';
import { defaultLimits, validateSide } from '../../shared/limits';
import { badResponse, comparable, fromNetworkError, fromStatus, parseAnswer, retryAtFrom } from './http';
import {
  PlatformError,
  type Identity,
  type LookupRequest,
  type MediaUpload,
  type Metrics,
  type MetricsRequest,
  type PlatformAdapter,
  type Published,
  type PublishRequest,
} from './types';

export interface XAdapterOptions {
  /**
   * Send every request to this origin instead of https://api.x.com (loopback fakes in tests
   * and the web harness). Never set in the packaged app.
   */
  apiBase?: string;
  /** Per HTTP request; a request that takes longer may still have been acted on. */
  timeoutMs?: number;
  /** How long one image may spend being processed by X (GIFs are) before the attempt gives up. */
  mediaProcessingMs?: number;
}

/** Pages of 100 posts read when looking for a post whose outcome is unknown. */
const X_LOOKUP_PAGES = 10;
/** Bytes per APPEND request (twitter-api-v2's default; X takes segments of up to 5 MB). */
const CHUNK_BYTES = 1024 * 1024;

/** The image types X takes, as twitter-api-v2 names them for the upload. */
const uploadTypes: ReadonlyMap<string, `${EUploadMimeType}`> = new Map([
  ['image/jpeg', 'image/jpeg'],
  ['image/png', 'image/png'],
  ['image/gif', 'image/gif'],
  ['image/webp', 'image/webp'],
] as const);

// What is read of X's answers, checked before any of it is trusted (an id ends up in a URL).
const postId = z.string().regex(/^\d{1,19}$/);
const count = z.number().int().nonnegative();
const meSchema = z.object({ data: z.object({ id: postId, username: z.string().min(1).max(50) }) });
const createdSchema = z.object({ data: z.object({ id: postId }) });
const metadataSchema = z.object({ data: z.object({ id: postId }) });
const timelineSchema = z.object({
  data: z
    .array(
      z.object({
        id: z.unknown(),
        text: z.unknown(),
        attachments: z.object({ media_keys: z.array(z.string()).optional() }).optional().catch(undefined),
      }),
    )
    .optional(),
  meta: z.object({ next_token: z.unknown() }).optional(),
});
const problemSchema = z.object({ title: z.string().optional(), detail: z.string().optional(), type: z.string().optional() });
const lookupSchema = z.object({
  data: z
    .object({
      id: postId,
      // Each figure on its own: one X stops reporting must not hide the others.
      public_metrics: z
        .object({
          like_count: count.optional().catch(undefined),
          retweet_count: count.optional().catch(undefined),
          quote_count: count.optional().catch(undefined),
          reply_count: count.optional().catch(undefined),
          impression_count: count.optional().catch(undefined),
        })
        .optional(),
    })
    .optional(),
  errors: z.array(problemSchema).optional(),
});

export class XAdapter implements PlatformAdapter<'x'> {
  readonly platform = 'x' as const;
  readonly credentialsSchema = xCredentialsSchema;
  readonly limits = defaultLimits.x;
  private readonly timeoutMs: number;
  private readonly mediaProcessingMs: number;
  /**
   * A plain-HTTP address (a loopback server in tests and benchmarks): one agent that keeps its
   * connections open, as Node's global HTTPS agent does for X itself, so a burst of posts does
   * not open a new connection per request.
   */
  private plainAgent: http.Agent | undefined;

  constructor(private readonly options: XAdapterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.mediaProcessingMs = options.mediaProcessingMs ?? 60_000;
  }

  /** Text and images of one side against an account's limits: the same rules the composer shows. */
  readonly validate = validateSide;

  async verify(credentials: XCredentials): Promise<Identity> {
    const me = parseAnswer(meSchema, await this.request(() => this.client(credentials).v2.me()));
    return { remoteUserId: me.data.id, handle: me.data.username };
  }

  async publish({ text, lang, handle, credentials, media }: PublishRequest<XCredentials>): Promise<Published> {
    // `lang` is not sent: X has no field for a post's language (it detects one itself), and
    // POST /2/tweets refuses fields it does not know. The body is `text` and, with images,
    // `media.media_ids`; nothing else.
    const { maxImages } = this.limits;
    if (media.length > maxImages) {
      // validate() refuses this before a delivery is attempted; checked again here because X
      // would only refuse it after every image had been uploaded.
      throw new PlatformError({ code: 'media.tooMany', params: { lang, count: media.length, max: maxImages } }, 'permanent');
    }
    const client = this.client(credentials);
    // One at a time, in order: media_ids sets the order the images are shown in.
    const mediaIds: string[] = [];
    for (const [index, item] of media.entries()) mediaIds.push(await this.upload(client, item, index + 1));
    const ids = asMediaIds(mediaIds);
    const payload: SendTweetV2Params = ids ? { text, media: { media_ids: ids } } : { text };
    const created = parseAnswer(createdSchema, await this.request(() => client.v2.tweet(payload)));
    return { remoteId: created.data.id, remoteUrl: postUrl(handle, created.data.id) };
  }

  async findPublished({ text, handle, remoteUserId, credentials, since }: LookupRequest<XCredentials>): Promise<Published | null> {
    // The account's own posts since a minute before the claim (clock skew), newest first, page
    // by page: a busy account can have more than one page of posts in that window, and a post
    // missed on page two would be sent again.
    const startTime = new Date(since - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const client = this.client(credentials);
    let token: string | undefined;
    for (let pages = 0; pages < X_LOOKUP_PAGES; pages++) {
      const page = parseAnswer(
        timelineSchema,
        await this.request(() =>
          client.v2.get(
            'users/:id/tweets',
            {
              start_time: startTime,
              max_results: 100,
              'tweet.fields': 'created_at,attachments',
              ...(token ? { pagination_token: token } : {}),
            },
            { params: { id: remoteUserId } },
          ),
        ),
      );
      const match = (page.data ?? []).find(
        (post) => typeof post.text === 'string' && isSameText(text, post.text, (post.attachments?.media_keys?.length ?? 0) > 0),
      );
      if (match) {
        const id = postId.safeParse(match.id);
        if (!id.success) throw badResponse();
        return { remoteId: id.data, remoteUrl: postUrl(handle, id.data) };
      }
      const next = page.meta?.next_token;
      if (typeof next !== 'string' || next === '') return null;
      token = next;
    }
    // Too many posts to read them all: not knowing is not the same as not found.
    throw new PlatformError({ code: 'platform.lookupIncomplete' }, 'ambiguous');
  }

  async fetchMetrics({ remoteId, credentials }: MetricsRequest<XCredentials>): Promise<Metrics> {
    const answer = parseAnswer(
      lookupSchema,
      await this.request(() =>
        this.client(credentials).v2.get(
          'tweets/:id',
          { 'tweet.fields': 'public_metrics' },
          { params: { id: encodeURIComponent(remoteId) } },
        ),
      ),
    );
    if (!answer.data) {
      // X answers 200 with `errors` and no `data` for a post it will not show: deleted, or from
      // an account that is now protected or suspended.
      const problem = answer.errors?.[0];
      if (!problem) throw badResponse();
      const detail = (problem.detail ?? problem.title ?? 'Post not found on X').slice(0, 200);
      throw new PlatformError({ code: 'platform.rejected', params: { status: 404, detail } }, 'permanent');
    }
    const metrics = answer.data.public_metrics;
    const retweets = metrics?.retweet_count;
    return {
      likes: metrics?.like_count ?? null,
      // Quotes are counted with reposts: a quote is also a share of the post, and the Bluesky
      // adapter counts them the same way, so the figures compare across platforms.
      reposts: retweets === undefined ? null : retweets + (metrics?.quote_count ?? 0),
      replies: metrics?.reply_count ?? null,
      impressions: metrics?.impression_count ?? null,
    };
  }

  /** Uploads one image (chunked, v2) and sets its alt text; returns its media id. */
  private async upload(client: TwitterApi, item: MediaUpload, position: number): Promise<string> {
    const mediaType = uploadTypes.get(item.mime);
    if (!mediaType) {
      throw new PlatformError(
        { code: 'media.unsupportedType', params: { position, type: item.mime.replace(/^image\//, '').toUpperCase() } },
        'permanent',
      );
    }
    const bytes = Buffer.from(item.bytes.buffer, item.bytes.byteOffset, item.bytes.byteLength);
    // INIT, one APPEND per chunk and FINALIZE, each within the per-request timeout, plus the
    // time X may take to process the file (twitter-api-v2 waits as long as X says to).
    const requests = 2 + Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
    const budget = this.timeoutMs * requests + this.mediaProcessingMs;
    try {
      const mediaId = postId.safeParse(
        await this.request(() => client.v2.uploadMedia(bytes, { media_type: mediaType }, CHUNK_BYTES), budget),
      );
      if (!mediaId.success) throw badResponse();
      const alt = item.alt.trim();
      if (alt) {
        // `alt_text.text`: at most 1,000 characters, which validate() checks (maxAltLength).
        const set = parseAnswer(
          metadataSchema,
          await this.request(() => client.v2.createMediaMetadata(mediaId.data, { alt_text: { text: alt } })),
        );
        if (set.data.id !== mediaId.data) throw badResponse();
      }
      return mediaId.data;
    } catch (error) {
      throw mediaError(error, position);
    }
  }

  private client(credentials: XCredentials): TwitterApi {
    const timeoutMs = this.timeoutMs;
    // twitter-api-v2 gives each HTTP request the `timeout` of its config (a socket that stays
    // idle that long is closed): set it on every request, uploads' chunks included.
    const plugins: ITwitterApiClientPlugin[] = [
      {
        onBeforeRequestConfig({ params }) {
          params.timeout ??= timeoutMs;
        },
      },
    ];
    let httpAgent: http.Agent | undefined;
    const base = this.options.apiBase;
    if (base) {
      const target = new URL(base);
      plugins.push({
        onBeforeRequestConfig({ params }) {
          const url = new URL(params.url.startsWith('http') ? params.url : `https://${params.url}`);
          url.protocol = target.protocol;
          url.host = target.host;
          params.url = url.toString();
        },
      });
      if (target.protocol === 'http:') httpAgent = this.plainAgent ??= new http.Agent({ keepAlive: true });
    }
    return new TwitterApi(
      {
        appKey: credentials.appKey,
        appSecret: credentials.appSecret,
        accessToken: credentials.accessToken,
        accessSecret: credentials.accessSecret,
      },
      { plugins, httpAgent },
    );
  }

  /**
   * Runs one library call, within `budgetMs` overall (a slow trickle of bytes never trips the
   * per-request idle timeout), turning whatever it throws into what the publisher acts on.
   */
  private async request<T>(operation: () => Promise<T>, budgetMs = this.timeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PlatformError({ code: 'platform.network' }, 'ambiguous')), budgetMs);
    });
    try {
      return await Promise.race([operation(), timeout]);
    } catch (error) {
      throw toPlatformError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function postUrl(handle: string, id: string): string {
  return `https://x.com/${handle}/status/${id}`;
}

/** The tuple twitter-api-v2 types `media.media_ids` as: one to four ids. */
function asMediaIds(ids: string[]): NonNullable<NonNullable<SendTweetV2Params['media']>['media_ids']> | undefined {
  const [a, b, c, d] = ids;
  if (a === undefined) return undefined;
  if (b === undefined) return [a];
  if (c === undefined) return [a, b];
  if (d === undefined) return [a, b, c];
  return [a, b, c, d];
}

/** The text as X returns it: &, < and > escaped as HTML entities, as v1.1 did. */
function escapedAsX(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Whether `returned`, a post's text as X returns it, is `sent`. X shortens links to t.co,
 * escapes &, < and >, and appends one t.co link to the images of a post that has any. The sent
 * text is escaped the way X escapes it before both go through the shared comparison (which
 * decodes entities and strips what looks like HTML, as Mastodon needs): unescaped, a literal
 * "<b>" in the sent text would be stripped there while X's "&lt;b&gt;" would not.
 */
export function isSameText(sent: string, returned: string, hasMedia = false): boolean {
  const wanted = comparable(escapedAsX(sent));
  const got = comparable(returned);
  return got === wanted || (hasMedia && got === `${wanted} <link>`);
}

/** A failed upload or alt text: X refusing the image is about the image, not the post. */
function mediaError(error: unknown, position: number): PlatformError {
  const mapped = toPlatformError(error);
  if (mapped.info.code === 'platform.rejected' || mapped.info.code === 'platform.mediaRejected') {
    return new PlatformError({ code: 'platform.mediaRejected', params: { ...mapped.info.params, position } }, 'permanent');
  }
  // Anything else (offline, 5xx, timeout, unauthorized, rate limited) as for any request.
  // Nothing has been posted yet, so a retry cannot duplicate the post; an "ambiguous" failure
  // costs one look-up that finds nothing.
  return mapped;
}

/** Maps twitter-api-v2's errors onto what the publisher acts on, through the shared mapping. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  if (error instanceof ApiResponseError) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(error.headers ?? {})) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    // A 429 says when to come back in x-rate-limit-reset (epoch seconds).
    return fromStatus(error.code, describe(error.data), retryAtFrom(headers));
  }
  if (error instanceof ApiPartialResponseError) return badResponse();
  if (error instanceof ApiRequestError) {
    // twitter-api-v2 1.29 builds this error with `{ error }` but reads `requestError`: the
    // socket error (ECONNREFUSED, or its own "Request timeout.") is under `_options.error`.
    const cause = error.requestError ?? (error as unknown as { _options?: { error?: unknown } })._options?.error;
    return fromNetworkError(cause ?? error);
  }
  // twitter-api-v2 throws a plain Error when X's STATUS says processing the file failed.
  if (error instanceof Error && /^Media processing failed/.test(error.message)) {
    return new PlatformError({ code: 'platform.mediaRejected', params: { detail: error.message.slice(0, 200) } }, 'permanent');
  }
  // The library's own parsing of an answer it did not expect (`data` missing, not JSON).
  if (error instanceof SyntaxError || error instanceof TypeError) return badResponse();
  return fromNetworkError(error);
}

/** X's own explanation: a v2 problem's detail or title, or the first of v1.1-style `errors`. */
function describe(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const record = data as { detail?: unknown; title?: unknown; errors?: unknown };
  const first: unknown = Array.isArray(record.errors) ? record.errors[0] : undefined;
  const nested = first && typeof first === 'object' ? (first as { message?: unknown; detail?: unknown }) : {};
  for (const text of [record.detail, record.title, nested.detail, nested.message]) {
    if (typeof text === 'string' && text) return text.slice(0, 200);
  }
  return '';
}
