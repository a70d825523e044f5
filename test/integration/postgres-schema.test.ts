// One list of migrations for both engines (issue 11, item 2): on a real PostgreSQL cluster
// (private, on 127.0.0.1, removed afterwards) every migration's PostgreSQL twin applies, and the
// schema it builds has the same tables, columns, nullability and unique keys as SQLite's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseFromFutureError, openDatabase, schemaVersion } from '../../src/main/db';
import { migratePostgres, postgresVersion } from '../../src/main/db/postgres';
import { startPostgres, type TestPostgres } from '../postgres';

let cluster: TestPostgres;
const pools: pg.Pool[] = [];
const pool = (url: string) => {
  const p = new pg.Pool({ connectionString: url, max: 4 });
  pools.push(p);
  return p;
};

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await cluster?.stop();
});

type Shape = Record<string, { columns: Record<string, { notNull: boolean }>; unique: string[] }>;

/** SQLite's tables after every migration: columns, NOT NULL, and unique column sets. */
function sqliteShape(): Shape {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-shape-'));
  const db = openDatabase(path.join(dir, 'tandem.db'));
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    // SQLite's search index (migration 015) is an FTS5 table and its shadow tables; PostgreSQL's is
    // an index on post_pair (pg_trgm), not a table. Both engines' search is tested in queue-query.
    const searchIndex = new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND (sql LIKE 'CREATE VIRTUAL TABLE%' OR name LIKE 'pair\\_search\\_%' ESCAPE '\\')").pluck().all() as string[],
    );
    tables.splice(0, tables.length, ...tables.filter((t) => !searchIndex.has(t)));
    const shape: Shape = {};
    for (const table of tables) {
      const columns: Shape[string]['columns'] = {};
      const info = db.prepare(`SELECT name, "notnull" AS nn, pk FROM pragma_table_info(?)`).all(table) as { name: string; nn: number; pk: number }[];
      for (const c of info) columns[c.name] = { notNull: c.nn === 1 || c.pk > 0 };
      const unique: string[] = [];
      const indexes = db.prepare('SELECT name, "unique" AS u, partial, origin FROM pragma_index_list(?)').all(table) as {
        name: string;
        u: number;
        partial: number;
        origin: string;
      }[];
      // An INTEGER PRIMARY KEY is the rowid itself and has no index of its own: count it as one.
      const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      if (pk.length > 0 && !indexes.some((i) => i.origin === 'pk')) unique.push(pk.join(','));
      for (const index of indexes.filter((i) => i.u === 1)) {
        const cols = db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck().all(index.name) as (string | null)[];
        unique.push(`${cols.map((c) => c ?? 'expr').join(',')}${index.partial ? ' (partial)' : ''}`);
      }
      shape[table] = { columns, unique: unique.sort() };
    }
    return shape;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same read of a PostgreSQL database. */
async function postgresShape(p: pg.Pool): Promise<Shape> {
  const columns = await p.query<{ table_name: string; column_name: string; is_nullable: string }>(
    `SELECT table_name, column_name, is_nullable FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> 'tandem_schema' ORDER BY table_name, ordinal_position`,
  );
  const shape: Shape = {};
  for (const c of columns.rows) {
    shape[c.table_name] ??= { columns: {}, unique: [] };
    shape[c.table_name]!.columns[c.column_name] = { notNull: c.is_nullable === 'NO' };
  }
  // Unique indexes (primary keys and UNIQUE constraints are indexes too), columns in key order;
  // an expression (lower(handle)) reads as 'expr', as SQLite's COLLATE NOCASE column does not.
  const unique = await p.query<{ table_name: string; columns: (string | null)[]; partial: boolean }>(
    `SELECT t.relname AS table_name, i.indpred IS NOT NULL AS partial,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                  LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
                  ORDER BY k.n) AS columns
     FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
     WHERE i.indisunique AND ns.nspname = 'public' AND t.relname <> 'tandem_schema'`,
  );
  for (const u of unique.rows) {
    shape[u.table_name]!.unique.push(`${u.columns.map((c) => c ?? 'expr').join(',')}${u.partial ? ' (partial)' : ''}`);
  }
  for (const table of Object.values(shape)) table.unique.sort();
  return shape;
}

describe('the PostgreSQL engine', () => {
  it('applies every migration, and builds the schema SQLite has: tables, columns, NOT NULL, unique keys', async () => {
    const p = pool(await cluster.createDatabase('shape'));
    expect(await migratePostgres(p)).toEqual({ from: 0, to: schemaVersion });
    expect(await postgresVersion(p)).toBe(schemaVersion);

    const sqlite = sqliteShape();
    const postgres = await postgresShape(p);
    expect(Object.keys(postgres).sort()).toEqual(Object.keys(sqlite).sort());
    for (const table of Object.keys(sqlite)) {
      expect({ table, columns: postgres[table]!.columns }).toEqual({ table, columns: sqlite[table]!.columns });
      // SQLite's unique (platform, handle COLLATE NOCASE) is PostgreSQL's (platform, lower(handle)).
      const expected = sqlite[table]!.unique.map((u) => (table === 'account' && u === 'platform,handle' ? 'platform,expr' : u));
      expect({ table, unique: postgres[table]!.unique }).toEqual({ table, unique: expected.sort() });
    }
  });

  it('running again changes nothing; servers starting together apply each migration once', async () => {
    const url = await cluster.createDatabase('together');
    const results = await Promise.all([pool(url), pool(url), pool(url)].map((p) => migratePostgres(p)));
    // Exactly one of them found an empty database; the others found it migrated.
    expect(results.filter((r) => r.from === 0)).toHaveLength(1);
    expect(results.filter((r) => r.from === schemaVersion)).toHaveLength(2);
    expect(await migratePostgres(pool(url))).toEqual({ from: schemaVersion, to: schemaVersion });
  });

  it('refuses a database from a newer Tandem, and leaves it as it was', async () => {
    const p = pool(await cluster.createDatabase('future'));
    await migratePostgres(p);
    await p.query('UPDATE tandem_schema SET version = $1', [schemaVersion + 1]);
    await p.query("INSERT INTO setting (key, value) VALUES ('kept', '1')");
    const refused = await migratePostgres(p).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DatabaseFromFutureError);
    expect((refused as DatabaseFromFutureError).found).toBe(schemaVersion + 1);
    expect(await postgresVersion(p)).toBe(schemaVersion + 1);
    expect((await p.query('SELECT value FROM setting WHERE key = $1', ['kept'])).rows).toEqual([{ value: '1' }]);
  });

  it('keeps the audit trail append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const p = pool(await cluster.createDatabase('appendonly'));
    await migratePostgres(p);
    await p.query(
      "INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (1, 'a', 'x', 's', '{}', 'p', 'h')",
    );
    for (const sql of ["UPDATE audit_event SET actor = 'b'", 'DELETE FROM audit_event', 'TRUNCATE audit_event']) {
      await expect(p.query(sql), sql).rejects.toThrow(/append-only/);
    }
    expect((await p.query('SELECT actor FROM audit_event')).rows).toEqual([{ actor: 'a' }]);
  });

  it('stores what SQLite stores: times past 2038 in ms, image bytes, case-insensitive handles', async () => {
    const p = pool(await cluster.createDatabase('types'));
    await migratePostgres(p);
    const at = Date.UTC(2100, 0, 1);
    await p.query(
      "INSERT INTO account (id, platform, lang, handle, display_name, created_at) VALUES ('a1', 'x', 'en', 'StatCan_eng', 'StatCan', $1)",
      [at],
    );
    const row = await p.query<{ created_at: string }>('SELECT created_at FROM account');
    expect(Number(row.rows[0]!.created_at)).toBe(at);
    await expect(
      p.query("INSERT INTO account (id, platform, lang, handle, display_name, created_at) VALUES ('a2', 'x', 'en', 'statcan_ENG', 'Other', 1)"),
    ).rejects.toThrow(/account_platform_handle/);
    const bytes = Buffer.from([0, 1, 2, 255, 0]);
    await p.query("INSERT INTO media_blob (id, mime, bytes, width, height, data, created_at) VALUES ('m', 'image/png', 5, 1, 1, $1, 1)", [bytes]);
    const blob = await p.query<{ data: Buffer }>('SELECT data FROM media_blob');
    expect(Buffer.compare(blob.rows[0]!.data, bytes)).toBe(0);
  });
});
