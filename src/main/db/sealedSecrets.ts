// The sealed secrets of a server (secrets/sealed.ts): opaque base64 text, by name.
import type { Sql } from './sql';

export interface SealedRow {
  nonce: string;
  sealed: string;
  tag: string;
}

export async function readSealed(sql: Sql, name: string): Promise<SealedRow | undefined> {
  return sql.get<SealedRow>('SELECT nonce, sealed, tag FROM sealed_secret WHERE name = ?', [name]);
}

export async function writeSealed(sql: Sql, name: string, row: SealedRow, at: number): Promise<void> {
  await sql.run(
    `INSERT INTO sealed_secret (name, nonce, sealed, tag, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET nonce = excluded.nonce, sealed = excluded.sealed, tag = excluded.tag, updated_at = excluded.updated_at`,
    [name, row.nonce, row.sealed, row.tag, at],
  );
}

export async function deleteSealed(sql: Sql, name: string): Promise<void> {
  await sql.run('DELETE FROM sealed_secret WHERE name = ?', [name]);
}
