// What a pair is made of besides its own row — deliveries, account pairs, decisions, who wrote each
// language, images — read for a whole page of pairs at once: five queries whatever the page's
// length, instead of five or more per pair (issue 11: lists are a fixed number of queries).
import type { Db } from './index';
import type { DeliveryStatus, Lang, MediaFile, PairMedia, Platform } from '../../shared/domain';

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
}

interface MediaRow {
  pair_id: string;
  alt_en: string;
  alt_fr: string;
  en_id: string;
  en_mime: string;
  en_bytes: number;
  en_width: number;
  en_height: number;
  fr_id: string;
  fr_mime: string;
  fr_bytes: number;
  fr_height: number;
  fr_width: number;
}

// Each query takes the page's ids as one JSON array: one statement, whatever the page's length.
export const pairDetailsSql = {
  deliveries: `SELECT d.*, a.handle, a.platform FROM delivery d JOIN account a ON a.id = d.account_id
    WHERE d.pair_id IN (SELECT value FROM json_each(?)) ORDER BY d.pair_id, d.lang, a.handle`,
  channels: `SELECT pair_id, channel_id FROM pair_channel
    WHERE pair_id IN (SELECT value FROM json_each(?)) ORDER BY pair_id, channel_id`,
  decisions: `SELECT id, pair_id, pair_version, decision, by_user, comment, at FROM approval
    WHERE pair_id IN (SELECT value FROM json_each(?)) ORDER BY pair_id, at DESC, rowid DESC`,
  writers: `SELECT pair_id, lang, username FROM pair_author
    WHERE pair_id IN (SELECT value FROM json_each(?)) ORDER BY pair_id, first_at, username`,
  media: `SELECT pm.pair_id, pm.alt_en, pm.alt_fr,
      e.id AS en_id, e.mime AS en_mime, e.bytes AS en_bytes, e.width AS en_width, e.height AS en_height,
      f.id AS fr_id, f.mime AS fr_mime, f.bytes AS fr_bytes, f.width AS fr_width, f.height AS fr_height
    FROM pair_media pm JOIN media_blob e ON e.id = pm.en_blob JOIN media_blob f ON f.id = pm.fr_blob
    WHERE pm.pair_id IN (SELECT value FROM json_each(?)) ORDER BY pm.pair_id, pm.position`,
};

type Statements = { [K in keyof typeof pairDetailsSql]: ReturnType<Db['prepare']> };
const prepared = new WeakMap<Db, Statements>();

function statements(db: Db): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = {
      deliveries: db.prepare(pairDetailsSql.deliveries),
      channels: db.prepare(pairDetailsSql.channels),
      decisions: db.prepare(pairDetailsSql.decisions),
      writers: db.prepare(pairDetailsSql.writers),
      media: db.prepare(pairDetailsSql.media),
    };
    prepared.set(db, s);
  }
  return s;
}

const file = (row: MediaRow, side: 'en' | 'fr'): MediaFile => ({
  id: row[`${side}_id`],
  mime: row[`${side}_mime`],
  bytes: row[`${side}_bytes`],
  width: row[`${side}_width`],
  height: row[`${side}_height`],
});

/** The details of each of these pairs (an unknown id gets empty details), in five queries. */
export function pairDetails(db: Db, pairIds: readonly string[]): Map<string, PairDetails> {
  const out = new Map<string, PairDetails>();
  for (const id of pairIds) out.set(id, { deliveries: [], channelIds: [], decisions: [], writers: [], media: [] });
  if (pairIds.length === 0) return out;
  const ids = JSON.stringify([...new Set(pairIds)]);
  const s = statements(db);
  const of = (pairId: string) => out.get(pairId)!;
  for (const row of s.deliveries.all(ids) as DeliveryRow[]) of(row.pair_id).deliveries.push(row);
  for (const row of s.channels.all(ids) as { pair_id: string; channel_id: string }[]) of(row.pair_id).channelIds.push(row.channel_id);
  for (const row of s.decisions.all(ids) as ApprovalRow[]) of(row.pair_id).decisions.push(row);
  for (const row of s.writers.all(ids) as (WriterRow & { pair_id: string })[]) {
    of(row.pair_id).writers.push({ lang: row.lang, username: row.username });
  }
  for (const row of s.media.all(ids) as MediaRow[]) {
    of(row.pair_id).media.push({ en: file(row, 'en'), fr: file(row, 'fr'), altEn: row.alt_en, altFr: row.alt_fr });
  }
  return out;
}
