// Storage faults: the database cannot be written for a reason outside Tandem (disk full,
// read-only, held by another program, failing disk, a PostgreSQL server that cannot be reached).
// Each is a state to wait out and tell the person about, not a bug: retrying at once fails the
// same way.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { StorageFaultCode } from '../../shared/domain';
import type { Db } from '.';
import { SqliteSql, type Sql } from './sql';

/** Node's errors for a server that cannot be reached or dropped the connection. */
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The storage fault an error stands for, or null for any other error. */
export function storageFaultOf(error: unknown): StorageFaultCode | null {
  if (error instanceof Database.SqliteError) return sqliteFault(error.code);
  if (error instanceof pg.DatabaseError) return postgresFault(error.code);
  if (!(error instanceof Error)) return null;
  // The PostgreSQL server went away (restart, network): pg's own words, or the socket's.
  const { code } = error as NodeJS.ErrnoException;
  if (code !== undefined && connectionCodes.has(code)) return 'storage.io';
  if (error.message.startsWith('Connection terminated')) return 'storage.io';
  return null;
}

function sqliteFault(code: string): StorageFaultCode | null {
  // better-sqlite3 reports extended result codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…).
  if (code === 'SQLITE_FULL') return 'storage.full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') return 'storage.readOnly';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === 'SQLITE_PROTOCOL') {
    return 'storage.locked';
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'storage.io';
  return null;
}

/** By SQLSTATE: disk full, a read-only server (or standby), the connection lost or refused, an I/O error. */
function postgresFault(code: string | undefined): StorageFaultCode | null {
  if (code === undefined) return null;
  if (code === '53100') return 'storage.full';
  if (code === '25006') return 'storage.readOnly';
  // 08: connection exception; 57P01-03: the server shutting down or starting; 58030: I/O error.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '58030') return 'storage.io';
  return null;
}

/** Rolls the probe's transaction back: nothing it did is kept. */
class Probed extends Error {}

/**
 * Whether the database can be written now, without changing it: a table created, a page
 * allocated for it, and all rolled back, so a full, read-only or locked database (or an
 * unreachable server) answers with its fault. Other errors are thrown. Call outside a transaction.
 */
export async function probeWritable(sql: Sql): Promise<StorageFaultCode | null> {
  if (sql.inTransaction) throw new Error('probeWritable inside a transaction');
  if (sql instanceof SqliteSql) {
    // Tandem's own transaction holding the connection lets go in milliseconds: wait for it, or the
    // probe's BEGIN would fail. Then the probe runs start to end without yielding.
    while (sql.db.inTransaction) await sql.value('SELECT 1');
    return probeSqlite(sql.db);
  }
  try {
    await sql.tx(async () => {
      await sql.run('CREATE TABLE storage_probe (x INTEGER)');
      // PostgreSQL creates the table's file empty: a row makes it take a page from the disk.
      await sql.run('INSERT INTO storage_probe (x) VALUES (1)');
      throw new Probed();
    });
    return null;
  } catch (error) {
    if (error instanceof Probed) return null;
    const fault = storageFaultOf(error);
    if (fault === null) throw error;
    return fault;
  }
}

/**
 * SQLite: takes the write lock and allocates a page (a table created and rolled back). Does not
 * wait for a lock: a probe must never stall the main thread.
 */
function probeSqlite(db: Db): StorageFaultCode | null {
  // No transaction is open here (the caller waited for it); if one were, the probe's BEGIN would
  // fail rather than roll back someone else's work.
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

/** Whether the database answers a query now (a server's health check). */
export async function databaseAnswers(sql: Sql): Promise<boolean> {
  try {
    await sql.value('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
