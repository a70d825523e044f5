// What a desk's offline copy reads (pairs changed since its cursor) and the record of the changes
// desks sent with their own ids (client mutations). See migration 013.
import type { Sql } from './sql';
import { withJsonList } from './sql';

/**
 * The cursor a pull started now hands back: every change with a mark below it is visible now, and
 * every later change will carry a mark at or above it.
 */
export async function currentMark(sql: Sql): Promise<number> {
  const mark = await sql.value<number | string>({
    sqlite: 'SELECT coalesce(max(mark), 0) + 1 FROM pair_sync',
    postgres: 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint',
  });
  return Number(mark);
}

/** Keeps only pairs whose every account pair is in the JSON list given as the last parameter. */
const visibleOnly = `AND NOT EXISTS (
  SELECT 1 FROM pair_channel pc WHERE pc.pair_id = %ID% AND pc.channel_id NOT IN (SELECT value FROM json_each(?)))`;

function filtered(text: string, column: string, visible: ReadonlySet<string> | null): string {
  return text.replace('%VISIBLE%', visible === null ? '' : visibleOnly.replace('%ID%', column));
}

/** Ids of the pairs (that `visible` allows) changed at or after `mark`, by id after `after`. */
export async function changedPairIds(
  sql: Sql,
  mark: number,
  after: string,
  limit: number,
  visible: ReadonlySet<string> | null,
): Promise<string[]> {
  const text = withJsonList(filtered('SELECT s.pair_id AS id FROM pair_sync s WHERE s.mark >= ? AND s.pair_id > ? %VISIBLE% ORDER BY s.pair_id LIMIT ?', 's.pair_id', visible));
  const params = visible === null ? [mark, after, limit] : [mark, after, JSON.stringify([...visible]), limit];
  return (await sql.all<{ id: string }>(text, params)).map((row) => row.id);
}

/** Ids of every pair `visible` allows, by id after `after` (a desk's first copy, or a new one after its roles changed). */
export async function visiblePairIds(sql: Sql, after: string, limit: number, visible: ReadonlySet<string> | null): Promise<string[]> {
  const text = withJsonList(filtered('SELECT p.id FROM post_pair p WHERE p.id > ? %VISIBLE% ORDER BY p.id LIMIT ?', 'p.id', visible));
  const params = visible === null ? [after, limit] : [after, JSON.stringify([...visible]), limit];
  return (await sql.all<{ id: string }>(text, params)).map((row) => row.id);
}

export interface MutationRow {
  id: string;
  user_id: string;
  method: string;
  input_hash: string;
  result: string;
}

/**
 * Claims a mutation id for this person and change, inside the caller's transaction: true when it
 * is new. On PostgreSQL a second claim of the same id waits for the first one's transaction.
 */
export async function claimMutation(sql: Sql, row: Omit<MutationRow, 'result'>, at: number): Promise<boolean> {
  const added = await sql.run(
    'INSERT INTO client_mutation (id, user_id, method, input_hash, result, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    [row.id, row.user_id, row.method, row.input_hash, '', at],
  );
  return added > 0;
}

export async function getMutation(sql: Sql, id: string): Promise<MutationRow | undefined> {
  return sql.get<MutationRow>('SELECT id, user_id, method, input_hash, result FROM client_mutation WHERE id = ?', [id]);
}

export async function setMutationResult(sql: Sql, id: string, result: string): Promise<void> {
  await sql.run('UPDATE client_mutation SET result = ? WHERE id = ?', [result, id]);
}

/** Forgets answers older than `before` (a desk sends its queue within days, not months). */
export async function pruneMutations(sql: Sql, before: number): Promise<number> {
  return sql.run('DELETE FROM client_mutation WHERE at < ?', [before]);
}
