// One interface every platform adapter implements; the publisher knows nothing else of a platform.
import type { ErrorInfo, Lang, Platform } from '../../shared/domain';
import type { XCredentials } from '../../shared/contract';
import type { TextMeasure } from '../../shared/limits';

export interface PublishRequest {
  text: string;
  lang: Lang;
  handle: string;
  credentials: XCredentials;
}

export interface Published {
  remoteId: string;
  remoteUrl: string;
}

export interface LookupRequest {
  text: string;
  handle: string;
  remoteUserId: string;
  credentials: XCredentials;
  /** Only posts created at or after this time (epoch ms) can be ours. */
  since: number;
}

export interface Identity {
  remoteUserId: string;
  handle: string;
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

export interface PlatformAdapter {
  readonly platform: Platform;
  validate(lang: Lang, text: string): TextMeasure;
  /** Checks the credentials and returns whose they are. Throws PlatformError. */
  verify(credentials: XCredentials): Promise<Identity>;
  /** Publishes one post. Throws PlatformError. */
  publish(request: PublishRequest): Promise<Published>;
  /**
   * After an attempt whose outcome is unknown: the post if the platform has it, else null.
   * Throws PlatformError when the platform cannot be asked.
   */
  findPublished(request: LookupRequest): Promise<Published | null>;
}
