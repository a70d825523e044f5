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
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { Tandem } from '../main/app';
import { schemaVersion } from '../main/db';
import {
  copyTable,
  deskAccountIds,
  deskSchemaVersion,
  missingTables,
  resetSequences,
  tablesToCopy,
  tablesWithRows,
} from '../main/db/deskImport';
import { lockAppends } from '../main/db/audit';
import { AppError } from '../main/errors';
import { credentialsSchema, type Credentials } from '../shared/credentials';

/** The largest import accepted: a desk's database with its images, and the header. */
export const maxImportBytes = 1024 * 1024 * 1024;
/** The header's own limit (credentials of many accounts fit well within it). */
export const maxImportHeaderBytes = 1024 * 1024;
export const importFormat = 1;

/** What moved, as the server counted it after the copy. */
export interface ImportSummary {
  people: number;
  accountPairs: number;
  pairs: number;
  images: number;
  auditEvents: number;
}

export const importSummarySchema = z.strictObject({
  people: z.number().int().nonnegative(),
  accountPairs: z.number().int().nonnegative(),
  pairs: z.number().int().nonnegative(),
  images: z.number().int().nonnegative(),
  auditEvents: z.number().int().nonnegative(),
});

export const importHeaderSchema = z.strictObject({
  format: z.literal(importFormat),
  schemaVersion: z.number().int().positive(),
  databaseBytes: z.number().int().positive(),
  auditKey: z.base64().refine((key) => Buffer.from(key, 'base64').length === 32, '32 bytes'),
  credentials: z.record(z.string().min(1).max(200), credentialsSchema),
});
export type ImportHeader = z.infer<typeof importHeaderSchema>;

/** The body the desk sends: length-prefixed JSON header, then the database (written by the desk). */
export function frameImport(header: ImportHeader, database: Buffer): Buffer[] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return [length, json, database];
}

/** The header and the database from a body; `import.unreadable` when it is not whole or not ours. */
export function unframeImport(body: Buffer): { header: ImportHeader; database: Buffer } {
  if (body.length < 4) throw new AppError('import.unreadable');
  const length = body.readUInt32BE(0);
  if (length === 0 || length > maxImportHeaderBytes || body.length < 4 + length) throw new AppError('import.unreadable');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.subarray(4, 4 + length).toString('utf8'));
  } catch {
    throw new AppError('import.unreadable');
  }
  const header = importHeaderSchema.safeParse(parsed);
  // Never told back: what failed to parse may be a secret.
  if (!header.success) throw new AppError('import.unreadable');
  const database = body.subarray(4 + length);
  if (database.length !== header.data.databaseBytes) throw new AppError('import.unreadable');
  return { header: header.data, database };
}

/** Opens the desk's database from memory, checked whole; `import.unreadable` when it is not. */
function openDesk(bytes: Buffer): Database.Database {
  // A desk's database is in WAL mode: its header says so (bytes 18 and 19), which a database in
  // memory cannot be. It is read as the rollback-journal database it is otherwise the same as.
  const copy = Buffer.from(bytes);
  if (copy.length >= 100 && copy[18] === 2 && copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }
  let desk: Database.Database | undefined;
  try {
    desk = new Database(copy);
    const check = desk.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error('not whole');
    return desk;
  } catch {
    desk?.close();
    throw new AppError('import.unreadable');
  }
}

/**
 * Moves the desk's data and secrets into the server's database, or refuses with an AppError
 * (nothing changed). Counts what the workspace then holds.
 */
export async function importDesk(tandem: Tandem, body: Buffer): Promise<ImportSummary> {
  const { header, database } = unframeImport(body);
  const desk = openDesk(database);
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
