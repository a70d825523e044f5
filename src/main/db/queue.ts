// The queue's question answered by the database (issue 13, item 2): filters, search, sort, counts
// per status and keyset paging, in three statements whatever the number of pairs — the page, the
// counts, and the page's details (db/pairDetails.ts). Nothing is filtered or sorted in JavaScript.
//
// Only pairs the caller may see are ever read, counts included: a pair is visible when every one of
// its account pairs is (the rule of `listPairs`).
//
// Paging is by keyset, not offset: the cursor holds the last pair's sort key and id, and the next
// page starts strictly after it in the same total order (key, then id), so pairs are neither
// skipped nor repeated when keys tie, and a deep page costs what the first one does. Ids compare
// byte by byte on both engines (SQLite's BINARY, PostgreSQL databases made with the C locale).
//
// Indexes (migration 014): post_pair_created for newest/oldest, post_pair_status for a status
// filter, post_pair_when for the 'scheduled' order and a date range, post_pair_creator and
// pair_author_person for a person, pair_channel_channel for an account pair. Search is a LIKE
// over `search_text` (db/search.ts): a scan of the rows the other filters leave.
import type { Pair, PairStatus, Platform } from '../../shared/domain';
import { pairsOfRows, type PairRow } from './pairs';
import { containsPattern } from './search';
import { withJsonList, type Engine, type Param, type Sql } from './sql';

export type QueueSort = 'newest' | 'oldest' | 'scheduled';

export interface QueueFilter {
  status?: readonly PairStatus[];
  channelId?: string;
  platform?: Platform;
  /** A username: pairs they created, or of which they wrote or edited either language. */
  person?: string;
  /** Queue time (scheduled, else created), ms: at or after `from`, before `to`. */
  from?: number;
  to?: number;
  search?: string;
}

/** Where the previous page ended: its last pair's sort key and id. */
export interface QueueCursor {
  key: number;
  id: string;
}

export interface QueueQuery extends QueueFilter {
  sort: QueueSort;
  after?: QueueCursor;
  limit: number;
}

export interface QueuePage {
  pairs: Pair[];
  /** Where this page ended, when more pairs follow. */
  last: QueueCursor | null;
  counts: Map<PairStatus, number>;
}

/** The queue time: the index post_pair_when holds exactly this expression. */
const queueTime = 'coalesce(p.scheduled_at, p.created_at)';

const orders: { readonly [S in QueueSort]: { key: string; order: string; after: string } } = {
  // post_pair_created (created_at DESC, id), read forwards…
  newest: { key: 'p.created_at', order: 'p.created_at DESC, p.id', after: '(p.created_at < ? OR (p.created_at = ? AND p.id > ?))' },
  // …and backwards.
  oldest: { key: 'p.created_at', order: 'p.created_at, p.id DESC', after: '(p.created_at > ? OR (p.created_at = ? AND p.id < ?))' },
  scheduled: { key: queueTime, order: `${queueTime}, p.id`, after: `(${queueTime} > ? OR (${queueTime} = ? AND p.id > ?))` },
};

/** The conditions every pair read must meet (the status filter aside), with their parameters in order. */
function filters(f: QueueFilter, visible: ReadonlySet<string> | null, engine: Engine): { where: string[]; params: Param[] } {
  const where: string[] = [];
  const params: Param[] = [];
  if (visible !== null) {
    // The same rule written for each engine's planner: SQLite builds the set of pairs with a hidden
    // account pair once and probes it (three to four times faster at 100,000 pairs than a lookup per
    // pair); PostgreSQL makes NOT EXISTS a hashed anti-join, where NOT IN over a large set could not be.
    where.push(
      engine === 'sqlite'
        ? 'p.id NOT IN (SELECT vc.pair_id FROM pair_channel vc WHERE vc.channel_id NOT IN (SELECT value FROM json_each(?)))'
        : `NOT EXISTS (SELECT 1 FROM pair_channel vc WHERE vc.pair_id = p.id
            AND vc.channel_id NOT IN (SELECT value FROM json_each(?)))`,
    );
    params.push(JSON.stringify([...visible]));
  }
  if (f.channelId !== undefined) {
    where.push('EXISTS (SELECT 1 FROM pair_channel cc WHERE cc.pair_id = p.id AND cc.channel_id = ?)');
    params.push(f.channelId);
  }
  if (f.platform !== undefined) {
    where.push('EXISTS (SELECT 1 FROM pair_channel pc JOIN channel c ON c.id = pc.channel_id WHERE pc.pair_id = p.id AND c.platform = ?)');
    params.push(f.platform);
  }
  if (f.person !== undefined) {
    where.push('(p.created_by = ? OR EXISTS (SELECT 1 FROM pair_author pa WHERE pa.pair_id = p.id AND pa.username = ?))');
    params.push(f.person, f.person);
  }
  if (f.from !== undefined) {
    where.push(`${queueTime} >= ?`);
    params.push(Math.floor(f.from));
  }
  if (f.to !== undefined) {
    where.push(`${queueTime} < ?`);
    params.push(Math.floor(f.to));
  }
  if (f.search !== undefined) {
    where.push("p.search_text LIKE ? ESCAPE '\\'");
    params.push(containsPattern(f.search));
  }
  return { where, params };
}

const whereClause = (where: readonly string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');

/** One page of the queue and the counts per status of everything matching (status filter aside), among visible pairs. */
export async function queryPairs(sql: Sql, q: QueueQuery, visible: ReadonlySet<string> | null): Promise<QueuePage> {
  const base = filters(q, visible, sql.engine);
  const sort = orders[q.sort];

  const where = [...base.where];
  const params = [...base.params];
  if (q.status !== undefined) {
    where.push('p.status IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify([...q.status]));
  }
  if (q.after !== undefined) {
    where.push(sort.after);
    params.push(q.after.key, q.after.key, q.after.id);
  }
  const limit = Math.floor(q.limit);
  const rows = await sql.all<PairRow & { sort_key: number }>(
    withJsonList(`SELECT p.*, ${sort.key} AS sort_key FROM post_pair p ${whereClause(where)} ORDER BY ${sort.order} LIMIT ?`),
    [...params, limit + 1],
  );
  const counted = await sql.all<{ status: PairStatus; n: number }>(
    withJsonList(`SELECT p.status AS status, count(*) AS n FROM post_pair p ${whereClause(base.where)} GROUP BY p.status`),
    base.params,
  );

  const page = rows.slice(0, limit);
  const end = page[page.length - 1];
  return {
    pairs: await pairsOfRows(sql, page),
    last: rows.length > limit && end ? { key: Number(end.sort_key), id: end.id } : null,
    counts: new Map(counted.map((row) => [row.status, Number(row.n)])),
  };
}
