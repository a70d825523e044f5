// Domain types shared by main and renderer. Pure TypeScript: no electron, node or DOM.

export const langs = ['en', 'fr'] as const;
export type Lang = (typeof langs)[number];

export const platforms = ['x', 'bluesky', 'mastodon', 'facebook', 'linkedin'] as const;
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
  /** What this account may post: the platform's limits, or its own (a Mastodon instance's). */
  limits: PlatformLimits;
}

/** An EN account and its FR twin on one platform: the unit a pair is published to. */
export interface Channel {
  id: string;
  platform: Platform;
  /** The account pair's name in English (Statistics Canada)… */
  name: string;
  /** …and in French (Statistique Canada). */
  nameFr: string;
  /** When an administrator retired it: kept with its history, offered for no new pair. */
  retiredAt: string | null;
  en: Account;
  fr: Account;
  /** Whether the author of a pair may also approve it (set by an admin, per account pair). */
  allowSelfApproval: boolean;
}

export type PairStatus =
  | 'draft'
  | 'translation'
  | 'review'
  | 'approved'
  | 'scheduled'
  | 'publishing'
  | 'published'
  | 'partial'
  /** Waiting for a person: missed its time by more than the grace period, or an account needs re-authorisation. */
  | 'held'
  | 'failed'
  | 'cancelled';

/**
 * `checking`: the outcome of an earlier attempt is unknown (crash, timeout); the platform is asked
 * before anything is sent again. `held`: waits for a person (late, or credentials refused).
 */
export type DeliveryStatus = 'pending' | 'sending' | 'checking' | 'retrying' | 'held' | 'sent' | 'failed' | 'cancelled';

/** A user-facing error: a catalogue key under `errors.` plus interpolation values. */
export interface ErrorInfo {
  code: ErrorCode;
  params?: Record<string, string | number>;
}

/** Why Tandem cannot write its database: disk full, read-only, held by another program, failing disk. */
export const storageFaultCodes = ['storage.full', 'storage.readOnly', 'storage.locked', 'storage.io'] as const;
export type StorageFaultCode = (typeof storageFaultCodes)[number];

export const errorCodes = [
  'input.invalid',
  'input.invalidCharacters',
  'input.tooLarge',
  'text.empty',
  'text.tooLong',
  'text.invalid',
  'text.tooManyBytes',
  'media.tooMany',
  'media.tooLarge',
  'media.unsupportedType',
  'media.altTooLong',
  'media.unreadable',
  'media.fileTooLarge',
  'media.unknown',
  'platform.mediaRejected',
  'account.wrongPlatform',
  'channel.unknown',
  'channel.none',
  'account.handleTaken',
  'account.noCredentials',
  'account.handleMismatch',
  'account.unauthorized',
  'schedule.inPast',
  'schedule.invalid',
  'schedule.incomplete',
  'schedule.outOfRange',
  'pair.unknown',
  'pair.notCancellable',
  'pair.notRetryable',
  'delivery.heldForTwin',
  'delivery.outcomeUnknown',
  'schedule.missed',
  'account.unknown',
  'platform.network',
  'platform.rateLimited',
  'platform.rejected',
  'platform.duplicate',
  'platform.server',
  'platform.badResponse',
  'platform.lookupIncomplete',
  'keychain.unavailable',
  'ipc.untrusted',
  'auth.required',
  'auth.invalid',
  'auth.bootstrapDone',
  'auth.locked',
  'auth.rateLimited',
  'auth.bootstrapLocalOnly',
  'auth.deactivated',
  'user.deactivateSelf',
  'user.resetSelf',
  'user.wrongPassphrase',
  'user.samePassphrase',
  'channel.retired',
  'channel.busy',
  'audit.exportTooLarge',
  // Said by the window before anything is asked: an action name that names none, a range upside down.
  'audit.noSuchAction',
  'audit.badRange',
  'role.noneChosen',
  'user.passphrasesDiffer',
  'workspace.unreachable',
  'workspace.offline',
  'sync.mutationReused',
  'outbox.unknown',
  'pair.exists',
  'desk.notChosen',
  'desk.alreadyChosen',
  'desk.notInWorkspace',
  'desk.unsentChanges',
  'desk.invalidAddress',
  'desk.insecureAddress',
  'desk.notAWorkspace',
  'desk.notSolo',
  'import.localOnly',
  'import.workspaceNotNew',
  'import.versionMismatch',
  'import.unreadable',
  'user.taken',
  'user.weakPassphrase',
  'user.unknown',
  'permission.denied',
  'permission.roleEnded',
  'role.invalidScope',
  'role.unknown',
  'role.expiryInPast',
  'role.lastAdmin',
  'pair.stale',
  'pair.wrongState',
  'approval.selfNotAllowed',
  'approval.commentRequired',
  'checks.blocked',
  'pii.notFlagged',
  'pii.requestUnknown',
  'pii.allowListFull',
  'startup.notReady',
  'startup.noProblem',
  'backups.unavailable',
  'backups.unusable',
  ...storageFaultCodes,
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

/** An image file as stored: by content, so EN and FR may share one. */
export interface MediaFile {
  id: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
}

/** One image of a pair: the EN and FR file (often the same) and its alt text in each language. */
export interface PairMedia {
  en: MediaFile;
  fr: MediaFile;
  altEn: string;
  altFr: string;
}

/** Engagement of one published post, as its platform reports it (null: not reported there). */
export interface DeliveryMetrics {
  deliveryId: string;
  lang: Lang;
  platform: Platform;
  handle: string;
  remoteUrl: string | null;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  impressions: number | null;
  error: ErrorInfo | null;
}

export interface Pair {
  id: string;
  enText: string;
  frText: string;
  media: PairMedia[];
  status: PairStatus;
  scheduledAt: string | null;
  authorTz: string;
  createdBy: string;
  /** Everyone other than the creator who wrote or edited either language (", " between names). */
  translatedBy: string | null;
  /** Who wrote or edited each language, in the order they first did. */
  writtenBy: { en: string[]; fr: string[] };
  /** Who scheduled or published it. */
  scheduledBy: string | null;
  /**
   * The display name of each person above, by username (a person no longer known keeps their
   * username). Only the people this pair names: seeing a pair tells no one else's name.
   */
  names: Record<string, string>;
  /** The approval in force: covers this version of both languages. */
  approval: Approval | null;
  /** The most recent rejection, while the pair is back in translation. */
  rejection: Approval | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  channelIds: string[];
  deliveries: Delivery[];
  /** Milliseconds between the first and last language reaching the platform, once all are sent. */
  skewMs: number | null;
}

export interface Approval {
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  comment: string;
  version: number;
}

export const roles = ['drafter', 'translator', 'approver', 'publisher', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Grant {
  id: string;
  role: Role;
  /** Null: all account pairs. */
  channelId: string | null;
  expiresAt: string | null;
  grantedBy: string;
  grantedAt: string;
  revokedAt: string | null;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
  /** When an administrator deactivated the profile; null while it may sign in. */
  deactivatedAt: string | null;
  grants: Grant[];
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
  hash: string;
}

/**
 * How a platform counts text:
 * - x: twitter-text v3's weighted length (parseTweet: a URL, with or without its scheme, is 23;
 *   CJK and emoji 2), and parseTweet's own validity (no invalid characters);
 * - graphemes: user-perceived characters (Bluesky's lexicon maxGraphemes: a flag emoji or
 *   e + combining accent is one; its maxLength, UTF-8 bytes, is `maxBytes`);
 * - mastodon: StatusLengthValidator (app/validators/status_length_validator.rb): grapheme
 *   clusters of the text with each URL Mastodon finds (scheme required, its own URL pattern)
 *   as `urlLength` characters and each mention as @user, a remote @user@instance included;
 *   see entities.ts for the patterns;
 * - chars: UTF-16 code units (Facebook, LinkedIn). Neither documents how it counts its limit
 *   ("characters"); UTF-16 code units are never fewer than code points or graphemes, so a text
 *   Tandem accepts is within the limit whichever of those they count (an emoji counts 2 here).
 *   LinkedIn's limit is on the text as written, not on its escaped "little text" form.
 */
export type Counting = 'x' | 'graphemes' | 'mastodon' | 'chars';

export interface PlatformLimits {
  maxLength: number;
  counting: Counting;
  /** Mastodon: characters a URL counts for, whatever its length. */
  urlLength: number;
  /** UTF-8 bytes the text may take, where the platform also limits that (Bluesky). */
  maxBytes: number | null;
  maxImages: number;
  /** Per image. */
  maxImageBytes: number;
  imageTypes: readonly string[];
  maxAltLength: number;
}
