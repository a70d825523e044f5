// Which engine the integration suite runs on: SQLite (the desk) by default, PostgreSQL (a team's
// server) in the `postgres` project of vitest.config.ts. Each test app gets a database of its own.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { inject } from 'vitest';
import { PostgresSql, SqliteSql, type Engine, type PostgresConnection, type Sql } from '../src/main/db/sql';

export const engine: Engine = process.env['TANDEM_TEST_ENGINE'] === 'postgres' ? 'postgres' : 'sqlite';

/** A new, empty database in the run's cluster. */
export async function newPostgresDatabase(): Promise<PostgresConnection> {
  const url = inject('postgresUrl');
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return { connectionString: url.replace(/\/[^/]*$/, `/${name}`), max: 10 };
}

/** Opens the test's database directly, as another program (or a crash) would find it. */
export function openDirect(target: { dbFile: string; postgres?: PostgresConnection }): Sql {
  return target.postgres ? new PostgresSql(target.postgres) : new SqliteSql(new Database(target.dbFile));
}
