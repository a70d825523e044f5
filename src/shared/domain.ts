// Domain types shared by main and renderer. Pure TypeScript: no electron, node or DOM.

export const langs = ['en', 'fr'] as const;
export type Lang = (typeof langs)[number];

export const platforms = ['x'] as const;
export type Platform = (typeof platforms)[number];

export type AccountStatus = 'active' | 'needs_reauth';

export interface Account {
  id: string;
  platform: Platform;
  lang: Lang;
  handle: string;
  displayName: string;
  status: AccountStatus;
  credentialSetAt: string | null;
}

/** An EN account and its FR twin on one platform: the unit a pair is published to. */
export interface Channel {
  id: string;
  platform: Platform;
  name: string;
  en: Account;
  fr: Account;
}

export type PairStatus =
  | 'draft'
  | 'scheduled'
  | 'publishing'
  | 'published'
  | 'partial'
  | 'failed'
  | 'cancelled';

export type DeliveryStatus = 'pending' | 'sending' | 'retrying' | 'sent' | 'failed' | 'cancelled';

/** A user-facing error: a catalogue key under `errors.` plus interpolation values. */
export interface ErrorInfo {
  code: ErrorCode;
  params?: Record<string, string | number>;
}

export const errorCodes = [
  'input.invalid',
  'text.empty',
  'text.tooLong',
  'text.invalid',
  'channel.unknown',
  'channel.none',
  'account.handleTaken',
  'account.noCredentials',
  'account.handleMismatch',
  'account.unauthorized',
  'schedule.inPast',
  'schedule.invalid',
  'pair.unknown',
  'pair.notCancellable',
  'pair.notRetryable',
  'delivery.heldForTwin',
  'delivery.outcomeUnknown',
  'platform.network',
  'platform.rateLimited',
  'platform.rejected',
  'platform.duplicate',
  'platform.server',
  'platform.badResponse',
  'keychain.unavailable',
  'ipc.untrusted',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface Delivery {
  id: string;
  accountId: string;
  handle: string;
  platform: Platform;
  lang: Lang;
  status: DeliveryStatus;
  attempt: number;
  nextAttemptAt: string | null;
  remoteId: string | null;
  remoteUrl: string | null;
  sentAt: string | null;
  lastError: ErrorInfo | null;
}

export interface Pair {
  id: string;
  enText: string;
  frText: string;
  status: PairStatus;
  scheduledAt: string | null;
  authorTz: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  channelIds: string[];
  deliveries: Delivery[];
  /** Milliseconds between the first and last language reaching the platform, once all are sent. */
  skewMs: number | null;
}
