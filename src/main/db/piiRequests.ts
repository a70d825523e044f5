// The pii_request table: drafters' requests to put a flagged number on the allow-list, and the
// administrator's decision on each.
import type { Sql } from './sql';
import type { PiiAllowRequest } from '../../shared/contract';
import type { PiiKind } from '../../shared/pii';

interface RequestRow {
  id: string;
  match: string;
  kind: string;
  requested_by_username: string;
  requested_by_name: string;
  requested_at: number;
  pair_id: string | null;
  decision: 'allowed' | 'dismissed' | null;
  decided_by_username: string | null;
  decided_at: number | null;
}

export interface NewPiiRequest {
  id: string;
  match: string;
  matchKey: string;
  kind: PiiKind;
  requestedBy: string;
  requestedAt: number;
  pairId: string | null;
}

const select = `
  SELECT r.id, r.match, r.kind, asker.username AS requested_by_username, asker.display_name AS requested_by_name,
         r.requested_at, r.pair_id, r.decision, decider.username AS decided_by_username, r.decided_at
  FROM pii_request r
  JOIN "user" asker ON asker.id = r.requested_by
  LEFT JOIN "user" decider ON decider.id = r.decided_by`;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toRequest(row: RequestRow): PiiAllowRequest {
  return {
    id: row.id,
    match: row.match,
    kind: row.kind as PiiKind,
    requestedBy: { username: row.requested_by_username, displayName: row.requested_by_name },
    requestedAt: iso(row.requested_at)!,
    pairId: row.pair_id,
    decision: row.decision,
    decidedBy: row.decided_by_username,
    decidedAt: iso(row.decided_at),
  };
}

/**
 * Adds a waiting request, unless one is already waiting for the same text (one at most: the
 * partial unique index of migration 011); returns whether it was added. The conflict is left to
 * the database rather than raised as an error because a failed statement aborts a PostgreSQL
 * transaction, and the caller still has to read the request that got there first.
 */
export async function insertPiiRequest(sql: Sql, r: NewPiiRequest): Promise<boolean> {
  const added = await sql.run(
    `INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at, pair_id) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (match_key) WHERE decision IS NULL DO NOTHING`,
    [r.id, r.match, r.matchKey, r.kind, r.requestedBy, r.requestedAt, r.pairId],
  );
  return added > 0;
}

export async function getPiiRequest(sql: Sql, id: string): Promise<PiiAllowRequest | undefined> {
  const row = await sql.get<RequestRow>(`${select} WHERE r.id = ?`, [id]);
  return row && toRequest(row);
}

/** The request still waiting for this text (compared as the allow-list compares), if any. */
export async function pendingPiiRequestFor(sql: Sql, matchKey: string): Promise<PiiAllowRequest | undefined> {
  const row = await sql.get<RequestRow>(`${select} WHERE r.match_key = ? AND r.decision IS NULL ORDER BY r.requested_at, r.id LIMIT 1`, [
    matchKey,
  ]);
  return row && toRequest(row);
}

/** Every request waiting for a decision, oldest first. */
export async function pendingPiiRequests(sql: Sql): Promise<PiiAllowRequest[]> {
  const rows = await sql.all<RequestRow>(`${select} WHERE r.decision IS NULL ORDER BY r.requested_at, r.id`);
  return rows.map(toRequest);
}

/** Decides this request and any other still waiting for the same text. */
export async function decidePiiRequest(
  sql: Sql,
  id: string,
  decision: 'allowed' | 'dismissed',
  deciderId: string,
  at: number,
): Promise<void> {
  await sql.run(
    `UPDATE pii_request SET decision = ?, decided_by = ?, decided_at = ?
     WHERE match_key = (SELECT match_key FROM pii_request WHERE id = ?) AND decision IS NULL`,
    [decision, deciderId, at, id],
  );
}

export async function pairExists(sql: Sql, id: string): Promise<boolean> {
  return (await sql.value<number>('SELECT 1 FROM post_pair WHERE id = ?', [id])) !== undefined;
}
