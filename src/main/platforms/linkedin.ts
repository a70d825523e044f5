// LinkedIn organization pages through the versioned REST API (Posts, Images, Social Actions)
// with plain fetch. Posts are written as the organization; images are uploaded first through
// LinkedIn's two-step upload and attached by URN with their alt text.
import { z } from 'zod';
import { linkedinCredentialsSchema, type LinkedInCredentials } from '../../shared/credentials';
import { entities } from '../../shared/entities';
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
 * The LinkedIn-Version header (YYYYMM). LinkedIn keeps a version for about a year, then answers
 * 426 to it: the refusal carries LinkedIn's message, which names the version, so whoever reads
 * it knows this constant needs moving.
 */
export const LINKEDIN_VERSION = '202510';

export interface LinkedInAdapterOptions {
  /** Another origin than https://api.linkedin.com (loopback fakes in tests). Never set in the packaged app. */
  apiBase?: string;
  timeoutMs?: number;
}

/** Pages of 50 posts read when looking for a post whose outcome is unknown. */
const LOOKUP_PAGES = 10;
const LOOKUP_PAGE_SIZE = 50;

// ---------------------------------------------------------------------------------------------
// "little" text: the format of a post's `commentary`.

/**
 * Characters the little format reserves. Unescaped, LinkedIn reads them as markup: the post is
 * accepted but its text is cut or mangled, "(StatCan)" losing its parentheses or everything
 * after them.
 */
const reserved = /[|{}@[\]()<>#\\*_~]/g;
const reservedChars = new Set('|{}@[]()<>#\\*_~');

/** Backslash-escapes every reserved character: the text is shown exactly as given. */
export function escapeLittleText(text: string): string {
  return text.replace(reserved, '\\$&');
}

/**
 * The user's text as LinkedIn commentary.
 * - Every reserved character is escaped, so LinkedIn shows what was typed: « Données (2024) »
 *   keeps its parentheses, "@ home" mentions no one, "*" and "_" stay characters.
 * - A hashtag typed as #Word (# directly after a space, start or punctuation, not "C#" nor
 *   "page#section"; with at least one letter, so "#1" and "#2024" stay text) is sent
 *   as LinkedIn's hashtag template {hashtag|\#|Word}: it becomes a clickable hashtag, as it
 *   would have been typed in LinkedIn's own composer and as it is on the other platforms the
 *   same pair goes to. Accented hashtags (#Économie) count: letters are Unicode letters.
 * - Links stay plain text; LinkedIn links them itself. Their reserved characters (_ ( ) # ~)
 *   are escaped like any others, since the rendered text is what LinkedIn links, and a # in a
 *   link (page#section) never starts a hashtag.
 */
export function toLittleText(text: string): string {
  let out = '';
  let last = 0;
  // The hashtags the composer's LinkedIn preview shows: the same function finds them.
  for (const tag of entities('linkedin', text)) {
    if (tag.kind !== 'hashtag') continue;
    out += escapeLittleText(text.slice(last, tag.start)) + `{hashtag|\\#|${escapeLittleText(tag.value)}}`;
    last = tag.end;
  }
  return out + escapeLittleText(text.slice(last));
}

const hashtagTemplate = /^\{hashtag\|((?:\\.|[^|}\\])*)\|((?:\\.|[^}\\])*)\}/u;
const mentionElement = /^@\[((?:\\.|[^\]\\])*)\]\((urn:li:[A-Za-z]+:[^)\s]+)\)/u;

/**
 * Commentary as LinkedIn shows it: escapes undone, hashtag templates as #Word, mentions as the
 * name shown. Used to recognise our own post among the organization's, not to display it.
 */
export function fromLittleText(little: string): string {
  let out = '';
  for (let i = 0; i < little.length; i++) {
    const char = little[i]!;
    const next = little[i + 1];
    if (char === '\\' && next !== undefined && reservedChars.has(next)) {
      out += next;
      i++;
      continue;
    }
    if (char === '{') {
      const template = hashtagTemplate.exec(little.slice(i));
      if (template) {
        out += fromLittleText(template[1]!) + fromLittleText(template[2]!);
        i += template[0].length - 1;
        continue;
      }
    }
    if (char === '@') {
      const mention = mentionElement.exec(little.slice(i));
      if (mention) {
        out += fromLittleText(mention[1]!);
        i += mention[0].length - 1;
        continue;
      }
    }
    out += char;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** LinkedIn's error body. */
const errorSchema = z
  .object({
    status: z.number().optional(),
    serviceErrorCode: z.number().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  })
  .loose();
type LinkedInError = z.infer<typeof errorSchema>;

const postUrn = z.string().regex(/^urn:li:(share|ugcPost):\d{1,30}$/);

const organizationSchema = z
  .object({ id: z.union([z.number().int(), z.string().regex(/^\d+$/)]), vanityName: z.string().optional() })
  .loose();
const uploadSchema = z
  .object({
    value: z.object({ uploadUrl: z.string(), image: z.string().regex(/^urn:li:image:[A-Za-z0-9_-]{1,200}$/) }).loose(),
  })
  .loose();
const postsPageSchema = z
  .object({
    elements: z.array(
      z
        .object({
          id: postUrn,
          commentary: z.string().optional(),
          createdAt: z.number(),
          lastModifiedAt: z.number().optional(),
        })
        .loose(),
    ),
  })
  .loose();
const socialActionsSchema = z
  .object({
    likesSummary: z.object({ totalLikes: z.number().int().nonnegative().optional() }).loose().optional(),
    commentsSummary: z
      .object({
        aggregatedTotalComments: z.number().int().nonnegative().optional(),
        totalFirstLevelComments: z.number().int().nonnegative().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

interface LinkedInCall {
  method?: 'GET' | 'POST' | 'PUT';
  /** Path under /rest, or an upload URL LinkedIn handed out (already checked). */
  path: string | URL;
  query?: Record<string, string>;
  json?: unknown;
  bytes?: Uint8Array;
  credentials: LinkedInCredentials;
}

export class LinkedInAdapter implements PlatformAdapter<'linkedin'> {
  readonly platform = 'linkedin' as const;
  readonly credentialsSchema = linkedinCredentialsSchema;
  readonly limits = defaultLimits.linkedin;
  private readonly timeoutMs: number;
  private readonly apiBase: URL;

  constructor(options: LinkedInAdapterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.apiBase = new URL(options.apiBase ?? 'https://api.linkedin.com');
  }

  /** Text and images of one side against an account's limits: the same rules the composer shows. */
  readonly validate = validateSide;

  async verify(credentials: LinkedInCredentials): Promise<Identity> {
    const organization = await this.call(organizationSchema, {
      path: `organizations/${credentials.organizationId}`,
      credentials,
    });
    if (String(organization.id) !== credentials.organizationId) throw badResponse();
    return { remoteUserId: author(credentials), handle: organization.vanityName ?? credentials.organizationId };
  }

  async publish({ text, credentials, media }: PublishRequest<LinkedInCredentials>): Promise<Published> {
    // The Posts API takes no idempotency key: a second attempt after an unknown outcome is
    // prevented by the publisher asking findPublished first. Images uploaded by a failed
    // attempt belong to no post and are never shown.
    const images: { id: string; altText?: string }[] = [];
    for (const [index, item] of media.entries()) {
      const id = await this.uploadImage(credentials, item, index);
      images.push(item.alt.trim() === '' ? { id } : { id, altText: item.alt });
    }
    const [only] = images;
    const content =
      images.length === 0 ? undefined : images.length === 1 && only ? { media: only } : { multiImage: { images } };

    const response = await this.send({
      method: 'POST',
      path: 'posts',
      json: {
        author: author(credentials),
        commentary: toLittleText(text),
        visibility: 'PUBLIC',
        distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
        lifecycleState: 'PUBLISHED',
        isReshareDisabledByAuthor: false,
        ...(content ? { content } : {}),
      },
      credentials,
    });
    // 201 with an empty body: the new post's URN is in x-restli-id (URL-encoded by some gateways).
    const header = response.headers.get('x-restli-id') ?? '';
    const id = postUrn.safeParse(header.startsWith('urn%3A') ? safeDecode(header) : header);
    if (!id.success) throw badResponse();
    return published(id.data);
  }

  async findPublished({ text, credentials, since }: LookupRequest<LinkedInCredentials>): Promise<Published | null> {
    // The organization's posts, most recently modified first, page by page. A post created
    // since the claim (less a minute of clock skew) was modified since too, so once a page
    // reaches posts last modified before that, no later page can hold ours.
    const cutoff = since - 60_000;
    const wanted = comparable(text);
    let start = 0;
    for (let pages = 0; pages < LOOKUP_PAGES; pages++) {
      const page = await this.call(postsPageSchema, {
        path: 'posts',
        query: {
          author: author(credentials),
          q: 'author',
          count: String(LOOKUP_PAGE_SIZE),
          sortBy: 'LAST_MODIFIED',
          start: String(start),
        },
        credentials,
      });
      let older = false;
      for (const post of page.elements) {
        if ((post.lastModifiedAt ?? post.createdAt) < cutoff) older = true;
        if (post.createdAt < cutoff || post.commentary === undefined) continue;
        if (comparable(fromLittleText(post.commentary)) === wanted) return published(post.id);
      }
      if (older || page.elements.length < LOOKUP_PAGE_SIZE) return null;
      start += page.elements.length;
    }
    // Too many posts to read them all: not knowing is not the same as not found.
    throw new PlatformError({ code: 'platform.lookupIncomplete' }, 'ambiguous');
  }

  async fetchMetrics({ remoteId, credentials }: MetricsRequest<LinkedInCredentials>): Promise<Metrics> {
    if (!postUrn.safeParse(remoteId).success) {
      throw new PlatformError({ code: 'platform.rejected', params: { status: 400, detail: 'Not a LinkedIn post URN' } }, 'permanent');
    }
    const actions = await this.call(socialActionsSchema, {
      path: `socialActions/${encodeURIComponent(remoteId)}`,
      credentials,
    });
    return {
      likes: actions.likesSummary?.totalLikes ?? null,
      replies: actions.commentsSummary?.aggregatedTotalComments ?? actions.commentsSummary?.totalFirstLevelComments ?? null,
      // Reposts and impressions are in organizationalEntityShareStatistics, which needs the
      // rw_organization_admin scope; the credentials ask only for the social scopes.
      reposts: null,
      impressions: null,
    };
  }

  private async uploadImage(credentials: LinkedInCredentials, item: MediaUpload, index: number): Promise<string> {
    const upload = await this.call(uploadSchema, {
      method: 'POST',
      path: 'images',
      query: { action: 'initializeUpload' },
      json: { initializeUploadRequest: { owner: author(credentials) } },
      credentials,
    });
    const target = this.uploadTarget(upload.value.uploadUrl);
    try {
      await this.send({ method: 'PUT', path: target, bytes: item.bytes, credentials });
    } catch (error) {
      // A refusal here is about the image itself (type, size, unreadable).
      if (error instanceof PlatformError && error.info.code === 'platform.rejected') {
        throw new PlatformError(
          { code: 'platform.mediaRejected', params: { ...error.info.params, position: index + 1 } },
          'permanent',
        );
      }
      throw error;
    }
    return upload.value.image;
  }

  /**
   * The upload URL LinkedIn answered with. The token goes with the bytes, so it must point at
   * LinkedIn (www.linkedin.com/dms-uploads/... today) or at the API origin itself.
   */
  private uploadTarget(link: string): URL {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw badResponse();
    }
    if (url.origin === this.apiBase.origin) return url;
    if (url.protocol === 'https:' && (url.hostname === 'linkedin.com' || url.hostname.endsWith('.linkedin.com'))) return url;
    throw badResponse();
  }

  private async call<T>(schema: z.ZodType<T>, request: LinkedInCall): Promise<T> {
    const response = await this.send(request);
    return parseAnswer(schema, parseJson(response.body));
  }

  private async send(request: LinkedInCall): Promise<{ headers: Headers; body: string }> {
    const upload = request.path instanceof URL;
    const url = upload ? (request.path as URL) : new URL(`/rest/${request.path as string}`, this.apiBase);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { authorization: `Bearer ${request.credentials.accessToken}` };
    if (!upload) {
      headers['linkedin-version'] = LINKEDIN_VERSION;
      headers['x-restli-protocol-version'] = '2.0.0';
      headers.accept = 'application/json';
    }
    let body: string | Uint8Array | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = request.bytes;
    }
    const { response, text } = await exchange(url, { method: request.method ?? 'GET', headers, body }, this.timeoutMs);
    if (!response.ok) {
      const parsed = errorSchema.safeParse(parseJson(text));
      throw toPlatformError(response.status, response.headers, parsed.success ? parsed.data : undefined);
    }
    return { headers: response.headers, body: text };
  }
}

function author(credentials: LinkedInCredentials): string {
  return `urn:li:organization:${credentials.organizationId}`;
}

function published(urn: string): Published {
  return { remoteId: urn, remoteUrl: `https://www.linkedin.com/feed/update/${urn}` };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A LinkedIn refusal: `{ status, serviceErrorCode, code, message }`. */
export function toPlatformError(status: number, headers: Headers, error: LinkedInError | undefined): PlatformError {
  const message = error?.message ?? '';
  // 403 ACCESS_DENIED: the token lacks a scope (w_organization_social) or its member is no
  // longer an admin of the page. Only someone re-authorising the account can fix that, so it
  // is held like a refused token rather than failed like a refused post.
  if (status === 403 && (error?.code === 'ACCESS_DENIED' || error?.serviceErrorCode === 100)) {
    return new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
  }
  if (status === 429) return new PlatformError({ code: 'platform.rateLimited' }, 'rateLimited', retryAtFrom(headers));
  if (status === 422 && error?.code === 'DUPLICATE_POST') return new PlatformError({ code: 'platform.duplicate' }, 'permanent');
  return fromStatus(status, message);
}
