// The typed API between renderer and main: method -> zod input schema + output type,
// and push event -> payload. Main validates every input against these schemas.
import { z } from 'zod';
import type { Method, EventName } from './methods';
import { checkIds, frenchStyles, severities, type CheckSettings } from './checks';
import { piiKindNames, type PiiKind } from './pii';
import {
  platforms,
  roles,
  type AuditEntry,
  type Channel,
  type DeliveryMetrics,
  type ErrorInfo,
  type Grant,
  type Lang,
  type MediaFile,
  type Pair,
  type PairMedia,
  type PairStatus,
  type Platform,
  type StorageFaultCode,
  type User,
} from './domain';
import { credentialsSchema, handlePatterns, normalizeHandle } from './credentials';
import { auditActions, type AuditProblemKind } from './audit-actions';

export type { Credentials, XCredentials } from './credentials';

const accountInput = z.strictObject({
  handle: z.string().trim().max(300).transform(normalizeHandle),
  displayName: z.string().trim().min(1).max(100),
  credentials: credentialsSchema,
});

/** Both accounts on the pair's platform, each handle written as that platform writes handles. */
function onePlatform(
  pair: { platform: Platform; en: z.output<typeof accountInput>; fr: z.output<typeof accountInput> },
  ctx: z.RefinementCtx,
): void {
  for (const lang of ['en', 'fr'] as const) {
    if (pair[lang].credentials.platform !== pair.platform) {
      ctx.addIssue({ code: 'custom', path: [lang, 'credentials', 'platform'], message: 'platform mismatch' });
    }
    if (!handlePatterns[pair.platform].test(pair[lang].handle)) {
      ctx.addIssue({ code: 'custom', path: [lang, 'handle'], message: 'invalid handle' });
    }
  }
}

const id = z.string().min(1).max(64);
const postText = z.string().max(10_000);
const version = z.number().int().min(1);
const comment = z.string().max(2_000);
const username = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.string().regex(/^[a-z0-9._-]{2,40}$/));
/** Length is checked in main so the user gets the rule in their language. */
const passphrase = z.string().min(1).max(1_024);
const isoDate = z.iso.datetime({ offset: true });
const channelName = z.string().trim().min(1).max(100);

const newUser = z.strictObject({
  username,
  displayName: z.string().trim().min(1).max(100),
  passphrase,
});

const pairRef = z.strictObject({ id, version });

const altText = z.string().max(5_000);
/** A pair's images in order: files uploaded with media.upload, and alt text in each language. */
const pairMediaList = z.array(z.strictObject({ en: id, fr: id, altEn: altText, altFr: altText })).max(20);
const pairMedia = pairMediaList.default([]);

/**
 * The composer's text not yet saved as a draft, as main keeps it for the person who typed it.
 * `owner` is whom the composer was opened for: a call still on its way when someone else has
 * signed in (a page closing, a session ending) is refused rather than kept as theirs.
 */
const unsentOwner = z.strictObject({ owner: id });
const unsentInput = unsentOwner.extend({
  enText: postText,
  frText: postText,
  channelIds: z.array(id).max(20),
  media: pairMediaList,
});

/** Every status a pair may have, in workflow order (the queue's filter and its counts). */
export const pairStatuses = [
  'draft',
  'translation',
  'review',
  'approved',
  'scheduled',
  'publishing',
  'published',
  'partial',
  'held',
  'failed',
  'cancelled',
] as const satisfies readonly PairStatus[];
// Every status is listed: a new one in domain.ts fails to compile here until it is added.
const everyStatus: readonly (typeof pairStatuses)[number][] = [] as PairStatus[];
void everyStatus;

/**
 * The queue's question (issue 13, item 2), answered by the database: every filter given must hold.
 * - `status`: any of these statuses.
 * - `channelId`: the pair goes to this account pair; `platform`: to an account pair on this platform.
 * - `person` (a username): the pair was created by them or they wrote or edited either language.
 * - `from` / `to`: the pair's queue time — when it is scheduled, else when it was created — is at
 *   or after `from` and before `to`.
 * - `search`: found in the EN or the FR text, ignoring case, accents and how white space runs.
 * - `sort`: `newest` / `oldest` by creation; `scheduled`: by queue time, soonest first.
 * - `after`: the `next` cursor of the previous page (with the same question); `limit`: page size.
 */
export const pairQuery = z.strictObject({
  status: z.array(z.enum(pairStatuses)).min(1).max(pairStatuses.length).optional(),
  channelId: id.optional(),
  platform: z.enum(platforms).optional(),
  person: username.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  search: z.string().trim().min(1).max(200).optional(),
  sort: z.enum(['newest', 'oldest', 'scheduled']).default('newest'),
  after: z.string().min(1).max(300).regex(/^[A-Za-z0-9_-]+$/).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** A page of the queue: its pairs, the cursor of the next page (null at the end), and how many pairs of each status match (the status filter aside). */
export interface PairPage {
  pairs: Pair[];
  next: string | null;
  counts: Record<PairStatus, number>;
}

/** The lists of "Waiting for me" (issue 13, item 1), each only where the person's roles act on it:
 * - `sentBack`: drafts an approver sent back (status translation with a rejection) that the person created or wrote;
 * - `translate`: pairs waiting for translation (the translator's work; the creator's own are left to `sentBack`);
 * - `approve`: pairs in review the person may approve (not their own unless self-approval is allowed);
 * - `publish`: approved pairs the person may schedule or publish;
 * - `problems`: sides that failed or are held, for the publishers of their account pairs and the pair's creator. */
export const waitingKinds = ['sentBack', 'translate', 'approve', 'publish', 'problems'] as const;
export type WaitingKind = (typeof waitingKinds)[number];
/** Each list: how many pairs wait, and the first ones (oldest waiting first, at most `waitingShown`). */
export type Waiting = Record<WaitingKind, { count: number; pairs: Pair[] }>;
export const waitingShown = 20;

/** One pair opened on its own (issue 13, items 3 and 5): the review screen and the read-only view. */
export interface PairReview {
  pair: Pair;
  /**
   * The texts as they stood at the last decision on an earlier version (the caller's own decision
   * if they made one, else anyone's): what changed since is shown as a diff per language. Null when
   * no one decided on an earlier version.
   */
  previous: {
    version: number;
    enText: string;
    frText: string;
    decision: 'approved' | 'rejected';
    by: string;
    /** What the decision said (a send-back's reason), so the approver sees it beside what changed. */
    comment: string;
    at: string;
  } | null;
  /** What the caller may do with it now (the services still check each call). */
  can: { edit: boolean; approve: boolean; schedule: boolean; reschedule: boolean; duplicate: boolean };
}

/** Largest image accepted at all (Mastodon's default limit); each platform's own limit is checked too. */
export const maxUploadBytes = 16 * 1024 * 1024;

/** Whether Tandem can write its database now, and since when it cannot (ISO time); both null when it can. */
export interface StorageProblem {
  code: StorageFaultCode | null;
  since: string | null;
}

export interface SessionState {
  user: User | null;
  /** True until the first administrator has been created. */
  needsBootstrap: boolean;
}

export interface AuditPage {
  events: AuditEntry[];
  integrity: AuditIntegrity;
  /** The cursor of the next (older) page: pass it as `before`; null at the start of the trail. */
  next: number | null;
  /** The display name of each actor on the page that is a person, by username. */
  people: Record<string, string>;
  /** What each subject on the page is, for a reader (a subject left out is shown as written). */
  subjects: Record<string, AuditSubject>;
}

/** The most events one export of the trail carries: a longer range is refused, to be cut in parts. */
export const maxAuditExport = 100_000;

interface ExportHead {
  exportedAt: string;
  exportedBy: string;
  /** The range asked for (null: open). */
  from: string | null;
  to: string | null;
}

export interface AuditExport extends ExportHead {
  /** Oldest first. */
  events: AuditEntry[];
  people: Record<string, string>;
  subjects: Record<string, AuditSubject>;
}

/** One published pair and the evidence behind it, as the records export carries it. */
export interface PublishedRecord {
  pairId: string;
  status: string;
  channels: string;
  enText: string;
  frText: string;
  /** The images' alt text on each side, in order, as published (" | " between images). */
  enAltText: string;
  frAltText: string;
  enPosts: string;
  frPosts: string;
  enSentAt: string;
  frSentAt: string;
  scheduledAt: string;
  draftedBy: string;
  /** Everyone other than the drafter who wrote or edited either language. */
  translatedBy: string;
  /** Who wrote or edited each language, in the order they first did ("; " between people). */
  enWrittenBy: string;
  frWrittenBy: string;
  approvedBy: string;
  approvedAt: string;
  approvalComment: string;
  approvedVersion: number | null;
  publishedBy: string;
  approvalAuditHash: string;
}

export interface RecordsExport extends ExportHead {
  records: PublishedRecord[];
  /** The display name of each person the records name, by username. */
  people: Record<string, string>;
}

/** An audit event's subject, as a reader knows it. */
export type AuditSubject =
  | { kind: 'pair'; en: string; fr: string }
  | { kind: 'channel'; name: string; nameFr: string; platform: string }
  | { kind: 'account'; handle: string; platform: string; lang: Lang }
  | { kind: 'person'; username: string; displayName: string }
  | { kind: 'grant'; role: string; username: string; displayName: string };

/** What the checks of the trail found; a problem once found stays on show. */
export interface AuditIntegrity {
  /** `unverifiable`: the key could not be read, so nothing could be checked in this run. */
  state: 'intact' | 'broken' | 'unverifiable';
  problems: AuditProblem[];
  /** False while events recorded before this start are still being re-checked in the background. */
  complete: boolean;
}

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The first event concerned (for `triggersRestored` and `headMissing`: the event recording it). */
  seq?: number;
  /** How many events in a row, from `seq`. */
  count?: number;
}

export interface WorkspaceSettings {
  /** A pair found due later than this many minutes waits for a publisher to confirm it. */
  graceMinutes: number;
  /** Content checks: what each one does (off, warn, block), the PII allow-list, flagged terms. */
  checks: CheckSettings;
}

const phraseList = z.array(z.string().trim().min(1).max(100)).max(200);
export const checkSettingsSchema = z.strictObject({
  severity: z.record(z.enum(checkIds), z.enum(severities)),
  piiAllowList: phraseList,
  flaggedTerms: phraseList,
  frenchStyle: z.enum(frenchStyles).default('canada'),
});

/** A drafter's request to put a flagged number or address on the allow-list ("this is public"). */
export interface PiiAllowRequest {
  id: string;
  /** The text as the check reported it. */
  match: string;
  kind: PiiKind;
  requestedBy: { username: string; displayName: string };
  requestedAt: string;
  /** The pair it was flagged in, when the composer had one open. */
  pairId: string | null;
  decision: 'allowed' | 'dismissed' | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

export interface UnsentText {
  enText: string;
  frText: string;
  channelIds: string[];
  /** The images Tandem still has, with their files. */
  media: PairMedia[];
  /** How many of the kept images Tandem no longer has (left out of `media`). */
  missingMedia: number;
}

/** What can stop Tandem from opening its database at start; each has its own message and remedy. */
export const startupProblemKinds = [
  'missingFolder',
  'readOnly',
  'diskFull',
  'locked',
  'corrupt',
  'emptyFile',
  'fromNewerVersion',
  'unknown',
] as const;
export type StartupProblemKind = (typeof startupProblemKinds)[number];

export interface StartupProblem {
  kind: StartupProblemKind;
  /** The folder or file the person has to look at. */
  path: string;
  /** fromNewerVersion: the database's schema version, and the newest this Tandem reads. */
  found?: number;
  supported?: number;
  /** Whether "Restore from a backup" is offered (a damaged, empty or too new database). */
  canRestore: boolean;
  /** Whether "Start over with an empty database" is offered (a damaged or empty database). */
  canStartOver: boolean;
}

export const backupReasons = ['daily', 'migration'] as const;
export type BackupReason = (typeof backupReasons)[number];
/** tandem-<UTC time>-v<schema version>-<reason>.db, e.g. tandem-20250102T030405678Z-v9-daily.db */
export const backupNamePattern = /^tandem-(\d{8}T\d{9}Z)-v(\d{1,6})-(daily|migration)\.db$/;

export interface BackupInfo {
  name: string;
  takenAt: string;
  reason: BackupReason;
  bytes: number;
  schemaVersion: number;
  /** How many post pairs it holds, or null if it cannot be read. */
  pairs: number | null;
  /** False for a backup this Tandem cannot restore (unreadable, or from a newer Tandem). */
  usable: boolean;
}

/** What this desk is: not chosen yet (first start), Tandem on this computer alone, or joined to a team workspace. */
export const deskModes = ['unchosen', 'solo', 'workspace'] as const;
export type DeskMode = (typeof deskModes)[number];

export interface DeskState {
  mode: DeskMode;
  /** The workspace's address (its origin) when joined; null otherwise. */
  url: string | null;
}

export interface ExportFile {
  filename: string;
  mimeType: string;
  content: string;
  count: number;
}

/** One page of a desk's offline copy (sync.pull). */
export interface SyncPage {
  /** Names the person's view; a desk sends it back, and gets everything again when it changed. */
  scope: string;
  /** True on the first page of a whole copy: the desk then drops what it held that the copy lacks. */
  reset: boolean;
  /** Where the next pull starts, once the last page (page: null) is stored. */
  cursor: string;
  /** More to read: pull again with this page, the same cursor and scope. */
  page: string | null;
  pairs: Pair[];
}

/** A change made on a desk while its workspace could not be reached, in the order it was made. */
export interface OutboxEntry {
  id: number;
  method: 'pairs.create' | 'pairs.update' | 'pairs.requestTranslation' | 'pairs.submitForReview' | 'media.upload';
  pairId: string | null;
  /** waiting: to send; conflict: someone changed the pair meanwhile; refused: the workspace said no. */
  state: 'waiting' | 'conflict' | 'refused';
  createdAt: string;
  /** The pair as this person left it (texts, images), for a conflict or a refusal. */
  mine: Pick<Pair, 'enText' | 'frText' | 'media'> | null;
  /** The pair as the workspace has it now, for a conflict. */
  theirs: Pair | null;
  error: ErrorInfo | null;
}

export interface Outbox {
  status: DeskStatus;
  entries: OutboxEntry[];
}

/** Whether a desk joined to a workspace reaches it, and what it still has to send. */
export interface DeskStatus {
  /** False on a solo desk (and the server): there is no workspace to reach and nothing is queued. */
  joined: boolean;
  online: boolean;
  waiting: number;
  conflicts: number;
  refused: number;
}

export const contract = {
  'session.current': { input: z.null().optional(), output: null as unknown as SessionState },
  'session.signIn': {
    input: z.strictObject({ username, passphrase }),
    output: null as unknown as User,
  },
  'session.signOut': { input: z.null().optional(), output: null as unknown as null },
  /** Ends every session of the caller's, this one included, on every desk and browser. */
  'session.signOutEverywhere': { input: z.null().optional(), output: null as unknown as { ended: number } },
  'users.bootstrap': { input: newUser, output: null as unknown as User },
  'users.list': { input: z.null().optional(), output: null as unknown as User[] },
  'users.deactivate': { input: z.strictObject({ userId: z.string().uuid() }), output: null as unknown as User },
  'users.create': { input: newUser, output: null as unknown as User },
  'roles.grant': {
    input: z.strictObject({
      userId: id,
      role: z.enum(roles),
      channelId: id.nullable(),
      expiresAt: isoDate.nullable(),
    }),
    output: null as unknown as Grant,
  },
  'roles.revoke': { input: z.strictObject({ grantId: id }), output: null as unknown as Grant },
  /** Several roles at once, on one account pair (or all) with one end date: all given, or none. */
  'roles.grantSeveral': {
    input: z.strictObject({
      userId: id,
      roles: z
        .array(z.enum(roles))
        .min(1)
        .max(roles.length)
        .refine((list) => new Set(list).size === list.length, { message: 'each role once' }),
      channelId: id.nullable(),
      expiresAt: isoDate.nullable(),
    }),
    output: null as unknown as Grant[],
  },
  /** An administrator sets someone's passphrase (forgotten, or handed over): their sessions end. */
  'users.resetPassphrase': { input: z.strictObject({ userId: id, passphrase }), output: null as unknown as User },
  /** The person signed in changes their own passphrase, giving the current one: their other sessions end. */
  'users.changePassphrase': { input: z.strictObject({ current: passphrase, passphrase }), output: null as unknown as User },
  'accounts.list': { input: z.null().optional(), output: null as unknown as Channel[] },
  'accounts.addPair': {
    input: z
      .strictObject({
        platform: z.enum(platforms),
        name: channelName,
        /** The French name (Statistique Canada); the English one when not given. */
        nameFr: channelName.optional(),
        en: accountInput,
        fr: accountInput,
      })
      .superRefine(onePlatform),
    output: null as unknown as Channel,
  },
  /** New names for an account pair, in English and French (administrators; audited). */
  'accounts.rename': {
    input: z.strictObject({ channelId: id, name: channelName, nameFr: channelName }),
    output: null as unknown as Channel,
  },
  /** Retires an account pair: its history stays, no new pair may use it (refused while pairs are on their way out). */
  'accounts.retire': { input: z.strictObject({ channelId: id }), output: null as unknown as Channel },
  'accounts.setSelfApproval': {
    input: z.strictObject({ channelId: id, allowed: z.boolean() }),
    output: null as unknown as Channel,
  },
  'accounts.updateCredentials': {
    input: z.strictObject({ accountId: id, credentials: credentialsSchema }),
    output: null as unknown as Channel,
  },
  'pairs.list': {
    input: z.strictObject({ limit: z.number().int().min(1).max(500).default(50) }).optional(),
    output: null as unknown as Pair[],
  },
  'pairs.query': { input: pairQuery, output: null as unknown as PairPage },
  'pairs.create': {
    input: z.strictObject({
      /** Chosen by a desk that drafted the pair offline, so its later changes can name it; else made here. */
      id: id.optional(),
      channelIds: z.array(id).max(20),
      enText: postText,
      frText: postText,
      media: pairMedia,
      authorTz: z.string().min(1).max(64),
    }),
    output: null as unknown as Pair,
  },
  'pairs.update': {
    // Without `media`, the images stay as they are (a caller that only edits text cannot wipe them).
    input: z.strictObject({ id, version, enText: postText, frText: postText, media: pairMediaList.optional() }),
    output: null as unknown as Pair,
  },
  'pairs.requestTranslation': { input: pairRef, output: null as unknown as Pair },
  'pairs.submitForReview': { input: pairRef, output: null as unknown as Pair },
  'pairs.approve': { input: z.strictObject({ id, version, comment }), output: null as unknown as Pair },
  'pairs.reject': { input: z.strictObject({ id, version, comment }), output: null as unknown as Pair },
  'pairs.schedule': {
    input: z.strictObject({
      id,
      version,
      /** 'now' publishes at once; 'at' publishes at scheduledAt. */
      when: z.enum(['now', 'at']),
      scheduledAt: isoDate.optional(),
    }),
    output: null as unknown as Pair,
  },
  'pairs.cancel': { input: z.strictObject({ id }), output: null as unknown as Pair },
  'pairs.retry': { input: z.strictObject({ id }), output: null as unknown as Pair },
  'pairs.release': { input: pairRef, output: null as unknown as Pair },
  'pairs.metrics': { input: z.strictObject({ id }), output: null as unknown as DeliveryMetrics[] },
  /** A pair the caller may see, with what changed since the last decision and what they may do; else not found. */
  'pairs.open': { input: z.strictObject({ id }), output: null as unknown as PairReview },
  'pairs.waiting': { input: z.null().optional(), output: null as unknown as Waiting },
  /** A publisher moves a scheduled pair to another time: the approval stays (only the time changed), audited. */
  'pairs.reschedule': { input: z.strictObject({ id, version, scheduledAt: isoDate }), output: null as unknown as Pair },
  /** A new draft with the same texts, images and account pairs (those the caller may still draft for). */
  'pairs.duplicate': { input: z.strictObject({ id }), output: null as unknown as Pair },
  'media.upload': {
    input: z.strictObject({
      /** The file's bytes, base64 (structured clone would do for IPC, but the web harness speaks JSON). */
      // Twice the limit, so a file a little too large gets "too large, here is the limit" from
      // main rather than a bare validation error; the composer checks the size before sending.
      data: z.base64().max(Math.ceil((2 * maxUploadBytes) / 3) * 4 + 4),
    }),
    output: null as unknown as MediaFile,
  },
  'media.read': {
    input: z.strictObject({ id }),
    output: null as unknown as { mime: string; data: string },
  },
  'unsent.get': { input: z.null().optional(), output: null as unknown as UnsentText | null },
  'unsent.save': { input: unsentInput, output: null as unknown as null },
  'unsent.clear': { input: unsentOwner, output: null as unknown as null },
  'settings.get': { input: z.null().optional(), output: null as unknown as WorkspaceSettings },
  'settings.update': {
    input: z.strictObject({
      graceMinutes: z.number().int().min(0).max(7 * 24 * 60).optional(),
      checks: checkSettingsSchema.optional(),
    }),
    output: null as unknown as WorkspaceSettings,
  },
  // Any drafter or translator may ask; only administrators list and decide (main checks both).
  'pii.requestAllow': {
    input: z.strictObject({ match: z.string().trim().min(1).max(100), kind: z.enum(piiKindNames), pairId: id.optional() }),
    output: null as unknown as PiiAllowRequest,
  },
  /** Pending requests, oldest first. */
  'pii.requests': { input: z.null().optional(), output: null as unknown as PiiAllowRequest[] },
  /** Adds the request's text to the allow-list in one step; returns the settings as saved. */
  'pii.allow': { input: z.strictObject({ requestId: id }), output: null as unknown as WorkspaceSettings },
  'pii.dismiss': { input: z.strictObject({ requestId: id }), output: null as unknown as PiiAllowRequest },
  'audit.list': {
    input: z
      .strictObject({
        /** A username's start (any case). */
        actor: z.string().max(100).optional(),
        /** A person by any part of their name or username, ignoring case and accents. */
        person: z.string().trim().min(1).max(100).optional(),
        /** An action's start (`pair.`), or exactly the actions listed (`actions`). */
        action: z.string().max(100).optional(),
        actions: z.array(z.enum(auditActions)).min(1).max(auditActions.length).optional(),
        subject: z.string().max(100).optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        /** Events older than this one (the `next` of the page before). */
        before: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(5_000).default(500),
      })
      .optional(),
    output: null as unknown as AuditPage,
  },
  'audit.exportPublished': {
    input: z.strictObject({ format: z.enum(['csv', 'json']) }),
    output: null as unknown as ExportFile,
  },
  /**
   * The audit trail between two times (either end open), for an export written in the reader's
   * language by the window; recorded as an export. Refused over `maxAuditExport` events.
   */
  'audit.exportTrail': { input: z.strictObject({ from: isoDate.optional(), to: isoDate.optional() }), output: null as unknown as AuditExport },
  /** What was published between two times (when it was due), with its approval evidence; recorded as an export. */
  'audit.exportRecords': { input: z.strictObject({ from: isoDate.optional(), to: isoDate.optional() }), output: null as unknown as RecordsExport },
  'startup.problem': { input: z.null().optional(), output: null as unknown as StartupProblem | null },
  'startup.retry': { input: z.null().optional(), output: null as unknown as StartupProblem | null },
  'startup.startOver': {
    // Spelled out so nothing starts over by accident: the renderer sends it only after the person confirms.
    input: z.strictObject({ confirm: z.literal('start over') }),
    output: null as unknown as StartupProblem | null,
  },
  'backups.list': { input: z.null().optional(), output: null as unknown as BackupInfo[] },
  'storage.problem': { input: z.null().optional(), output: null as unknown as StorageProblem },
  'backups.restore': {
    input: z.strictObject({ name: z.string().regex(backupNamePattern) }),
    output: null as unknown as StartupProblem | null,
  },
  /** A desk's offline copy: one page of the pairs its person may see that changed since its cursor. */
  'sync.pull': {
    input: z.strictObject({
      cursor: z.string().regex(/^\d{1,20}$/).nullable(),
      scope: z.string().max(64).nullable(),
      page: z.string().max(80).nullable(),
    }),
    output: null as unknown as SyncPage,
  },
  /** A desk joined to a workspace: the changes made offline still to send, and those that need the person. */
  'outbox.list': { input: z.null().optional(), output: null as unknown as Outbox },
  /** Settles a change the workspace could not take: send mine over theirs, or keep theirs. */
  'outbox.resolve': {
    input: z.strictObject({ id: z.number().int().min(1), keep: z.enum(['mine', 'theirs']) }),
    output: null as unknown as Outbox,
  },
  'desk.state': { input: z.null().optional(), output: null as unknown as DeskState },
  'desk.useHere': { input: z.null().optional(), output: null as unknown as DeskState },
  /** The address as typed; main checks the scheme and asks the server before saving anything. */
  'desk.join': { input: z.strictObject({ url: z.string().trim().min(1).max(2_000) }), output: null as unknown as DeskState },
  'desk.leave': {
    // Spelled out like starting over: the renderer sends it only after the person confirms.
    input: z.strictObject({ confirm: z.literal('leave') }),
    output: null as unknown as DeskState,
  },
  /**
   * A solo desk's data moved into a new team workspace at this address (as typed, checked like
   * `desk.join`), then the desk joined to it. Only for an administrator signed in on the solo desk.
   */
  'desk.moveToWorkspace': {
    input: z.strictObject({ url: z.string().trim().min(1).max(2_000), confirm: z.literal('move') }),
    output: null as unknown as DeskState,
  },
} as const satisfies Record<Method, { input: z.ZodType; output: unknown }>;

export type Contract = typeof contract;
export type Input<M extends Method> = z.input<Contract[M]['input']>;
export type ParsedInput<M extends Method> = z.output<Contract[M]['input']>;
export type Output<M extends Method> = Contract[M]['output'];

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export interface EventPayloads {
  'pairs.changed': { pairIds: string[] };
  'accounts.changed': Record<string, never>;
  'session.changed': Record<string, never>;
  'users.changed': Record<string, never>;
  'settings.changed': Record<string, never>;
  /** Sent when Tandem finds it cannot write its database, when the reason changes, and when it can again. */
  'storage.problem': StorageProblem;
  /** A desk joined to a workspace: reached or not, and what waits to be sent. */
  'desk.status': DeskStatus;
}
export type EventPayload<E extends EventName> = EventPayloads[E];

/** What the preload (or the web harness shim) exposes as `window.api`. */
export interface Api {
  call<M extends Method>(method: M, input?: Input<M>): Promise<Result<Output<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
