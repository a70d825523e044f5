// What records management reads directly: which pairs went out, for the export of what was published.
import type { Sql } from './sql';

/**
 * Pairs published in full or in part, in the order they were due, then by id so the order is total
 * (one without a time first, where SQLite has always put it; PostgreSQL would put it last).
 */
export async function publishedPairIds(sql: Sql, range: { from?: number; to?: number } = {}): Promise<string[]> {
  const where = ["status IN ('published', 'partial')"];
  const params: number[] = [];
  if (range.from !== undefined) {
    where.push('scheduled_at >= ?');
    params.push(range.from);
  }
  if (range.to !== undefined) {
    where.push('scheduled_at <= ?');
    params.push(range.to);
  }
  const rows = await sql.all<{ id: string }>(`SELECT id FROM post_pair WHERE ${where.join(' AND ')} ORDER BY scheduled_at NULLS FIRST, id`, params);
  return rows.map((row) => row.id);
}

/** How many events the trail holds between two times (either end open). */
export async function countEvents(sql: Sql, range: { from?: number; to?: number }): Promise<number> {
  const where: string[] = [];
  const params: number[] = [];
  if (range.from !== undefined) {
    where.push('at >= ?');
    params.push(range.from);
  }
  if (range.to !== undefined) {
    where.push('at <= ?');
    params.push(range.to);
  }
  const count = await sql.value<number | string>(`SELECT count(*) FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params);
  return Number(count ?? 0);
}
