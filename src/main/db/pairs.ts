// Bilingual post pairs: their rows, read back as domain objects with everything they are made of
// (db/pairDetails.ts reads that for a whole page at once), and the writes their workflow makes.
//
// A workflow step is decided on the pair as the caller read it, outside any transaction (role
// checks, limits and content checks take time and may call out). The write that carries the step
// out therefore says what it expects to find — `WHERE id = ? AND version = ? AND status = ?` —
// and changes nothing when another call or the publisher got there first: the caller sees 0 rows
// changed (`false` here) and answers as it would have after that change. The same on both engines:
// on PostgreSQL a concurrent writer of the same row waits, then finds the condition false.
import type { Approval, Delivery, ErrorInfo, Lang, Pair, PairStatus } from '../../shared/domain';
import { pairDetails, type ApprovalRow, type DeliveryRow, type PairDetails } from './pairDetails';
import { searchText } from './search';
import { withJsonList, type Sql } from './sql';

export type { DeliveryRow } from './pairDetails';

export interface PairRow {
  id: string;
  en_text: string;
  fr_text: string;
  status: PairStatus;
  scheduled_at: number | null;
  author_tz: string;
  version: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  scheduled_by: string | null;
}

/** What a workflow step expects the pair still to be: its status, and its version where the caller named one. */
export interface PairExpected {
  status: PairStatus;
  version?: number;
}

/** Statuses in which a pair has (or had) an approval that still stands. */
const approvedStates: PairStatus[] = ['approved', 'scheduled', 'publishing', 'published', 'partial', 'held', 'failed'];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// ------------------------------------------------------------------------------------ reads

/** The queue's page, newest first (the post_pair_created index, in order). */
const page = 'SELECT * FROM post_pair ORDER BY created_at DESC, id LIMIT ?';
/** The same, keeping only pairs whose every account pair is in a JSON list. */
const visiblePage = withJsonList(
  `SELECT p.* FROM post_pair p WHERE NOT EXISTS (
     SELECT 1 FROM pair_channel pc WHERE pc.pair_id = p.id AND pc.channel_id NOT IN (SELECT value FROM json_each(?)))
   ORDER BY p.created_at DESC, p.id LIMIT ?`,
);

/** Newest first; with `visible`, only pairs whose every account pair is in it. A fixed number of queries whatever `limit`. */
export async function listPairs(sql: Sql, limit: number, visible: ReadonlySet<string> | null): Promise<Pair[]> {
  const count = Math.floor(limit);
  const rows =
    visible === null ? await sql.all<PairRow>(page, [count]) : await sql.all<PairRow>(visiblePage, [JSON.stringify([...visible]), count]);
  const details = await pairDetails(sql, rows.map((row) => row.id));
  return rows.map((row) => toPair(row, details.get(row.id)!));
}

/** Pairs from their rows, in the same order, reading their details in a fixed number of queries. */
export async function pairsOfRows(sql: Sql, rows: readonly PairRow[]): Promise<Pair[]> {
  const details = await pairDetails(sql, rows.map((row) => row.id));
  return rows.map((row) => toPair(row, details.get(row.id)!));
}

export async function getPair(sql: Sql, id: string): Promise<Pair | undefined> {
  const row = await sql.get<PairRow>('SELECT * FROM post_pair WHERE id = ?', [id]);
  return row && toPair(row, (await pairDetails(sql, [row.id])).get(row.id)!);
}

const pairsById = withJsonList('SELECT * FROM post_pair WHERE id IN (SELECT value FROM json_each(?))');
const statusOfPairs = withJsonList('UPDATE post_pair SET status = ?, updated_at = ? WHERE id IN (SELECT value FROM json_each(?))');

/** These pairs by id (unknown ids are missing), in a fixed number of queries: a publisher's round reads them at once. */
export async function getPairs(sql: Sql, ids: readonly string[]): Promise<Map<string, Pair>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.all<PairRow>(pairsById, [JSON.stringify([...new Set(ids)])]);
  const details = await pairDetails(sql, rows.map((row) => row.id));
  return new Map(rows.map((row) => [row.id, toPair(row, details.get(row.id)!)]));
}

/** A pair's status and version as they are now (to tell a caller why its step found the pair changed). */
export async function pairState(sql: Sql, id: string): Promise<{ status: PairStatus; version: number } | undefined> {
  return sql.get<{ status: PairStatus; version: number }>('SELECT status, version FROM post_pair WHERE id = ?', [id]);
}

export interface PairChannelRow {
  pair_id: string;
  channel_id: string;
}

/** The account pairs of each of these pairs, in one query (an unknown pair has no rows). */
export async function channelsOfPairs(sql: Sql, pairIds: readonly string[]): Promise<PairChannelRow[]> {
  return sql.all<PairChannelRow>(withJsonList('SELECT pair_id, channel_id FROM pair_channel WHERE pair_id IN (SELECT value FROM json_each(?))'), [
    JSON.stringify(pairIds),
  ]);
}

/** A pair's deliveries with their account's handle and platform, by language then handle. */
export async function pairDeliveries(sql: Sql, pairId: string): Promise<DeliveryRow[]> {
  return sql.all<DeliveryRow>(
    `SELECT d.*, a.handle, a.platform FROM delivery d JOIN account a ON a.id = d.account_id
     WHERE d.pair_id = ? ORDER BY d.lang, a.handle, d.id`,
    [pairId],
  );
}

/** Whether any delivery of the pair was ever attempted: one that may already be live. */
export async function anyDeliveryAttempted(sql: Sql, pairId: string): Promise<boolean> {
  const attempted = await sql.value<number>(
    "SELECT 1 FROM delivery WHERE pair_id = ? AND (claimed_at IS NOT NULL OR status IN ('sending', 'checking', 'retrying', 'sent'))",
    [pairId],
  );
  return attempted !== undefined;
}

/** Whether the publisher holds or has finished any delivery of the pair (it can no longer be cancelled). */
export async function anyDeliveryClaimed(sql: Sql, pairId: string): Promise<boolean> {
  const claimed = await sql.value<number>(
    "SELECT 1 FROM delivery WHERE pair_id = ? AND status NOT IN ('pending', 'cancelled', 'held', 'failed')",
    [pairId],
  );
  return claimed !== undefined;
}

/** An account's status ('active', 'needs_reauth', …), if the account exists. */
export async function accountStatus(sql: Sql, accountId: string): Promise<string | undefined> {
  return sql.value<string>('SELECT status FROM account WHERE id = ?', [accountId]);
}

// ----------------------------------------------------------------------------------- writes

export interface NewPair {
  id: string;
  enText: string;
  frText: string;
  authorTz: string;
  createdBy: string;
  channelIds: readonly string[];
  at: number;
}

/** A new draft and its account pairs. */
export async function insertPair(sql: Sql, pair: NewPair): Promise<void> {
  await sql.run(
    `INSERT INTO post_pair (id, en_text, fr_text, search_text, status, author_tz, created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?)`,
    [pair.id, pair.enText, pair.frText, searchText(pair.enText, pair.frText), pair.authorTz, pair.createdBy, pair.at, pair.at],
  );
  for (const channelId of pair.channelIds) {
    await sql.run('INSERT INTO pair_channel (pair_id, channel_id) VALUES (?, ?)', [pair.id, channelId]);
  }
}

export interface PairEdit {
  enText: string;
  frText: string;
  /** The status the pair takes (review, when editing withdrew its approval). */
  status: PairStatus;
  /** Whether the schedule goes with the withdrawn approval. */
  clearSchedule: boolean;
  by: string;
  at: number;
}

/** New text, as a new version; false (nothing changed) unless the pair is still as expected. */
export async function editPair(sql: Sql, id: string, expected: Required<PairExpected>, edit: PairEdit): Promise<boolean> {
  const changed = await sql.run(
    `UPDATE post_pair SET en_text = ?, fr_text = ?, search_text = ?, version = version + 1, updated_at = ?, last_edited_by = ?,
     status = ?, scheduled_at = CASE WHEN ? = 1 THEN NULL ELSE scheduled_at END
     WHERE id = ? AND version = ? AND status = ?`,
    [edit.enText, edit.frText, searchText(edit.enText, edit.frText), edit.at, edit.by, edit.status, edit.clearSchedule ? 1 : 0, id, expected.version, expected.status],
  );
  return changed > 0;
}

/** Sets the status whatever it was (the publisher, following the deliveries). */
/** Sets the status of many pairs: one statement per status. */
export async function setPairStatuses(sql: Sql, statuses: ReadonlyMap<string, PairStatus>, at: number): Promise<void> {
  const byStatus = new Map<PairStatus, string[]>();
  for (const [id, status] of statuses) byStatus.set(status, [...(byStatus.get(status) ?? []), id]);
  for (const [status, ids] of [...byStatus].sort(([a], [b]) => a.localeCompare(b))) {
    await sql.run(statusOfPairs, [status, at, JSON.stringify(ids)]);
  }
}

/** Moves the pair to `to`; false (nothing changed) unless it is still as expected. */
export async function movePair(sql: Sql, id: string, expected: PairExpected, to: PairStatus, at: number): Promise<boolean> {
  const changed =
    expected.version === undefined
      ? await sql.run('UPDATE post_pair SET status = ?, updated_at = ? WHERE id = ? AND status = ?', [to, at, id, expected.status])
      : await sql.run('UPDATE post_pair SET status = ?, updated_at = ? WHERE id = ? AND status = ? AND version = ?', [
          to,
          at,
          id,
          expected.status,
          expected.version,
        ]);
  return changed > 0;
}

/** Marks the pair scheduled for `scheduledAt`; false (nothing changed) unless it is still as expected. */
export async function schedulePair(
  sql: Sql,
  id: string,
  expected: Required<PairExpected>,
  scheduledAt: number,
  by: string,
  at: number,
): Promise<boolean> {
  const changed = await sql.run(
    "UPDATE post_pair SET status = 'scheduled', scheduled_at = ?, scheduled_by = ?, updated_at = ? WHERE id = ? AND version = ? AND status = ?",
    [Math.floor(scheduledAt), by, at, id, expected.version, expected.status],
  );
  return changed > 0;
}

/**
 * Moves a scheduled pair to another time, as a new version (see PairService.reschedule); false
 * (nothing changed) unless it is still scheduled at the expected version.
 */
export async function reschedulePair(
  sql: Sql,
  id: string,
  version: number,
  scheduledAt: number,
  by: string,
  at: number,
): Promise<boolean> {
  const changed = await sql.run(
    "UPDATE post_pair SET scheduled_at = ?, scheduled_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND status = 'scheduled'",
    [Math.floor(scheduledAt), by, at, id, version],
  );
  return changed > 0;
}

/**
 * The approval of `fromVersion`, recorded again for `toVersion` under a new id: the same approver,
 * time, comment and evidence (texts and images, unchanged between the two versions). False when
 * `fromVersion` has no approval.
 */
export async function carryApproval(sql: Sql, pairId: string, fromVersion: number, toVersion: number, newId: string): Promise<boolean> {
  const changed = await sql.run(
    `INSERT INTO approval (id, pair_id, pair_version, decision, by_user, comment, en_text, fr_text, media, at)
     SELECT ?, pair_id, ?, decision, by_user, comment, en_text, fr_text, media, at FROM approval
     WHERE id = (SELECT id FROM approval WHERE pair_id = ? AND pair_version = ? AND decision = 'approved' ORDER BY at DESC, id DESC LIMIT 1)`,
    [newId, toVersion, pairId, fromVersion],
  );
  return changed > 0;
}

/** The id of the approval in force for this version of the pair, if any. */
export async function approvalOf(sql: Sql, pairId: string, version: number): Promise<string | undefined> {
  return sql.value<string>("SELECT id FROM approval WHERE pair_id = ? AND pair_version = ? AND decision = 'approved' ORDER BY at DESC, id DESC LIMIT 1", [
    pairId,
    version,
  ]);
}

/**
 * Makes the pair's deliveries due at `dueAt`, if none was ever attempted and the publisher holds
 * none now (a live lease at `now`); false (nothing changed) otherwise.
 */
export async function moveDeliveries(sql: Sql, pairId: string, dueAt: number, now: number): Promise<boolean> {
  const all = Number(await sql.value<number | string>("SELECT count(*) FROM delivery WHERE pair_id = ? AND status <> 'cancelled'", [pairId]));
  const moved = await sql.run(
    `UPDATE delivery SET next_attempt_at = ? WHERE pair_id = ? AND status = 'pending' AND claimed_at IS NULL
     AND (lease_until IS NULL OR lease_until <= ?)`,
    [Math.floor(dueAt), pairId, now],
  );
  return moved === all;
}

export interface DecisionTexts {
  pair_version: number;
  decision: 'approved' | 'rejected';
  by_user: string;
  en_text: string;
  fr_text: string;
  at: number;
}

/**
 * The last decision on a version before `version`: this person's own if they made one, else
 * anyone's (newest first in the order `pairDetails` reads decisions). Undefined when none.
 */
export async function previousDecision(sql: Sql, pairId: string, version: number, username: string): Promise<DecisionTexts | undefined> {
  return sql.get<DecisionTexts>(
    `SELECT pair_version, decision, by_user, en_text, fr_text, at FROM approval WHERE pair_id = ? AND pair_version < ?
     ORDER BY CASE WHEN by_user = ? THEN 0 ELSE 1 END, at DESC, pair_version DESC, id DESC LIMIT 1`,
    [pairId, version, username],
  );
}

/** Records that this person wrote or edited these languages of the pair (first time kept, last time moved on). */
export async function recordWriters(sql: Sql, pairId: string, languages: readonly Lang[], username: string, at: number): Promise<void> {
  for (const lang of languages) {
    await sql.run(
      `INSERT INTO pair_author (pair_id, lang, username, first_at, last_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (pair_id, lang, username) DO UPDATE SET last_at = excluded.last_at`,
      [pairId, lang, username, at, at],
    );
  }
}

export interface NewDecision {
  id: string;
  pairId: string;
  pairVersion: number;
  decision: 'approved' | 'rejected';
  by: string;
  comment: string;
  /** What was decided on: both texts, and the images as JSON [{en, fr, altEn, altFr}]. */
  enText: string;
  frText: string;
  media: string;
  at: number;
}

/** An approval or rejection, kept as evidence of what it covered. */
export async function insertDecision(sql: Sql, d: NewDecision): Promise<void> {
  await sql.run(
    `INSERT INTO approval (id, pair_id, pair_version, decision, by_user, comment, en_text, fr_text, media, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [d.id, d.pairId, d.pairVersion, d.decision, d.by, d.comment, d.enText, d.frText, d.media, d.at],
  );
}

export interface NewDelivery {
  id: string;
  accountId: string;
  lang: Lang;
}

/** One pending delivery per account and language, all due at `at`. */
export async function insertDeliveries(sql: Sql, pairId: string, deliveries: readonly NewDelivery[], at: number): Promise<void> {
  for (const d of deliveries) {
    await sql.run(
      `INSERT INTO delivery (id, pair_id, account_id, lang, status, next_attempt_at)
       VALUES (?, ?, ?, ?, 'pending', ?)`,
      [d.id, pairId, d.accountId, d.lang, Math.floor(at)],
    );
  }
}

export async function deleteDeliveries(sql: Sql, pairId: string): Promise<void> {
  await sql.run('DELETE FROM delivery WHERE pair_id = ?', [pairId]);
}

export async function cancelDeliveries(sql: Sql, pairId: string): Promise<void> {
  await sql.run("UPDATE delivery SET status = 'cancelled', next_attempt_at = NULL WHERE pair_id = ?", [pairId]);
}

/**
 * Failed deliveries due again now; returns how many. A side that may have reached the platform
 * is checked there before it is sent again, except one Tandem could not check (too many recent
 * posts): the message asked the person to look at the account first, and retrying is their word
 * that the post is not there.
 */
export async function retryFailedDeliveries(sql: Sql, pairId: string, at: number): Promise<number> {
  return sql.run(
    {
      sqlite: `UPDATE delivery SET status = CASE
         WHEN claimed_at IS NULL OR json_extract(last_error, '$.code') = 'platform.lookupIncomplete' THEN 'pending'
         ELSE 'checking' END,
       lookups = 0, next_attempt_at = ?, last_error = NULL WHERE pair_id = ? AND status = 'failed'`,
      postgres: `UPDATE delivery SET status = CASE
         WHEN claimed_at IS NULL OR (CAST(last_error AS json) ->> 'code') = 'platform.lookupIncomplete' THEN 'pending'
         ELSE 'checking' END,
       lookups = 0, next_attempt_at = ?, last_error = NULL WHERE pair_id = ? AND status = 'failed'`,
    },
    [at, pairId],
  );
}

/** Held deliveries due now (checked at the platform first if they may have reached it); returns how many. */
export async function releaseHeldDeliveries(sql: Sql, pairId: string, at: number): Promise<number> {
  return sql.run(
    `UPDATE delivery SET status = CASE WHEN claimed_at IS NULL THEN 'pending' ELSE 'checking' END,
     lookups = 0, next_attempt_at = ?, last_error = NULL WHERE pair_id = ? AND status = 'held'`,
    [at, pairId],
  );
}

// ---------------------------------------------------------------------------------- mapping

function toPair(row: PairRow, details: PairDetails): Pair {
  const deliveries = details.deliveries.map(toDelivery);
  const channelIds = details.channelIds;
  const sentTimes = deliveries.map((d) => (d.sentAt ? Date.parse(d.sentAt) : null));
  const allSent = deliveries.length > 0 && sentTimes.every((t) => t !== null);
  const times = sentTimes.filter((t): t is number => t !== null);
  const decisions = details.decisions;
  const latest = decisions[0];
  const approval = decisions.find((d) => d.decision === 'approved' && d.pair_version === row.version);
  const writers = details.writers;
  const writtenBy = { en: writers.filter((w) => w.lang === 'en').map((w) => w.username), fr: writers.filter((w) => w.lang === 'fr').map((w) => w.username) };
  const others = [...new Set([...writtenBy.en, ...writtenBy.fr])].filter((name) => name !== row.created_by);
  // Each pair carries the names of its own people only.
  const named = [row.created_by, row.scheduled_by, ...decisions.map((d) => d.by_user), ...writtenBy.en, ...writtenBy.fr];
  const names: Record<string, string> = {};
  for (const username of named) {
    const name = username === null ? undefined : details.names.get(username);
    if (username !== null && name !== undefined) names[username] = name;
  }
  return {
    id: row.id,
    enText: row.en_text,
    frText: row.fr_text,
    media: details.media,
    status: row.status,
    scheduledAt: iso(row.scheduled_at),
    authorTz: row.author_tz,
    createdBy: row.created_by,
    translatedBy: others.length > 0 ? others.join(', ') : null,
    writtenBy,
    scheduledBy: row.scheduled_by,
    names,
    approval: approval && approvedStates.includes(row.status) ? toApproval(approval) : null,
    rejection: latest?.decision === 'rejected' && row.status === 'translation' ? toApproval(latest) : null,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    version: row.version,
    channelIds,
    deliveries,
    skewMs: allSent ? Math.max(...times) - Math.min(...times) : null,
  };
}

function toApproval(row: ApprovalRow): Approval {
  return { decision: row.decision, by: row.by_user, at: iso(row.at)!, comment: row.comment, version: row.pair_version };
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    accountId: row.account_id,
    handle: row.handle,
    platform: row.platform,
    lang: row.lang,
    status: row.status,
    attempt: row.attempt,
    nextAttemptAt: iso(row.next_attempt_at),
    remoteId: row.remote_id,
    remoteUrl: row.remote_url,
    sentAt: iso(row.sent_at),
    lastError: row.last_error ? (JSON.parse(row.last_error) as ErrorInfo) : null,
  };
}
