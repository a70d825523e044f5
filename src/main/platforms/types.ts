// One interface every platform adapter implements; the publisher knows nothing else of a platform.
import type { ZodType } from 'zod';
import type { ErrorInfo, Lang, Platform } from '../../shared/domain';
import type { Credentials, CredentialsOf } from '../../shared/credentials';
import type { MediaFacts, PlatformLimits } from '../../shared/limits';

/** One image of one side of a pair, as sent: its bytes and its alt text in that side's language. */
export interface MediaUpload {
  bytes: Uint8Array;
  mime: string;
  alt: string;
  width: number;
  height: number;
}

export interface PublishRequest<C> {
  text: string;
  lang: Lang;
  handle: string;
  credentials: C;
  media: readonly MediaUpload[];
  /**
   * Stable for the delivery across attempts, crashes included: a TID (13 base32 characters).
   * Bluesky uses it as the record key and Mastodon as the Idempotency-Key, so a second attempt
   * cannot make a second post.
   */
  key: string;
}

export interface Published {
  remoteId: string;
  remoteUrl: string;
}

export interface LookupRequest<C> {
  text: string;
  lang: Lang;
  handle: string;
  /** The platform's own id for the account, read when the credentials were verified. */
  remoteUserId: string;
  credentials: C;
  /** Only posts created at or after this time (epoch ms) can be ours. */
  since: number;
  /** The delivery's key, as sent with every attempt. */
  key: string;
}

export interface MetricsRequest<C> {
  remoteId: string;
  remoteUserId: string;
  handle: string;
  credentials: C;
}

/** Engagement as the platform reports it; null where it does not report that figure. */
export interface Metrics {
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  impressions: number | null;
}

export interface Identity {
  remoteUserId: string;
  handle: string;
  /** This account's own limits where they differ from the platform's defaults (a Mastodon instance's). */
  limits?: PlatformLimits;
}

/**
 * What the publisher needs to decide between retrying, checking, waiting and giving up:
 * - offline: the request never reached the platform (no connection); safe to send again;
 * - ambiguous: it may have been acted on (timeout, 5xx, unreadable answer); check before resending;
 * - rateLimited: refused before acting; wait until retryAt;
 * - unauthorized: credentials refused; hold until a person re-authorises the account;
 * - permanent: refused for good (duplicate, invalid).
 */
export type PlatformErrorKind = 'offline' | 'ambiguous' | 'rateLimited' | 'unauthorized' | 'permanent';

export class PlatformError extends Error {
  constructor(
    readonly info: ErrorInfo,
    readonly kind: PlatformErrorKind,
    /** For rateLimited: epoch ms when the platform says the window resets. */
    readonly retryAt?: number,
  ) {
    super(info.code);
  }
}

export interface PlatformAdapter<P extends Platform = Platform> {
  readonly platform: P;
  readonly credentialsSchema: ZodType<CredentialsOf<P>>;
  /** The platform's documented limits; an account's own (from verify) take precedence. */
  readonly limits: PlatformLimits;
  /** Text and media of one side, against these limits, before anything is sent. */
  validate(limits: PlatformLimits, lang: Lang, text: string, media: readonly MediaFacts[]): ErrorInfo[];
  /** Checks the credentials and returns whose they are. Throws PlatformError. */
  verify(credentials: CredentialsOf<P>): Promise<Identity>;
  /** Publishes one post, its images first. Throws PlatformError. */
  publish(request: PublishRequest<CredentialsOf<P>>): Promise<Published>;
  /**
   * After an attempt whose outcome is unknown: the post if the platform has it, else null.
   * Throws PlatformError when the platform cannot be asked or cannot tell.
   */
  findPublished(request: LookupRequest<CredentialsOf<P>>): Promise<Published | null>;
  /** Likes, reposts, replies and impressions of a published post. Throws PlatformError. */
  fetchMetrics(request: MetricsRequest<CredentialsOf<P>>): Promise<Metrics>;
}

/** Any adapter, for the registry: credentials are narrowed by `credentialsSchema` at the call. */
export type AnyPlatformAdapter = { [P in Platform]: PlatformAdapter<P> }[Platform];

export type { Credentials };
