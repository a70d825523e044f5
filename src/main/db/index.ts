// Opens the SQLite store with the pragmas the app relies on and brings its schema up to date.
import Database from 'better-sqlite3';
import { migration001 } from './migrations/001-initial';
import { migration002 } from './migrations/002-people';
import { migration003 } from './migrations/003-reconcile';
import { migration004 } from './migrations/004-settings';
import { migration005 } from './migrations/005-audit-subject';
import { migration006 } from './migrations/006-platforms-media';
import { migration007 } from './migrations/007-authorship';
import { migration008 } from './migrations/008-audit-keyed';
import { migration009 } from './migrations/009-unsent';
import { migration010 } from './migrations/010-pii-requests';
import { migration011 } from './migrations/011-delivery-lease';
import { migration012 } from './migrations/012-workspace';
import { migration013 } from './migrations/013-sync';
import { migration014 } from './migrations/014-queue';
import { migration015 } from './migrations/015-search-index';
import { migration016 } from './migrations/016-housekeeping';
import { migration017 } from './migrations/017-queue-facets';
import { migration018 } from './migrations/018-search-letter-pairs';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Ordered, append-only: never edit a migration that has shipped; add the next number. */
export const migrations: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
  migration011,
  migration012,
  migration013,
  migration014,
  migration015,
  migration016,
  migration017,
  migration018,
];

export const schemaVersion = migrations[migrations.length - 1]!.version;

export class DatabaseFromFutureError extends Error {
  constructor(readonly found: number) {
    super(`database schema version ${found} is newer than this app understands (${schemaVersion})`);
  }
}

export const busyTimeoutMs = 200;

export interface OpenOptions {
  /** Called with each statement as SQLite runs it (tests count queries with it). */
  trace?: (sql: string) => void;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, options.trace ? { verbose: (sql) => options.trace!(String(sql)) } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // The queue's counts and searches read tens of MiB of a 100,000-pair database. Mapped into
    // memory (up to 256 MiB), its pages are read where the OS keeps them instead of being copied
    // into SQLite's own cache first (2 MiB by default), which took a third of such a search's time.
    // (The cost SQLite's documentation names: a disk that fails under a mapped page stops the
    // process instead of failing the statement. The database is a local file in the person's own
    // profile; a failing disk loses no committed write either way: WAL keeps those.)
    db.pragma('mmap_size = 268435456');
    // Waiting for a lock blocks the main thread (better-sqlite3 is synchronous). Tandem's own
    // transactions hold the lock for milliseconds, so 200 ms rides out any of them; a lock held
    // longer belongs to another program (a second copy, a backup or sync tool) and is reported
    // as `storage.locked` rather than freezing the window 5 s per statement.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > schemaVersion) throw new DatabaseFromFutureError(current);
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  // Foreign keys are checked once after each migration rather than statement by statement, so a
  // migration may rebuild a table (SQLite's documented procedure) without cascading deletes.
  db.pragma('foreign_keys = OFF');
  try {
    for (const migration of pending) {
      // Each migration and its version bump commit together or not at all.
      db.transaction(() => {
        db.exec(migration.sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${migration.version} broke ${broken.length} foreign keys`);
        db.pragma(`user_version = ${migration.version}`);
      })();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
