// What a pair is made of besides its own row — deliveries, account pairs, decisions, who wrote each
// language, images — read for a whole page of pairs at once: five queries whatever the page's
// length, instead of five or more per pair (issue 11: lists are a fixed number of queries).
import { withJsonList, type Sql, type Text } from './sql';
import type { DeliveryStatus, Lang, PairMedia, Platform } from '../../shared/domain';
import { pairMediaOf, type PairMediaRow } from './media';

export interface DeliveryRow {
  id: string;
  pair_id: string;
  account_id: string;
  lang: Lang;
  status: DeliveryStatus;
  attempt: number;
  next_attempt_at: number | null;
  remote_id: string | null;
  remote_url: string | null;
  sent_at: number | null;
  last_error: string | null;
  claimed_at: number | null;
  idem_key: string | null;
  lookups: number;
  handle: string;
  platform: Platform;
}

export interface ApprovalRow {
  id: string;
  pair_id: string;
  pair_version: number;
  decision: 'approved' | 'rejected';
  by_user: string;
  comment: string;
  at: number;
}

export interface WriterRow {
  lang: Lang;
  username: string;
}

/** Everything `toPair` needs beside the pair's row, in the order the pair shows it. */
export interface PairDetails {
  /** By language, then account handle. */
  deliveries: DeliveryRow[];
  /** Sorted. */
  channelIds: string[];
  /** Newest first. */
  decisions: ApprovalRow[];
  /** In the order they first wrote. */
  writers: WriterRow[];
  /** In position order. */
  media: PairMedia[];
  /** Display names by username of everyone the page's pairs name (shared by the page's pairs). */
  names: ReadonlyMap<string, string>;
}

type MediaRow = PairMediaRow & { pair_id: string };

// Each query takes the page's ids as one JSON array: one statement, whatever the page's length.
// Written as SQLite text (`json_each`), so the benchmark explains exactly these; `withJsonList`
// gives each its PostgreSQL twin. Every order is total: the same on both engines.
export const pairDetailsSql = {
  deliveries: `SELECT d.*, a.handle, a.platform FROM delivery d JOIN account a ON a.id = d.account_id
    WHERE d.pair_id IN (SELECT value FROM json_each(?)) ORDER BY d.pair_id, d.lang, a.handle, d.id`,
  channels: `SELECT pair_id, channel_id FROM pair_channel
    WHERE pair_id IN (SELECT value FROM json_each(?)) ORDER BY pair_id, channel_id`,
  // Newest first. Neither engine keeps an insertion order both share (no rowid on PostgreSQL):
  // decisions in the same millisecond go by version (a later decision is never on an earlier
  // version), then by id, so that even then the order is the same everywhere.
  decisions: `SELECT id, pair_id, pair_version, decision, by_user, comment, at FROM approval
    WHERE pair_id IN (SELECT value FROM json_each(?)) ORDER BY pair_id, at DESC, pair_version DESC, id DESC`,
  writers: `SELECT pair_id, lang, username FROM pair_author
    WHERE pair_id IN (SELECT value FROM json_each(?)) ORDER BY pair_id, first_at, username, lang`,
  media: `SELECT pm.pair_id, pm.alt_en, pm.alt_fr,
      e.id AS en_id, e.mime AS en_mime, e.bytes AS en_bytes, e.width AS en_width, e.height AS en_height,
      f.id AS fr_id, f.mime AS fr_mime, f.bytes AS fr_bytes, f.width AS fr_width, f.height AS fr_height
    FROM pair_media pm JOIN media_blob e ON e.id = pm.en_blob JOIN media_blob f ON f.id = pm.fr_blob
    WHERE pm.pair_id IN (SELECT value FROM json_each(?)) ORDER BY pm.pair_id, pm.position`,
  // Everyone the pairs name (drafted, wrote, decided, scheduled), by display name: only these
  // people, so a caller learns names from pairs it may see and from nothing else.
  names: `SELECT u.username, u.display_name FROM "user" u WHERE u.username IN (
      SELECT created_by FROM post_pair WHERE id IN (SELECT value FROM json_each(?))
      UNION SELECT scheduled_by FROM post_pair WHERE id IN (SELECT value FROM json_each(?))
      UNION SELECT by_user FROM approval WHERE pair_id IN (SELECT value FROM json_each(?))
      UNION SELECT username FROM pair_author WHERE pair_id IN (SELECT value FROM json_each(?)))
    ORDER BY u.username`,
};

/** The same statements, each with its PostgreSQL twin. */
const statements: { readonly [K in keyof typeof pairDetailsSql]: Text } = {
  deliveries: withJsonList(pairDetailsSql.deliveries),
  channels: withJsonList(pairDetailsSql.channels),
  decisions: withJsonList(pairDetailsSql.decisions),
  writers: withJsonList(pairDetailsSql.writers),
  media: withJsonList(pairDetailsSql.media),
  names: withJsonList(pairDetailsSql.names),
};

/** The details of each of these pairs (an unknown id gets empty details), in six queries. */
export async function pairDetails(sql: Sql, pairIds: readonly string[]): Promise<Map<string, PairDetails>> {
  const out = new Map<string, PairDetails>();
  const names = new Map<string, string>();
  for (const id of pairIds) out.set(id, { deliveries: [], channelIds: [], decisions: [], writers: [], media: [], names });
  if (pairIds.length === 0) return out;
  const ids = JSON.stringify([...new Set(pairIds)]);
  // Sent together: over a network (a team's PostgreSQL) the six cost one round trip, not six.
  const [deliveries, channels, decisions, writers, media, people] = await Promise.all([
    sql.all<DeliveryRow>(statements.deliveries, [ids]),
    sql.all<{ pair_id: string; channel_id: string }>(statements.channels, [ids]),
    sql.all<ApprovalRow>(statements.decisions, [ids]),
    sql.all<WriterRow & { pair_id: string }>(statements.writers, [ids]),
    sql.all<MediaRow>(statements.media, [ids]),
    sql.all<{ username: string; display_name: string }>(statements.names, [ids, ids, ids, ids]),
  ]);
  for (const row of people) names.set(row.username, row.display_name);
  const of = (pairId: string) => out.get(pairId)!;
  for (const row of deliveries) of(row.pair_id).deliveries.push(row);
  for (const row of channels) of(row.pair_id).channelIds.push(row.channel_id);
  for (const row of decisions) of(row.pair_id).decisions.push(row);
  for (const row of writers) of(row.pair_id).writers.push({ lang: row.lang, username: row.username });
  for (const row of media) {
    of(row.pair_id).media.push(pairMediaOf(row));
  }
  return out;
}
