// Which errors mean "the database cannot be written now" (a state to wait out and explain),
// and which are something else.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { storageFaultOf } from '../../src/main/db/faults';

const sqlite = (code: string) => new Database.SqliteError('message', code);

describe('storage faults', () => {
  it.each([
    ['SQLITE_FULL', 'storage.full'],
    ['SQLITE_READONLY', 'storage.readOnly'],
    ['SQLITE_READONLY_DBMOVED', 'storage.readOnly'],
    ['SQLITE_BUSY', 'storage.locked'],
    ['SQLITE_BUSY_SNAPSHOT', 'storage.locked'],
    ['SQLITE_LOCKED', 'storage.locked'],
    ['SQLITE_IOERR_WRITE', 'storage.io'],
    ['SQLITE_CANTOPEN', 'storage.io'],
  ])('%s is %s', (code, fault) => {
    expect(storageFaultOf(sqlite(code))).toBe(fault);
  });

  it.each(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_CORRUPT'])('%s is not a storage fault', (code) => {
    expect(storageFaultOf(sqlite(code))).toBeNull();
  });

  it('nor is an error that did not come from SQLite', () => {
    expect(storageFaultOf(new TypeError('x is undefined'))).toBeNull();
    expect(storageFaultOf(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }))).toBeNull();
  });
});
