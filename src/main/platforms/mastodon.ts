// Mastodon through masto v6's REST client, against the account's own instance. The instance
// sets its own limits (GET /api/v2/instance), so `verify` reads them for the account; a post
// is sent with an Idempotency-Key, which Mastodon honours for an hour, so a retry after an
// unknown outcome returns the first post instead of making a second one.
import {
  createRestAPIClient,
  MastoDeserializeError,
  MastoHttpError,
  MastoTimeoutError,
  MastoUnexpectedError,
  type mastodon,
} from 'masto';
import { z } from 'zod';
import { mastodonCredentialsSchema, type MastodonCredentials } from '../../shared/credentials';
import { mastodonShownText } from '../../shared/entities';
import { defaultLimits, validateSide, type PlatformLimits } from '../../shared/limits';
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

export interface MastodonAdapterOptions {
  /** Per HTTP request; a request that takes longer may still have been acted on. */
  timeoutMs?: number;
  /**
   * How long one attempt waits for an uploaded image to finish processing (Mastodon answers
   * 202 and processes it in the background) before giving up on that attempt.
   */
  mediaProcessingMs?: number;
}

/** Mastodon's largest page of an account's statuses. */
const PAGE_SIZE = 40;
/** Pages read when looking for a post whose outcome is unknown: 400 posts. */
const LOOKUP_PAGES = 10;
/** The first wait before asking whether an upload has been processed; doubles up to the cap. */
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 2_000;

type Client = mastodon.rest.Client;

// What is read of Mastodon's answers. masto turns snake_case keys into camelCase but checks
// nothing, so each answer is checked here before any of it is trusted (an id ends up in a
// URL path, a URL is shown to the user).
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const webUrl = z.url({ protocol: /^https?$/ });
const count = z.number().int().nonnegative();

const accountSchema = z.object({ id, username: z.string().regex(/^[A-Za-z0-9_]{1,30}$/) });
const mediaSchema = z.object({ id, url: z.string().nullish() });
const statusSchema = z.object({
  id,
  url: webUrl.nullish(),
  uri: z.string(),
  createdAt: z.string().refine((value) => Number.isFinite(Date.parse(value))),
  content: z.string(),
});
const countsSchema = z.object({
  favouritesCount: count.optional().catch(undefined),
  reblogsCount: count.optional().catch(undefined),
  repliesCount: count.optional().catch(undefined),
});

export class MastodonAdapter implements PlatformAdapter<'mastodon'> {
  readonly platform = 'mastodon' as const;
  readonly credentialsSchema = mastodonCredentialsSchema;
  readonly limits = defaultLimits.mastodon;
  private readonly timeoutMs: number;
  private readonly mediaProcessingMs: number;

  constructor(options: MastodonAdapterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.mediaProcessingMs = options.mediaProcessingMs ?? 60_000;
  }

  /** Text and images of one side against an account's limits: the same rules the composer shows. */
  readonly validate = validateSide;

  async verify(credentials: MastodonCredentials): Promise<Identity> {
    const client = this.client(credentials);
    const account = parseAnswer(accountSchema, await call(() => client.v1.accounts.verifyCredentials()));
    let instance: unknown = null;
    try {
      instance = await call(() => client.v2.instance.fetch());
    } catch (error) {
      // Mastodon before 4.0, and some compatible servers, have no v2 instance endpoint: the
      // documented defaults are the best we know. Anything else (401, 5xx, offline) is an answer.
      if (!(error instanceof PlatformError && error.info.params?.status === 404)) throw error;
    }
    return {
      remoteUserId: account.id,
      // The instance's host, as the account is written from elsewhere (user@instance).
      handle: `${account.username}@${new URL(credentials.instance).host}`,
      limits: instanceLimits(instance),
    };
  }

  async publish({ text, lang, handle, credentials, media, key }: PublishRequest<MastodonCredentials>): Promise<Published> {
    const client = this.client(credentials);
    // One at a time, in order: media_ids sets the order the images are shown in.
    const mediaIds: string[] = [];
    for (const [index, item] of media.entries()) mediaIds.push(await this.upload(client, item, index + 1));
    const status = await call(() =>
      client.v1.statuses.create(
        { status: text, mediaIds, language: lang, visibility: 'public' },
        // masto v6 passes requestInit.headers through to fetch for this one request.
        { requestInit: { headers: { 'Idempotency-Key': key } } },
      ),
    );
    return published(parseAnswer(statusSchema, status), credentials.instance, handle);
  }

  async findPublished({ text, handle, remoteUserId, credentials, since }: LookupRequest<MastodonCredentials>): Promise<Published | null> {
    // comparable() reads HTML, so the plain text we sent is escaped first: otherwise a literal
    // "<en direct>" in it would be taken for a tag and dropped. Mastodon renders a mention of a
    // known remote account as @user, without its instance: either form may be what it shows.
    const wanted = new Set([text, mastodonShownText(text)].map((plain) => comparable(escapeHtml(plain))));
    // A minute's allowance for the difference between our clock and the instance's.
    const oldest = since - 60_000;
    // Newest first; masto follows the Link header's rel="next" (max_id) from page to page.
    const pages = this.client(credentials)
      .v1.accounts.$select(encodeURIComponent(remoteUserId))
      .statuses.list({ limit: PAGE_SIZE, excludeReblogs: true });
    for (let read = 0; read < LOOKUP_PAGES; read++) {
      const page = await call(() => pages.next());
      if (page.done) return null;
      if (!Array.isArray(page.value)) throw badResponse();
      for (const raw of page.value) {
        const status = parseAnswer(statusSchema, raw);
        if (Date.parse(status.createdAt) < oldest) return null;
        if (wanted.has(comparable(status.content))) return published(status, credentials.instance, handle);
      }
      // Mastodon links a next page only after a full one: a short page was the last.
      if (page.value.length < PAGE_SIZE) return null;
    }
    // Every page read was still inside the window: not knowing is not the same as not found.
    throw new PlatformError({ code: 'platform.lookupIncomplete' }, 'ambiguous');
  }

  async fetchMetrics({ remoteId, credentials }: MetricsRequest<MastodonCredentials>): Promise<Metrics> {
    const client = this.client(credentials);
    const status = parseAnswer(countsSchema, await call(() => client.v1.statuses.$select(encodeURIComponent(remoteId)).fetch()));
    return {
      likes: status.favouritesCount ?? null,
      reposts: status.reblogsCount ?? null,
      replies: status.repliesCount ?? null,
      // Mastodon does not count views.
      impressions: null,
    };
  }

  private client(credentials: MastodonCredentials): Client {
    return createRestAPIClient({ url: credentials.instance, accessToken: credentials.accessToken, timeout: this.timeoutMs });
  }

  /** Uploads one image with its alt text and waits until the instance has processed it. */
  private async upload(client: Client, item: MediaUpload, position: number): Promise<string> {
    try {
      return await this.uploadAndWait(client, item, position);
    } catch (error) {
      // The instance refusing this image (type, size, alt text) is about the image, not the post.
      if (error instanceof PlatformError && error.info.code === 'platform.rejected') {
        throw new PlatformError({ code: 'platform.mediaRejected', params: { ...error.info.params, position } }, 'permanent');
      }
      throw error;
    }
  }

  private async uploadAndWait(client: Client, item: MediaUpload, position: number): Promise<string> {
    // A named File, as a browser sends it: some instances check the extension against the type.
    const file = new File([new Uint8Array(item.bytes)], `image-${position}.${extension(item.mime)}`, { type: item.mime });
    // skipPolling: masto would otherwise wait a full second before its first check even when
    // the image is already processed (the usual case for images), and its own timeout could not
    // be told apart from a request's. We poll ourselves below.
    let attachment = parseAnswer(mediaSchema, await call(() => client.v2.media.create({ file, description: item.alt, skipPolling: true })));
    const deadline = Date.now() + this.mediaProcessingMs;
    let wait = FIRST_POLL_MS;
    // 202 from the upload, then 206 from each poll, until the attachment has a url.
    while (!attachment.url) {
      if (Date.now() + wait > deadline) {
        // Nothing has been posted yet, so sending again is safe; but the image may only be slow
        // (a busy instance), so this is worth another attempt rather than giving up for good.
        // "ambiguous" is the kind that retries a bounded number of times (its look-up will
        // simply find nothing); "offline" would retry forever, "permanent" never.
        throw new PlatformError({ code: 'platform.server', params: { status: 202 } }, 'ambiguous');
      }
      await sleep(wait);
      wait = Math.min(wait * 2, MAX_POLL_MS);
      const attachmentId = attachment.id;
      attachment = parseAnswer(mediaSchema, await call(() => client.v1.media.$select(attachmentId).fetch()));
    }
    return attachment.id;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The post's link is its `url`: the page people open. `uri` is its ActivityPub id, which may live
 * on another host or be no page at all, so it is never stored as the link. An instance that gives
 * no usable `url` for its own post gets the instance's standard page address for it.
 */
function published(status: z.infer<typeof statusSchema>, instance: string, handle: string): Published {
  const own = new URL(instance);
  if (status.url) {
    const url = new URL(status.url);
    if (url.protocol === own.protocol && url.host === own.host) return { remoteId: status.id, remoteUrl: url.href };
  }
  const username = handle.split('@')[0] ?? '';
  return { remoteId: status.id, remoteUrl: new URL(`/@${encodeURIComponent(username)}/${status.id}`, own.origin).href };
}

/**
 * The instance's own limits from GET /api/v2/instance (camelCased by masto), each one falling
 * back to the documented default where the instance does not say or says something unusable.
 */
export function instanceLimits(instance: unknown): PlatformLimits {
  const defaults = defaultLimits.mastodon;
  const statuses = field(field(instance, 'configuration'), 'statuses');
  const media = field(field(instance, 'configuration'), 'mediaAttachments');
  const types = field(media, 'supportedMimeTypes');
  // Only images: Tandem attaches nothing else, and the list also names video and audio types.
  const imageTypes = Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string' && t.startsWith('image/')) : [];
  return {
    ...defaults,
    maxLength: positive(field(statuses, 'maxCharacters')) ?? defaults.maxLength,
    urlLength: positive(field(statuses, 'charactersReservedPerUrl')) ?? defaults.urlLength,
    maxImages: positive(field(statuses, 'maxMediaAttachments')) ?? defaults.maxImages,
    maxImageBytes: positive(field(media, 'imageSizeLimit')) ?? defaults.maxImageBytes,
    imageTypes: imageTypes.length > 0 ? imageTypes : defaults.imageTypes,
    // Only Mastodon 4.4 and later say; earlier versions allow the default 1,500.
    maxAltLength: positive(field(media, 'descriptionLimit')) ?? defaults.maxAltLength,
  };
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function extension(mime: string): string {
  const known: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' };
  return known[mime] ?? (mime.replace(/^image\//, '').replace(/[^a-z0-9]/gi, '') || 'bin');
}

/** Runs one masto call, turning whatever it throws into what the publisher acts on. */
async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toPlatformError(error);
  }
}

/** Maps masto v6's errors onto the publisher's kinds, through the shared HTTP mapping. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  if (error instanceof MastoHttpError) {
    // Mastodon explains itself in `error` (masto's message), OAuth errors in error_description.
    const detail = typeof error.message === 'string' && error.message ? error.message : (error.description ?? '');
    // A token without the scope a call needs can only be fixed the way a revoked one is: by a
    // person authorising again, with the right scopes.
    if (error.statusCode === 403 && /outside the authorized scopes/i.test(detail)) {
      return new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
    }
    // masto keeps the Response as the cause: Mastodon's 429 says when to come back in
    // X-RateLimit-Reset (an ISO date).
    const headers = error.cause instanceof Response ? error.cause.headers : undefined;
    return fromStatus(error.statusCode, detail, headers ? retryAtFrom(headers) : undefined);
  }
  if (error instanceof MastoTimeoutError) return new PlatformError({ code: 'platform.network' }, 'ambiguous');
  // masto v6 throws MastoUnexpectedError, without the status, for any answer that is not JSON
  // (a proxy's HTML error page included), and MastoDeserializeError for JSON it cannot parse:
  // whatever happened is unknown.
  if (error instanceof MastoUnexpectedError || error instanceof MastoDeserializeError) return badResponse();
  return fromNetworkError(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
