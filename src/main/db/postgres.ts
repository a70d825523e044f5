// The PostgreSQL engine's schema: the same numbered migrations as SQLite, each carrying its
// PostgreSQL twin (`postgres`) beside its SQLite text, applied in order. The version lives in
// `tandem_schema` (SQLite keeps it in `user_version`). Several servers may start at once: the
// migration runs under a transaction-scoped advisory lock, so each version is applied once.
//
// Types differ where the engines do: times are ms since the epoch in BIGINT (SQLite's INTEGER is
// 64-bit, PostgreSQL's is not), images are BYTEA, `user` is quoted (reserved in PostgreSQL),
// case-insensitive handles are a unique index on lower(handle), and the audit trail's append-only
// rule is a trigger function that also refuses TRUNCATE.
import pg from 'pg';
import { DatabaseFromFutureError, migrations, schemaVersion, type Migration } from './index';

/** A migration with its PostgreSQL twin. */
export interface TwinMigration extends Migration {
  postgres: string;
}

/** Every migration, checked to carry its PostgreSQL text (a missing twin fails loudly, at once). */
export function postgresMigrations(): TwinMigration[] {
  return migrations.map((m) => {
    const postgres = (m as Partial<TwinMigration>).postgres;
    if (typeof postgres !== 'string' || postgres.trim() === '') {
      throw new Error(`migration ${m.version} (${m.name}) has no PostgreSQL text`);
    }
    return { ...m, postgres };
  });
}

/** Any number: the lock Tandem's migrations take (pg_advisory_xact_lock), so servers starting together wait. */
const migrationLock = 0x74616e64; // 'tand'

/** The schema version of the database at `pool` (0 when Tandem has never written to it). */
export async function postgresVersion(pool: pg.Pool | pg.PoolClient): Promise<number> {
  const exists = await pool.query<{ present: boolean }>("SELECT to_regclass('tandem_schema') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return 0;
  const row = await pool.query<{ version: number }>('SELECT version FROM tandem_schema');
  return row.rows[0]?.version ?? 0;
}

/**
 * Brings the database up to this Tandem's schema; refuses one from a newer Tandem
 * (DatabaseFromFutureError) without touching it. The pending migrations run in one transaction
 * (PostgreSQL's DDL is transactional): a failure leaves the database exactly at the version it had.
 */
export async function migratePostgres(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const twins = postgresMigrations();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
    await client.query('CREATE TABLE IF NOT EXISTS tandem_schema (version INTEGER NOT NULL, one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one))');
    await client.query('INSERT INTO tandem_schema (version) VALUES (0) ON CONFLICT DO NOTHING');
    const from = await postgresVersion(client);
    if (from > schemaVersion) throw new DatabaseFromFutureError(from);
    for (const migration of twins.filter((m) => m.version > from)) {
      try {
        await client.query(migration.postgres);
        await client.query('UPDATE tandem_schema SET version = $1', [migration.version]);
      } catch (error) {
        throw new Error(`PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, { cause: error });
      }
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, schemaVersion) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
