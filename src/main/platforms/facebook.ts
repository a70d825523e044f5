// Facebook Pages through the Graph API with plain fetch. A Page access token publishes as the
// Page; images are uploaded unpublished first and then attached to one feed post, so three
// images make one post (as Facebook's own composer does) rather than three photo posts.
import { z } from 'zod';
import { facebookCredentialsSchema, type FacebookCredentials } from '../../shared/credentials';
import { defaultLimits, validateSide } from '../../shared/limits';
import { badResponse, comparable, exchange, fromStatus, parseAnswer, parseJson, retryAtFrom } from './http';
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

/**
 * The Graph API version every request names. Meta keeps a version for about two years and
 * changes behaviour between versions, so it is pinned rather than left to the app's default.
 */
export const GRAPH_VERSION = 'v23.0';

export interface FacebookAdapterOptions {
  /** Another origin than https://graph.facebook.com (loopback fakes in tests). Never set in the packaged app. */
  apiBase?: string;
  timeoutMs?: number;
}

/** Pages of 100 posts read when looking for a post whose outcome is unknown. */
const LOOKUP_PAGES = 10;
const LOOKUP_PAGE_SIZE = 100;

/**
 * Graph error codes that mean "too many calls, come back later": 4 (app), 17 (user),
 * 32 (Page, platform limits), 613 (a call-specific limit) and 80001 (Page, business use case
 * limits, which is what Page access tokens are subject to).
 */
const rateLimitCodes = new Set([4, 17, 32, 613, 80001]);

/** Graph's error body: `{ error: { message, type, code, error_subcode, fbtrace_id } }`. */
const graphErrorSchema = z.object({
  error: z
    .object({
      message: z.string().optional(),
      type: z.string().optional(),
      code: z.number().optional(),
      error_subcode: z.number().optional(),
      is_transient: z.boolean().optional(),
      fbtrace_id: z.string().optional(),
    })
    .loose(),
});
type GraphError = z.infer<typeof graphErrorSchema>['error'];

const numericId = z.string().regex(/^\d{1,30}$/);
/** A Page post's id: `{page-id}_{post-id}`. */
const postId = z.string().regex(/^\d{1,30}_\d{1,30}$/);

const pageSchema = z.object({ id: numericId, name: z.string().optional(), username: z.string().optional() }).loose();
const createdPhotoSchema = z.object({ id: numericId }).loose();
const createdPostSchema = z.object({ id: postId }).loose();
const postsPageSchema = z
  .object({
    data: z.array(
      z.object({ id: postId, message: z.string().optional(), created_time: z.string().optional() }).loose(),
    ),
    paging: z
      .object({
        cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).loose().optional(),
        next: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
const summarySchema = z
  .object({ summary: z.object({ total_count: z.number().int().nonnegative() }).loose().optional() })
  .loose()
  .optional();
const metricsSchema = z
  .object({
    // Graph leaves `shares` out altogether while a post has none.
    shares: z.object({ count: z.number().int().nonnegative() }).loose().optional(),
    reactions: summarySchema,
    comments: summarySchema,
  })
  .loose();

interface GraphCall {
  method?: 'GET' | 'POST';
  /** Path under the version (`{page-id}/feed`), or a whole URL already checked to be ours. */
  path: string | URL;
  query?: Record<string, string>;
  body?: URLSearchParams | FormData;
  credentials: FacebookCredentials;
}

export class FacebookAdapter implements PlatformAdapter<'facebook'> {
  readonly platform = 'facebook' as const;
  readonly credentialsSchema = facebookCredentialsSchema;
  readonly limits = defaultLimits.facebook;
  private readonly timeoutMs: number;
  private readonly apiBase: URL;

  constructor(options: FacebookAdapterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.apiBase = new URL(options.apiBase ?? 'https://graph.facebook.com');
  }

  /** Text and images of one side against an account's limits: the same rules the composer shows. */
  readonly validate = validateSide;

  async verify(credentials: FacebookCredentials): Promise<Identity> {
    // /me rather than /{page-id}: a Page's public fields can be read with any token, so only
    // /me says whether this token is the Page's own. A user token, or another Page's token,
    // would pass a /{page-id} check and then fail at the first post.
    const me = await this.call(pageSchema, { path: 'me', query: { fields: 'id,name,username' }, credentials });
    if (me.id !== credentials.pageId) throw new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
    return { remoteUserId: me.id, handle: me.username ?? me.id };
  }

  async publish({ text, credentials, media }: PublishRequest<FacebookCredentials>): Promise<Published> {
    // Graph has no idempotency key: a second attempt after an unknown outcome is prevented by
    // the publisher asking findPublished first, and Graph itself refuses the same message twice
    // in a row (506). Photos left unpublished by a failed attempt never show on the Page.
    const photoIds: string[] = [];
    for (const [index, item] of media.entries()) photoIds.push(await this.uploadPhoto(credentials, item, index));

    const form = new URLSearchParams({ message: text });
    photoIds.forEach((id, index) => form.set(`attached_media[${index}]`, JSON.stringify({ media_fbid: id })));
    const created = await this.call(createdPostSchema, {
      method: 'POST',
      path: `${credentials.pageId}/feed`,
      body: form,
      credentials,
    });
    return published(created.id);
  }

  async findPublished({ text, credentials, since }: LookupRequest<FacebookCredentials>): Promise<Published | null> {
    // The Page's own posts since a minute before the claim (clock skew), newest first, page by
    // page: a busy Page can have more than one page of posts in that window, and a post missed
    // on page two would be sent again.
    const cutoff = since - 60_000;
    const wanted = comparable(text);
    const first: Record<string, string> = {
      fields: 'id,message,created_time',
      since: String(Math.floor(cutoff / 1000)),
      limit: String(LOOKUP_PAGE_SIZE),
    };
    let next: GraphCall['path'] = `${credentials.pageId}/posts`;
    let query: Record<string, string> | undefined = first;
    for (let pages = 0; pages < LOOKUP_PAGES; pages++) {
      const page: z.infer<typeof postsPageSchema> = await this.call(postsPageSchema, { path: next, query, credentials });
      let older = false;
      for (const post of page.data) {
        const created = post.created_time === undefined ? Number.NaN : Date.parse(post.created_time);
        if (Number.isFinite(created) && created < cutoff) {
          older = true;
          continue;
        }
        if (post.message !== undefined && comparable(post.message) === wanted) return published(post.id);
      }
      // Graph leaves `next` out on the last page (and sends cursors even then).
      if (older || page.data.length === 0 || !page.paging?.next) return null;
      const after: string | undefined = page.paging.cursors?.after;
      if (after) {
        next = `${credentials.pageId}/posts`;
        query = { ...first, after };
      } else {
        // Time-based paging (until / __paging_token) has no cursors: follow Graph's own link,
        // but only to Graph: the token goes with it.
        next = this.ownUrl(page.paging.next);
        query = undefined;
      }
    }
    // Too many posts to read them all: not knowing is not the same as not found.
    throw new PlatformError({ code: 'platform.lookupIncomplete' }, 'ambiguous');
  }

  async fetchMetrics({ remoteId, credentials }: MetricsRequest<FacebookCredentials>): Promise<Metrics> {
    if (!postId.safeParse(remoteId).success) {
      throw new PlatformError({ code: 'platform.rejected', params: { status: 400, detail: 'Not a Facebook post id' } }, 'permanent');
    }
    const post = await this.call(metricsSchema, {
      path: remoteId,
      query: { fields: 'shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)' },
      credentials,
    });
    return {
      // Every reaction (like, love, care...), as the count under a post on Facebook shows them.
      likes: post.reactions?.summary?.total_count ?? null,
      reposts: post.shares?.count ?? 0,
      replies: post.comments?.summary?.total_count ?? null,
      // Post impressions come from /{post-id}/insights, which needs the read_insights
      // permission on top of pages_read_engagement; the credentials do not ask for it.
      impressions: null,
    };
  }

  private async uploadPhoto(credentials: FacebookCredentials, item: MediaUpload, index: number): Promise<string> {
    const form = new FormData();
    form.set('source', new Blob([item.bytes.slice()], { type: item.mime }), `image-${index + 1}.${extension(item.mime)}`);
    // Unpublished: the photo appears only as part of the feed post it is attached to.
    form.set('published', 'false');
    if (item.alt.trim() !== '') form.set('alt_text_custom', item.alt);
    try {
      const photo = await this.call(createdPhotoSchema, {
        method: 'POST',
        path: `${credentials.pageId}/photos`,
        body: form,
        credentials,
      });
      return photo.id;
    } catch (error) {
      // A refusal here is about the image (type, size, unreadable), not about the post.
      if (error instanceof PlatformError && error.info.code === 'platform.rejected') {
        throw new PlatformError(
          { code: 'platform.mediaRejected', params: { ...error.info.params, position: index + 1 } },
          'permanent',
        );
      }
      throw error;
    }
  }

  /** One Graph request: the token as a Bearer header (never in the URL, where logs keep it). */
  private async call<T>(schema: z.ZodType<T>, request: GraphCall): Promise<T> {
    const url =
      request.path instanceof URL ? request.path : new URL(`/${GRAPH_VERSION}/${request.path}`, this.apiBase);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const { response, text } = await exchange(
      url,
      {
        method: request.method ?? 'GET',
        headers: { authorization: `Bearer ${request.credentials.pageAccessToken}`, accept: 'application/json' },
        body: request.body,
      },
      this.timeoutMs,
    );
    const json = parseJson(text);
    if (!response.ok) {
      const graph = graphErrorSchema.safeParse(json);
      throw toPlatformError(response.status, response.headers, graph.success ? graph.data.error : undefined);
    }
    return parseAnswer(schema, json);
  }

  /** A paging link from Graph, if it points back at Graph (the token is sent with it). */
  private ownUrl(link: string): URL {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw badResponse();
    }
    if (url.origin !== this.apiBase.origin || !url.pathname.startsWith(`/${GRAPH_VERSION}/`)) throw badResponse();
    // A token Graph may have echoed into the link stays out of the URL; the header carries it.
    url.searchParams.delete('access_token');
    return url;
  }
}

function published(id: string): Published {
  return { remoteId: id, remoteUrl: `https://www.facebook.com/${id}` };
}

function extension(mime: string): string {
  return { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' }[mime] ?? 'bin';
}

/**
 * A Graph refusal, by Graph's own error code first: Graph answers most refusals with HTTP 400
 * whatever their cause (an expired token, a rate limit and a bad parameter alike).
 */
export function toPlatformError(status: number, headers: Headers, error: GraphError | undefined, now = Date.now()): PlatformError {
  const code = error?.code;
  // 190: the token is invalid, expired or revoked; 102: the session behind it is gone.
  if (code === 190 || code === 102) return new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
  // 10 and 200-299: the token lacks a permission (pages_manage_posts...), or its person lost
  // their role on the Page. Only someone re-authorising the account can fix that, so it is held
  // like a refused token rather than failed like a refused post.
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299)) {
    return new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
  }
  if (status === 429 || (code !== undefined && rateLimitCodes.has(code))) {
    return new PlatformError({ code: 'platform.rateLimited' }, 'rateLimited', regainAccessAt(headers, now) ?? retryAtFrom(headers, now));
  }
  if (code === 506) return new PlatformError({ code: 'platform.duplicate' }, 'permanent');
  // 1 (unknown error) and 2 (service temporarily unavailable) may have acted, like a 5xx.
  if (status >= 500 || code === 1 || code === 2 || error?.is_transient === true) {
    return new PlatformError({ code: 'platform.server', params: { status } }, 'ambiguous');
  }
  return fromStatus(status, error?.message ?? '');
}

const usageHeaders = ['x-business-use-case-usage', 'x-app-usage', 'x-page-usage'];

/**
 * When Graph says access comes back: `estimated_time_to_regain_access`, in minutes, inside the
 * usage headers (per business object in X-Business-Use-Case-Usage). The longest wins.
 */
export function regainAccessAt(headers: Headers, now = Date.now()): number | undefined {
  let minutes = 0;
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4 || value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'estimated_time_to_regain_access' && typeof inner === 'number' && Number.isFinite(inner)) {
        minutes = Math.max(minutes, inner);
      } else {
        visit(inner, depth + 1);
      }
    }
  };
  for (const name of usageHeaders) {
    const value = headers.get(name);
    if (value) visit(parseJson(value), 0);
  }
  return minutes > 0 ? now + minutes * 60_000 : undefined;
}
