// The unsent_draft table: what each person typed in the composer and has not saved as a draft
// yet, one row per person, kept as the JSON the composer sent.
import type { Sql } from './sql';

/** The person's unsent text as stored (JSON), if any. */
export async function readUnsent(sql: Sql, userId: string): Promise<string | undefined> {
  return sql.value<string>('SELECT content FROM unsent_draft WHERE user_id = ?', [userId]);
}

/** Replaces the person's unsent text. */
export async function writeUnsent(sql: Sql, userId: string, content: string, at: number): Promise<void> {
  await sql.run(
    `INSERT INTO unsent_draft (user_id, content, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
    [userId, content, at],
  );
}

/**
 * Replaces the person's unsent text only if it is still `expected`: returns whether it did. A save
 * that lands in between (the composer keeps saving as the person types) is newer and stays.
 */
export async function replaceUnsent(sql: Sql, userId: string, expected: string, content: string, at: number): Promise<boolean> {
  const changed = await sql.run('UPDATE unsent_draft SET content = ?, updated_at = ? WHERE user_id = ? AND content = ?', [
    content,
    at,
    userId,
    expected,
  ]);
  return changed > 0;
}

export async function removeUnsent(sql: Sql, userId: string): Promise<void> {
  await sql.run('DELETE FROM unsent_draft WHERE user_id = ?', [userId]);
}
