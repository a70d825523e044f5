// What records management reads directly: which pairs went out, for the export of what was published.
import type { Sql } from './sql';

/**
 * Pairs published in full or in part, in the order they were due, then by id so the order is total
 * (one without a time first, where SQLite has always put it; PostgreSQL would put it last).
 */
export async function publishedPairIds(sql: Sql): Promise<string[]> {
  const rows = await sql.all<{ id: string }>("SELECT id FROM post_pair WHERE status IN ('published', 'partial') ORDER BY scheduled_at NULLS FIRST, id");
  return rows.map((row) => row.id);
}
