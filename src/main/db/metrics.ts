// What reading a delivery's engagement needs from the store beside the pair itself.
import type { Sql } from './sql';

/** The platform's own id for the account, read when the credentials were verified; null if it never was. */
export async function accountRemoteUserId(sql: Sql, accountId: string): Promise<string | null> {
  return (await sql.value<string | null>('SELECT remote_user_id FROM account WHERE id = ?', [accountId])) ?? null;
}
