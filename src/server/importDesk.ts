// A solo desk moved into a new team workspace (issue 12): `POST /api/import`, from the server's own
// computer only (or through an SSH tunnel to it), and only while the workspace is new.
//
// The body, as the desk sends it (remote/importDesk.ts):
//   4 bytes   the header's length in bytes, unsigned big-endian (at most 1 MiB)
//   header    JSON: { format: 1, schemaVersion, databaseBytes, auditKey (base64, 32 bytes),
//                     credentials: { <account id>: Credentials } }
//   database  the desk's whole SQLite database (better-sqlite3's serialize()), databaseBytes long
//
// The database is opened from memory (no file with the desk's data is written); its schema version
// must be the server's own. Every table's rows are copied into the server's database, whichever
// engine it runs, in one transaction with the desk's credentials and audit key sealed in it (never
// in clear, never logged, never answered) and one `workspace.imported` event at the end of the
// trail, signed with the trail's own key: the same rows, the same hashes, the same key, so the
// trail verifies on the server as it did on the desk. A refusal changes nothing.
import type { Tandem } from '../main/app';
import { schemaVersion } from '../main/db';
import {
  copyTable,
  deskAccountIds,
  openDeskImage,
  deskSchemaVersion,
  missingTables,
  resetSequences,
  tablesToCopy,
  tablesWithRows,
} from '../main/db/deskImport';
import { lockAppends } from '../main/db/audit';
import { AppError } from '../main/errors';
import type { Credentials } from '../shared/credentials';
import { unframeImport, type ImportSummary } from '../main/remote/importFormat';

export type { ImportSummary };

/**
 * Moves the desk's data and secrets into the server's database, or refuses with an AppError
 * (nothing changed). Counts what the workspace then holds.
 */
export async function importDesk(tandem: Tandem, body: Buffer): Promise<ImportSummary> {
  const { header, database } = unframeImport(body);
  const desk = openDeskImage(database);
  if (!desk) throw new AppError('import.unreadable');
  try {
    const found = deskSchemaVersion(desk);
    if (found !== header.schemaVersion) throw new AppError('import.unreadable');
    // The desk must be brought up to the server's version (updated, then opened once), or the server's.
    if (found !== schemaVersion) throw new AppError('import.versionMismatch', { desk: found, server: schemaVersion });
    const tables = tablesToCopy(desk);
    const accounts = new Set(deskAccountIds(desk));
    const credentials = Object.entries(header.credentials) as [string, Credentials][];
    // Only the credentials of accounts that come with the database.
    if (credentials.some(([id]) => !accounts.has(id))) throw new AppError('import.unreadable');
    const auditKey = Buffer.from(header.auditKey, 'base64');
    const { sql, audit, secrets } = tandem;
    const missing = await missingTables(sql, tables);
    if (missing.length > 0) throw new Error(`the server's database lacks ${missing.join(', ')}`);
    // Quick refusal before the trail is shut; checked again inside the transaction.
    if ((await tablesWithRows(sql, tables)).length > 0) throw new AppError('import.workspaceNotNew');

    const summary = await audit.replace(
      () =>
        sql.tx(async () => {
          // Appends wait for this transaction (the trail is replaced), and so would a second import.
          await lockAppends(sql);
          if ((await tablesWithRows(sql, tables)).length > 0) throw new AppError('import.workspaceNotNew');
          const copied = new Map<string, number>();
          for (const table of tables) copied.set(table.name, await copyTable(sql, desk, table));
          await resetSequences(sql);
          for (const [accountId, value] of credentials) await secrets.set(accountId, value);
          await secrets.setAuditKey(auditKey);
          const counted: ImportSummary = {
            people: copied.get('user') ?? 0,
            accountPairs: copied.get('channel') ?? 0,
            pairs: copied.get('post_pair') ?? 0,
            images: copied.get('media_blob') ?? 0,
            auditEvents: copied.get('audit_event') ?? 0,
          };
          await audit.appendReplacing(auditKey, ['system:import', 'workspace.imported', 'workspace', { ...counted, credentials: credentials.length }]);
          return counted;
        }),
      async () => {
        const key = await secrets.getAuditKey();
        if (!key) throw new Error('the audit key is not in the sealed store');
        return { key, created: false };
      },
    );
    // Pairs that were scheduled on the desk are the server's to send now.
    tandem.publisher.wake();
    return summary;
  } finally {
    desk.close();
  }
}
