// How a solo desk's move into a new workspace travels (remote/importDesk.ts sends it, the server's
// importDesk.ts reads it): one body of
//   4 bytes   the header's length in bytes, unsigned big-endian (at most 1 MiB)
//   header    JSON: { format: 1, schemaVersion, databaseBytes, auditKey (base64, 32 bytes),
//                     credentials: { <account id>: Credentials } }
//   database  the desk's whole SQLite database (better-sqlite3's serialize()), databaseBytes long
// and the answer's summary of what moved.
import { z } from 'zod';
import { AppError } from '../errors';
import { credentialsSchema } from '../../shared/credentials';

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
