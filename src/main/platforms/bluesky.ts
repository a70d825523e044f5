// Bluesky through @atproto/api: an app password signs in to the account's PDS, posts are
// app.bsky.feed.post records written with the delivery's key as their record key, and
// engagement is read from the public AppView.
import { createHash } from 'node:crypto';
import {
  AppBskyRichtextFacet,
  AtpAgent,
  RichText,
  XRPCError,
  type AppBskyEmbedImages,
  type AppBskyFeedPost,
} from '@atproto/api';
import { blueskyCredentialsSchema, type BlueskyCredentials } from '../../shared/credentials';
import { defaultLimits, validateSide } from '../../shared/limits';
import { badResponse, fromNetworkError, fromStatus, retryAtFrom } from './http';
import {
  PlatformError,
  type Identity,
  type LookupRequest,
  type Metrics,
  type MetricsRequest,
  type PlatformAdapter,
  type Published,
  type PublishRequest,
} from './types';

export interface BlueskyAdapterOptions {
  timeoutMs?: number;
  /**
   * Where engagement is read: the public, unauthenticated AppView. A loopback fake in tests;
   * never set in the packaged app.
   */
  appViewUrl?: string;
}

const POST = 'app.bsky.feed.post';

/**
 * Errors that say the session's tokens, not the app password, are no longer good: the library
 * has already tried its refresh token by then, so signing in again is the only way on.
 */
const sessionErrors = new Set(['ExpiredToken', 'InvalidToken', 'AuthMissing']);

interface Session {
  agent: AtpAgent;
  did: string;
  /** Which app password made it, so a re-authorised account does not go on with the old one. */
  passwordDigest: string;
}

export class BlueskyAdapter implements PlatformAdapter<'bluesky'> {
  readonly platform = 'bluesky' as const;
  readonly credentialsSchema = blueskyCredentialsSchema;
  readonly limits = defaultLimits.bluesky;
  private readonly timeoutMs: number;
  private readonly appViewUrl: string;
  /**
   * Signed-in agents by (service, identifier). Signing in is rate limited (30 per five minutes
   * per account), so sessions are kept and refreshed rather than opened for every post. Held in
   * memory only: the tokens are never written anywhere, and a restart signs in again.
   */
  private readonly sessions = new Map<string, Session>();
  /** Sign-ins under way, so two posts of one account at once share one. */
  private readonly signingIn = new Map<string, Promise<Session>>();
  /** Unauthenticated and stateless, so one for all accounts (an agent is costly to build). */
  private appView: AtpAgent | undefined;

  constructor(options: BlueskyAdapterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.appViewUrl = options.appViewUrl ?? 'https://public.api.bsky.app';
  }

  /** Text and images of one side against an account's limits: the same rules the composer shows. */
  readonly validate = validateSide;

  async verify(credentials: BlueskyCredentials): Promise<Identity> {
    // Always a fresh sign-in: a cached session would vouch for an app password revoked since.
    this.forget(credentials);
    const session = await this.session(credentials);
    const handle = session.agent.session?.handle;
    if (!handle) throw badResponse();
    return { remoteUserId: session.did, handle };
  }

  async publish({ text, lang, credentials, media, key }: PublishRequest<BlueskyCredentials>): Promise<Published> {
    return this.withSession(credentials, async ({ agent, did }) => {
      const richText = new RichText({ text });
      await richText.detectFacets(agent);

      const images: AppBskyEmbedImages.Image[] = [];
      for (const [index, item] of media.entries()) {
        const uploaded = await agent.uploadBlob(item.bytes, { encoding: item.mime }).catch((error: unknown) => {
          throw error instanceof XRPCError && isMediaRefusal(error) ? mediaRejected(error, index + 1) : error;
        });
        images.push({
          image: uploaded.data.blob,
          alt: item.alt,
          // Without it the app cannot lay the image out before it has loaded it, and guesses.
          ...(item.width > 0 && item.height > 0
            ? { aspectRatio: { width: Math.round(item.width), height: Math.round(item.height) } }
            : {}),
        });
      }

      const facets = resolvedFacets(richText.facets);
      const record: AppBskyFeedPost.Record = {
        $type: POST,
        text: richText.text,
        langs: [lang],
        createdAt: new Date().toISOString(),
        ...(facets.length > 0 ? { facets } : {}),
        // A link without images gets no preview card: a card needs the page fetched and its
        // thumbnail uploaded, which Bluesky's own app does in the composer. The link is still
        // a link (a facet); only the preview is missing.
        ...(images.length > 0 ? { embed: { $type: 'app.bsky.embed.images', images } } : {}),
      };

      // The delivery's key is the record key: a second attempt at the same key cannot create a
      // second post. The PDS answers such an attempt with a 500 (not a clean conflict), which is
      // "ambiguous" like any 5xx, so the publisher asks findPublished, which finds the first.
      const created = await agent.com.atproto.repo.createRecord({ repo: did, collection: POST, rkey: key, record });
      if (created.data.uri !== postUri(did, key)) throw badResponse();
      return { remoteId: created.data.uri, remoteUrl: postUrl(handleOf(agent), key) };
    });
  }

  async findPublished({ credentials, remoteUserId, key }: LookupRequest<BlueskyCredentials>): Promise<Published | null> {
    // The record key is the delivery's own key, so there is nothing to match by text: a record
    // at that key is the post, and no record there means no attempt created one.
    return this.withSession(credentials, async ({ agent }) => {
      try {
        const found = await agent.com.atproto.repo.getRecord({ repo: remoteUserId, collection: POST, rkey: key });
        if (found.data.uri !== postUri(remoteUserId, key)) throw badResponse();
        return { remoteId: found.data.uri, remoteUrl: postUrl(handleOf(agent), key) };
      } catch (error) {
        // Only the PDS saying so means "not posted"; any other failure is "cannot tell".
        if (error instanceof XRPCError && error.error === 'RecordNotFound') return null;
        throw error;
      }
    });
  }

  async fetchMetrics({ remoteId }: MetricsRequest<BlueskyCredentials>): Promise<Metrics> {
    // The public AppView serves counts without signing in: reading metrics spends none of the
    // account's sign-ins and works while its app password awaits re-authorisation.
    this.appView ??= new AtpAgent({ service: this.appViewUrl, fetch: this.fetch });
    const posts = await this.appView.app.bsky.feed.getPosts({ uris: [remoteId] }).then(
      (response) => response.data.posts,
      (error: unknown) => {
        throw toPlatformError(error);
      },
    );
    const post = posts.find((candidate) => candidate.uri === remoteId);
    if (!post) {
      // The AppView leaves out posts it does not have: deleted, taken down, or not indexed yet.
      throw new PlatformError(
        { code: 'platform.rejected', params: { status: 404, detail: 'Post not found on Bluesky' } },
        'permanent',
      );
    }
    return {
      likes: post.likeCount ?? 0,
      // Quotes are counted with reposts, as the Bluesky app's repost button counts them.
      reposts: (post.repostCount ?? 0) + (post.quoteCount ?? 0),
      replies: post.replyCount ?? 0,
      // Bluesky does not report views.
      impressions: null,
    };
  }

  /**
   * Runs `operation` as the account, signing in first if needed. When the session's tokens are
   * refused (the library could not refresh them), signs in again once and runs it again: a
   * refused token means the PDS did not act, so running it again cannot duplicate anything.
   */
  private async withSession<T>(credentials: BlueskyCredentials, operation: (session: Session) => Promise<T>): Promise<T> {
    const session = await this.session(credentials);
    try {
      return await operation(session);
    } catch (error) {
      if (!(error instanceof XRPCError && (sessionErrors.has(error.error) || error.status === 401))) {
        throw toPlatformError(error);
      }
      this.forget(credentials, session);
    }
    const fresh = await this.session(credentials);
    try {
      return await operation(fresh);
    } catch (error) {
      throw toPlatformError(error);
    }
  }

  private async session(credentials: BlueskyCredentials): Promise<Session> {
    const key = sessionKey(credentials);
    const digest = passwordDigest(credentials);
    const cached = this.sessions.get(key);
    if (cached && cached.passwordDigest === digest) return cached;
    const pending = this.signingIn.get(key);
    if (pending) {
      const session = await pending;
      if (session.passwordDigest === digest) return session;
    }
    const signIn = this.signIn(credentials, digest);
    this.signingIn.set(key, signIn);
    try {
      const session = await signIn;
      this.sessions.set(key, session);
      return session;
    } finally {
      if (this.signingIn.get(key) === signIn) this.signingIn.delete(key);
    }
  }

  private async signIn(credentials: BlueskyCredentials, digest: string): Promise<Session> {
    // No persistSession handler: the tokens stay inside this agent.
    const agent = new AtpAgent({ service: credentials.service, fetch: this.fetch });
    try {
      const result = await agent.login({ identifier: credentials.identifier, password: credentials.appPassword });
      // A deactivated account signs in but cannot post; say so now rather than at the first post.
      if (result.data.active === false) {
        throw new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
      }
      return { agent, did: result.data.did, passwordDigest: digest };
    } catch (error) {
      throw toPlatformError(error);
    }
  }

  private forget(credentials: BlueskyCredentials, session?: Session): void {
    const key = sessionKey(credentials);
    if (!session || this.sessions.get(key) === session) this.sessions.delete(key);
  }

  /** Every request, images included, is abandoned after timeoutMs: an "ambiguous" failure. */
  private readonly fetch: typeof globalThis.fetch = (input, init) => {
    // The library hands over a Request, or a URL and init; keep any signal either carries.
    const signals = [AbortSignal.timeout(this.timeoutMs)];
    if (input instanceof Request) signals.push(input.signal);
    if (init?.signal) signals.push(init.signal);
    return globalThis.fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
}

function sessionKey(credentials: BlueskyCredentials): string {
  return `${credentials.service}\n${credentials.identifier.toLowerCase()}`;
}

/** A digest rather than the password itself, so the cache holds no secret of its own. */
function passwordDigest(credentials: BlueskyCredentials): string {
  return createHash('sha256').update(credentials.appPassword).digest('base64');
}

function handleOf(agent: AtpAgent): string {
  const handle = agent.session?.handle;
  if (!handle) throw badResponse();
  return handle;
}

function postUri(did: string, key: string): string {
  return `at://${did}/${POST}/${key}`;
}

/** The link people open: the handle as Bluesky has it now (the app also accepts the DID). */
function postUrl(handle: string, key: string): string {
  return `https://bsky.app/profile/${handle}/post/${key}`;
}

/**
 * RichText gives a mention it could not resolve (no such handle, or the PDS did not answer in
 * time) an empty DID, which makes the whole record invalid. Such a mention stays plain text: a
 * post with one unlinked @name is better than no post.
 */
function resolvedFacets(facets: AppBskyRichtextFacet.Main[] | undefined): AppBskyRichtextFacet.Main[] {
  return (facets ?? [])
    .map((facet) => ({
      ...facet,
      features: facet.features.filter((feature) => !(AppBskyRichtextFacet.isMention(feature) && !feature.did)),
    }))
    .filter((facet) => facet.features.length > 0);
}

/** What the PDS and AppView answer, as the publisher acts on it. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  if (!(error instanceof XRPCError)) return fromNetworkError(error);
  // XRPCError's status 1 (Unknown) is a request that got no answer (refused, reset, timed out);
  // 2 (InvalidResponse) an answer that does not match the lexicon.
  if (error.status === 1) return fromNetworkError(error);
  if (error.status === 2) return badResponse();
  const headers = new Headers();
  for (const [name, value] of Object.entries(error.headers ?? {})) if (value !== undefined) headers.set(name, value);
  if (error.status === 429) {
    return new PlatformError({ code: 'platform.rateLimited' }, 'rateLimited', retryAtFrom(headers) ?? resetAt(headers));
  }
  if (error.status === 401 || sessionErrors.has(error.error)) {
    return new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
  }
  if (isMediaRefusal(error)) {
    // The PDS names the image in its validation message: "… at $.record.embed.images[1].image".
    const index = /embed\.images\[(\d+)\]/.exec(error.message)?.[1];
    return mediaRejected(error, index === undefined ? undefined : Number(index) + 1);
  }
  return fromStatus(error.status, error.message);
}

/** 413: larger than the PDS takes at all; "blob too big": larger than a post's image may be. */
function isMediaRefusal(error: XRPCError): boolean {
  return error.status === 413 || error.error === 'BlobTooLarge' || /blob too (big|large)/i.test(error.message);
}

/** `position`: which image (from 1), as the composer numbers them. */
function mediaRejected(error: XRPCError, position: number | undefined): PlatformError {
  return new PlatformError(
    {
      code: 'platform.mediaRejected',
      params: { status: error.status, detail: error.message.slice(0, 200), ...(position ? { position } : {}) },
    },
    'permanent',
  );
}

/** Bluesky's RateLimit-Reset: when the window resets, in epoch seconds. */
function resetAt(headers: Headers): number | undefined {
  const value = Number(headers.get('ratelimit-reset'));
  return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
}
