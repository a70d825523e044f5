// A solo desk's data moved into a new team workspace (issue 12): its whole database and the
// secrets its keychain holds for it (each account's credentials, the audit trail's key) are sent
// once to tandem-server's `POST /api/import` (server/importDesk.ts), which must be reached from the
// server's own computer (or through an SSH tunnel to it). Nothing on the desk changes: its database
// is read (serialized in memory), its keychain only read, so it keeps working as a solo desk until
// its person switches it to the workspace.
import http from 'node:http';
import https from 'node:https';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { deskAccountIds, deskSchemaVersion } from '../db/deskImport';
import { AppError } from '../errors';
import type { SecretStore } from '../secrets';
import type { Credentials } from '../../shared/credentials';
import { errorCodes, type ErrorCode } from '../../shared/domain';
import { frameImport, importFormat, importSummarySchema, maxImportBytes, maxImportHeaderBytes, type ImportSummary } from './importFormat';

export type { ImportSummary };

export interface MoveDeskOptions {
  /** The desk's open database (read only: serialized in memory). */
  db: Database.Database;
  /** The desk's keychain: each account's credentials and the audit key are read from it. */
  secrets: SecretStore;
  /** The server's address as seen from here: `https://…`, or `http://127.0.0.1:…` (on the server, or an SSH tunnel to it). */
  url: string;
  /** A certificate authority to trust for the server (a department's own), beside the system's. */
  ca?: string | Buffer;
  /** How long the move may take before the server counts as unreachable (default 10 minutes). */
  timeoutMs?: number;
}

/**
 * Sends the desk's data to a new workspace and answers what moved. The desk's own publishing
 * should be stopped first (and the desk switched to the workspace after): the workspace sends
 * what was scheduled on the desk from then on, and both must not. Throws an AppError: the
 * server's refusal as it gave it (`import.localOnly`, `import.workspaceNotNew`,
 * `import.versionMismatch`, `import.unreadable`, `input.tooLarge`), `workspace.unreachable` when it
 * could not be reached or did not answer, `keychain.unavailable` when the desk's secrets cannot be read.
 */
export async function moveDeskToWorkspace(options: MoveDeskOptions): Promise<ImportSummary> {
  const base = new URL(options.url);
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && base.hostname === '127.0.0.1')) {
    throw new Error(`a workspace is reached over HTTPS (${base.origin} is not)`);
  }
  const { db, secrets } = options;
  // The keychain first: a desk whose secrets cannot be read sends nothing.
  const credentials: Record<string, Credentials> = {};
  let auditKey: Buffer | null;
  try {
    for (const accountId of deskAccountIds(db)) {
      const found = await secrets.get(accountId);
      // An account without credentials moves as it is: someone enters them again on the workspace.
      if (found) credentials[accountId] = found;
    }
    auditKey = await secrets.getAuditKey();
  } catch {
    throw new AppError('keychain.unavailable');
  }
  // Without its key the trail could not be verified on the server, nor anywhere else.
  if (!auditKey) throw new AppError('keychain.unavailable');
  const database = db.serialize();
  // The server takes up to 1 GiB; a larger desk is told so before anything is sent.
  if (database.length + maxImportHeaderBytes > maxImportBytes) throw new AppError('input.tooLarge');
  const body = frameImport(
    { format: importFormat, schemaVersion: deskSchemaVersion(db), databaseBytes: database.length, auditKey: auditKey.toString('base64'), credentials },
    database,
  );
  const answer = await post(new URL('/api/import', base), body, options);
  if (answer === null) throw new AppError('workspace.unreachable');
  return answer;
}

const refusalSchema = z.object({
  ok: z.literal(false),
  error: z.object({
    code: z.string().refine((code): code is ErrorCode => (errorCodes as readonly string[]).includes(code)),
    params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  }),
});
const successSchema = z.object({ ok: z.literal(true), value: importSummarySchema });

/** The server's summary; null when it could not be reached or did not answer in time; throws its refusal. */
function post(url: URL, body: Buffer[], options: MoveDeskOptions): Promise<ImportSummary | null> {
  const length = body.reduce((sum, part) => sum + part.length, 0);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(
      url,
      {
        method: 'POST',
        ca: options.ca,
        timeout: options.timeoutMs ?? 10 * 60_000,
        headers: { 'content-type': 'application/octet-stream', 'content-length': length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // An answer is a few hundred bytes; anything far larger is not tandem-server's.
          if (size <= 64 * 1024) chunks.push(chunk);
        });
        res.on('end', () =>
          settle(() => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              parsed = undefined;
            }
            // Checked where it arrives: a summary, or a refusal with a code the desk can say.
            const success = successSchema.safeParse(parsed);
            if (success.success) return resolve(success.data.value);
            const refusal = refusalSchema.safeParse(parsed);
            if (refusal.success) return reject(new AppError(refusal.data.error.code as ErrorCode, refusal.data.error.params));
            reject(new AppError('internal'));
          }),
        );
        res.on('error', () => settle(() => resolve(null)));
      },
    );
    req.on('timeout', () => req.destroy());
    // A refusal may come before the whole body is sent (the server closes then): the answer wins.
    req.on('error', () => setTimeout(() => settle(() => resolve(null)), 200));
    for (const part of body.slice(0, -1)) req.write(part);
    req.end(body.at(-1));
  });
}
