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

export interface Identity {
  remoteUserId: string;
  handle: string;
}

/** What the publisher needs to decide between retrying, waiting and giving up. */
export class PlatformError extends Error {
  constructor(
    readonly info: ErrorInfo,
    readonly kind: 'retryable' | 'rateLimited' | 'unauthorized' | 'permanent',
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
}
