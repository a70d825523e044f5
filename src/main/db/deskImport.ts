// A solo desk's database copied into a new team workspace's (server/importDesk.ts): every table of
// the desk is copied row for row into the server's database, whichever engine it runs, except the
// tables below that belong to the desk alone. The copy is driven by the desk's own list of tables
// and their foreign keys, so a table added by a later migration is carried without a change here;
// a test checks every table of the schema is either copied or named below.
import Database from 'better-sqlite3';
import type { Param, Sql } from './sql';

/**
 * What stays on the desk, and why. Anything named `sqlite_*` is SQLite's own bookkeeping
 * (sqlite_sequence: the server's own counters follow the rows copied) and is never copied either.
 */
export const deskOnlyTables: Readonly<Record<string, string>> = {
  // The desk's sign-ins (its windows' sessions): people sign in to the workspace afresh.
  session: 'sign-ins on the desk',
  // A desk keeps its secrets in the OS keychain, so this is empty there; the server seals what the
  // desk sends from its keychain under its own key, and keeps its own rows.
  sealed_secret: "the server's own sealed secrets",
  // Each pair's change mark for desks' offline copies: the server's own trigger marks every pair
  // as it is copied in, with the server's marks (a desk's counter means nothing there).
  pair_sync: 'change marks, made again by the server as pairs are copied',
  // Changes desks sent to a workspace with their own ids: a solo desk has none.
  client_mutation: "a workspace's record of desks' changes",
  // What the queue filters and counts by (migration 017): the server's own triggers make it as
  // pairs, their writers and their account pairs are copied in.
  pair_facet: "the queue's facets, made again by the server as pairs are copied",
};

/** Tables the server fills itself before anything is imported, whose row is replaced by the desk's. */
const replacedTables: ReadonlySet<string> = new Set([
  // The signed record of the last verified audit event: the server's (of its empty trail, under
  // its own audit key) gives way to the desk's, signed with the key that comes with the trail.
  'audit_checkpoint',
]);

export interface DeskTable {
  name: string;
  columns: string[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The desk's schema version (SQLite's user_version). */
export function deskSchemaVersion(desk: Database.Database): number {
  return desk.pragma('user_version', { simple: true }) as number;
}

/** Every account id in the desk's database (whose credentials the desk's keychain may hold). */
export function deskAccountIds(desk: Database.Database): string[] {
  return (desk.prepare('SELECT id FROM account ORDER BY id').pluck().all() as string[]).slice();
}

/**
 * Every table of a SQLite database, by name: ordinary tables only — its own sqlite_* tables, and
 * virtual tables with their shadow tables (the search index, migration 015: the engine's own,
 * made again by the target from the pairs it receives), left out.
 */
export function sqliteTableNames(desk: Database.Database): string[] {
  return desk
    .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .all() as string[];
}

/**
 * The desk's tables to copy, each after every table it refers to (its foreign keys), with their
 * columns. Throws on a cycle of foreign keys (no order would satisfy them).
 */
export function tablesToCopy(desk: Database.Database): DeskTable[] {
  const names = sqliteTableNames(desk).filter((name) => !Object.hasOwn(deskOnlyTables, name));
  const refers = new Map<string, Set<string>>();
  for (const name of names) {
    const keys = desk.pragma(`foreign_key_list(${quote(name)})`) as { table: string }[];
    refers.set(name, new Set(keys.map((k) => k.table.replace(/^"|"$/g, '')).filter((t) => t !== name)));
  }
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`the desk's foreign keys form a cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const target of refers.get(name) ?? []) {
      if (Object.hasOwn(deskOnlyTables, target)) throw new Error(`${name} refers to ${target}, which stays on the desk`);
      if (!refers.has(target)) throw new Error(`${name} refers to ${target}, which the desk's database does not have`);
      visit(target, [...path, name]);
    }
    state.set(name, 'done');
    ordered.push(name);
  };
  for (const name of names) visit(name, []);
  return ordered.map((name) => ({
    name,
    columns: (desk.pragma(`table_info(${quote(name)})`) as { name: string }[]).map((c) => c.name),
  }));
}

/** The tables of the server's database that hold a row already (those it replaces left out). */
export async function tablesWithRows(sql: Sql, tables: readonly DeskTable[]): Promise<string[]> {
  const found: string[] = [];
  for (const { name } of tables) {
    if (replacedTables.has(name)) continue;
    if ((await sql.value<number>(`SELECT 1 FROM ${quote(name)} LIMIT 1`)) !== undefined) found.push(name);
  }
  return found;
}

/** The tables the server's database lacks (it should have them all: the schema versions match). */
export async function missingTables(sql: Sql, tables: readonly DeskTable[]): Promise<string[]> {
  const missing: string[] = [];
  for (const { name } of tables) {
    const present =
      sql.engine === 'postgres'
        ? await sql.value<boolean>('SELECT to_regclass(?) IS NOT NULL', [quote(name)])
        : (await sql.value<number>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name])) !== undefined;
    if (!present) missing.push(name);
  }
  return missing;
}

/** Parameters per INSERT on PostgreSQL (its limit is 65,535), and bytes, so a batch of images stays small. */
const maxParams = 20_000;
const maxBatchBytes = 8 * 1024 * 1024;

/**
 * Copies one table's rows into the server's database, inside the caller's transaction. SQLite's
 * 64-bit integers are read exactly (as bigint) and go into BIGINT; BLOBs (images) go into BYTEA.
 * Returns how many rows were copied.
 */
export async function copyTable(sql: Sql, desk: Database.Database, table: DeskTable): Promise<number> {
  const { name, columns } = table;
  if (replacedTables.has(name)) await sql.run(`DELETE FROM ${quote(name)}`);
  const read = desk.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(name)}`).raw(true).safeIntegers(true);
  const head = `INSERT INTO ${quote(name)} (${columns.map(quote).join(', ')}) VALUES `;
  const one = `(${columns.map(() => '?').join(', ')})`;
  // SQLite runs in process: one prepared statement per row costs nothing. PostgreSQL: rows in batches.
  const rowsPerBatch = sql.engine === 'sqlite' ? 1 : Math.max(1, Math.floor(maxParams / columns.length));
  let batch: Param[] = [];
  let rows = 0;
  let bytes = 0;
  let copied = 0;
  const flush = async () => {
    if (rows === 0) return;
    await sql.run(head + Array.from({ length: rows }, () => one).join(', '), batch);
    copied += rows;
    batch = [];
    rows = 0;
    bytes = 0;
  };
  // The desk's database is this import's own copy in memory: nothing else uses it while it is read.
  for (const row of read.iterate() as Iterable<unknown[]>) {
    for (const value of row) {
      const param = toParam(value, name);
      batch.push(param);
      bytes += Buffer.isBuffer(param) ? param.length : typeof param === 'string' ? param.length : 8;
    }
    rows += 1;
    if (rows >= rowsPerBatch || bytes >= maxBatchBytes) await flush();
  }
  await flush();
  return copied;
}

function toParam(value: unknown, table: string): Param {
  if (value === null || typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof value === 'number') return value;
  throw new Error(`a value of ${table} that neither engine stores: ${typeof value}`);
}

/**
 * PostgreSQL: every identity or serial column's sequence set past the largest value copied (the
 * audit trail's seq), so the next row the server adds follows the desk's. SQLite keeps its
 * AUTOINCREMENT counter (sqlite_sequence) up to date as the rows go in.
 */
export async function resetSequences(sql: Sql): Promise<void> {
  if (sql.engine !== 'postgres') return;
  const columns = await sql.all<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`,
  );
  for (const { table_name: table, column_name: column } of columns) {
    await sql.run(
      `SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(${quote(column)}) FROM ${quote(table)}), 0) + 1, false)`,
      [quote(table), column],
    );
  }
}

/** How many rows a table of the server's database holds now. */
export async function rowCount(sql: Sql, table: string): Promise<number> {
  return (await sql.value<number>(`SELECT COUNT(*) FROM ${quote(table)}`)) ?? 0;
}

/**
 * Opens a desk's database from its bytes (as received: they are changed), in memory, checked
 * whole; null when it is not one.
 */
export function openDeskImage(copy: Buffer): Database.Database | null {
  // A desk's database is in WAL mode: its header says so (bytes 18 and 19), which a database in
  // memory cannot be. It is read as the rollback-journal database it is otherwise the same as.
  if (copy.length >= 100 && copy[18] === 2 && copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }
  let desk: Database.Database | undefined;
  try {
    desk = new Database(copy);
    const check = desk.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error('not whole');
    return desk;
  } catch {
    desk?.close();
    return null;
  }
}
