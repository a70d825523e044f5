// Before the services open the database: is it there, writable, free, readable and ours? Each
// way it can fail becomes one kind the person is told about in their language, with what to do.
// Above all, a database that held data and now looks empty is never taken for a first start:
// that would make whoever is at the keyboard the administrator over lost data.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { StartupProblemKind } from '../../shared/contract';
import { backupFiles } from './backup';
import { DatabaseFromFutureError, schemaVersion } from './index';

export interface DatabaseProblem {
  kind: StartupProblemKind;
  /** The folder or file to look at. */
  path: string;
  /** fromNewerVersion: the version the database was written with. */
  found?: number;
}

export type DatabaseCheck = { ok: true; version: number } | { ok: false; problem: DatabaseProblem };

/** How the check asks whether a path may be written; tests (which run as root) pass their own. */
export interface Probe {
  canWrite(target: string): boolean;
}

export const fsProbe: Probe = {
  canWrite(target) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
      return true;
    } catch {
      // EACCES, EROFS, or the path is gone: in each case it cannot be written.
      return false;
    }
  },
};

/**
 * How long the check waits for another process to let go of the database before saying it is
 * in use. Short: a person is waiting for a window, and "Try again" is one click away.
 */
const busyWaitMs = 200;

export function checkDatabase(dbFile: string, probe: Probe = fsProbe): DatabaseCheck {
  const folder = path.dirname(dbFile);
  const problem = (kind: StartupProblemKind, at = folder): DatabaseCheck => ({
    ok: false,
    problem: { kind, path: at },
  });

  if (!fs.existsSync(folder)) {
    // Created only when its parent exists: a missing parent is more likely an unplugged or
    // unmounted drive than a first start, and creating it would hide that.
    if (!fs.existsSync(path.dirname(folder))) return problem('missingFolder');
    try {
      fs.mkdirSync(folder);
    } catch {
      // Not creatable (no permission on the parent, a read-only drive): said as such.
      return problem('missingFolder');
    }
  }
  if (!probe.canWrite(folder)) return problem('readOnly');

  let size: number | null = null;
  try {
    size = fs.statSync(dbFile).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { ok: false, problem: problemFromError(error, dbFile) };
    }
  }
  const hadData = () => backupFiles(dbFile).length > 0 || nonEmpty(`${dbFile}-wal`);
  if (size === null) return hadData() ? problem('emptyFile', dbFile) : { ok: true, version: 0 };
  if (size === 0) return problem('emptyFile', dbFile);
  if (!probe.canWrite(dbFile)) return problem('readOnly', dbFile);

  let db: Database.Database | undefined;
  try {
    db = new Database(dbFile, { fileMustExist: true, timeout: busyWaitMs });
    // Reads every page's structure: a damaged file fails here (or throws SQLITE_CORRUPT / NOTADB).
    if (db.pragma('quick_check', { simple: true }) !== 'ok') return problem('corrupt', dbFile);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > schemaVersion) {
      return { ok: false, problem: { kind: 'fromNewerVersion', path: dbFile, found: version } };
    }
    if (version === 0) {
      const tables = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
      // Tables but no version: some other program's database, not Tandem's.
      if (tables > 0) return problem('corrupt', dbFile);
      if (hadData()) return problem('emptyFile', dbFile);
    }
    // A write lock taken and given back, with a write attempted in between: another process
    // holding the database, or a file SQLite could open only for reading, shows up now rather
    // than as a five-second wait or a failure on the first save.
    db.exec('BEGIN IMMEDIATE');
    try {
      db.pragma(`user_version = ${version}`);
    } finally {
      db.exec('ROLLBACK');
    }
    return { ok: true, version };
  } catch (error) {
    return { ok: false, problem: problemFromError(error, dbFile) };
  } finally {
    db?.close();
  }
}

function nonEmpty(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    // No such file: nothing was left behind.
    return false;
  }
}

/** Maps an error from SQLite, the file system or the migrations to the kind the person is told about. */
export function kindOfError(error: unknown): StartupProblemKind {
  if (error instanceof DatabaseFromFutureError) return 'fromNewerVersion';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'unknown';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM') {
    return 'readOnly';
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'readOnly';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'diskFull';
  return 'unknown';
}

/** The problem an error thrown while opening or migrating stands for, with the path to look at. */
export function problemFromError(error: unknown, dbFile: string): DatabaseProblem {
  const kind = kindOfError(error);
  const at = kind === 'readOnly' || kind === 'diskFull' ? path.dirname(dbFile) : dbFile;
  return error instanceof DatabaseFromFutureError ? { kind, path: at, found: error.found } : { kind, path: at };
}
