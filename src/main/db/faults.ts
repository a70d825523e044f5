// Storage faults: the database file cannot be written for a reason outside Tandem (disk full,
// read-only, held by another program, failing disk). Each is a state to wait out and tell the
// person about, not a bug: retrying at once fails the same way.
import Database from 'better-sqlite3';
import type { StorageFaultCode } from '../../shared/domain';
import type { Db } from '.';

/** The storage fault an error stands for, or null for any other error. */
export function storageFaultOf(error: unknown): StorageFaultCode | null {
  if (!(error instanceof Database.SqliteError)) return null;
  // better-sqlite3 reports extended result codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…).
  const { code } = error;
  if (code === 'SQLITE_FULL') return 'storage.full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') return 'storage.readOnly';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === 'SQLITE_PROTOCOL') {
    return 'storage.locked';
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'storage.io';
  return null;
}

/**
 * Whether the database can be written now, without changing it: takes the write lock and
 * allocates a page (a table created and rolled back), so a full, read-only or locked database
 * answers with its fault. Does not wait for a lock: a probe must never stall the main thread.
 * Other errors are thrown.
 */
export function probeWritable(db: Db): StorageFaultCode | null {
  // A transaction is never left open across an await, so none is open here; if one were, the
  // probe's BEGIN would fail rather than roll back someone else's work.
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec('CREATE TABLE storage_probe (x)');
    } finally {
      // SQLite may already have rolled back on its own after a full disk or an I/O error.
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    return null;
  } catch (error) {
    const fault = storageFaultOf(error);
    if (fault === null) throw error;
    return fault;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
