// The one way Tandem's data modules reach a database, whichever engine holds it: SQLite on the
// desk (better-sqlite3, synchronous underneath) or PostgreSQL for a team (pg, a pool).
//
// Statements are written once with `?` placeholders where both dialects agree, or as a twin
// `{ sqlite, postgres }` where they do not. Only modules under src/main/db/ hold SQL.
//
// Transactions follow the caller, not a handle: every query made while `tx(fn)` runs — from any
// module, through this same Sql — runs inside that transaction (AsyncLocalStorage carries it).
// A service therefore wraps several data-module calls in one `sql.tx(...)` without threading a
// transaction object through them, and cannot deadlock by forgetting to. On SQLite the one
// connection is taken for the whole transaction (BEGIN IMMEDIATE): queries from outside it wait
// their turn, as they would for a lock. On PostgreSQL each transaction has a pooled client.
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';

export type Engine = 'sqlite' | 'postgres';

/** What a placeholder may carry. Flags are stored as 0/1 on both engines, times as ms since the epoch. */
export type Param = string | number | bigint | Buffer | null;

/** A statement: the same text for both engines, or one for each where the dialects differ. */
export type Text = string | { readonly sqlite: string; readonly postgres: string };

export interface Sql {
  readonly engine: Engine;
  /** Every row. */
  all<T>(text: Text, params?: readonly Param[]): Promise<T[]>;
  /** The first row, if any. */
  get<T>(text: Text, params?: readonly Param[]): Promise<T | undefined>;
  /** The first column of the first row, if any. */
  value<T>(text: Text, params?: readonly Param[]): Promise<T | undefined>;
  /** Runs a statement; returns how many rows it changed. */
  run(text: Text, params?: readonly Param[]): Promise<number>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Nested calls become savepoints. Queries made through this Sql while `fn` runs belong to it.
   */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether the caller is inside a transaction of this Sql now. */
  readonly inTransaction: boolean;
  /**
   * Runs `fn` inside the caller's transaction just before it commits, after everything else in it
   * (in the order asked); dropped if the savepoint it was asked in rolls back. False outside one.
   */
  beforeCommit(fn: () => Promise<void>): boolean;
  /** A value kept for the caller's transaction alone (made on first use); undefined outside one. */
  txLocal<T>(key: object, make: () => T): T | undefined;
  /** False once closed. */
  readonly open: boolean;
  close(): Promise<void>;
}

interface TxState {
  active: boolean;
  depth: number;
  /** What runs just before COMMIT (Sql.beforeCommit). */
  hooks: (() => Promise<void>)[];
  locals: Map<object, unknown>;
  /** PostgreSQL: the client this transaction holds. */
  client?: pg.PoolClient;
}

const textFor = (text: Text, engine: Engine): string => (typeof text === 'string' ? text : text[engine]);

const newTx = (client?: pg.PoolClient): TxState => ({ active: true, depth: 0, hooks: [], locals: new Map(), client });

/** `fn`, then whatever was asked to run before the commit (which may ask for more). */
async function body<T>(state: TxState, fn: () => Promise<T>): Promise<T> {
  const result = await fn();
  for (let i = 0; i < state.hooks.length; i++) await state.hooks[i]!();
  return result;
}

function beforeCommit(state: TxState | undefined, fn: () => Promise<void>): boolean {
  if (!state?.active) return false;
  state.hooks.push(fn);
  return true;
}

function txLocal<T>(state: TxState | undefined, key: object, make: () => T): T | undefined {
  if (!state?.active) return undefined;
  if (!state.locals.has(key)) state.locals.set(key, make());
  return state.locals.get(key) as T;
}

// ---------------------------------------------------------------------------------- SQLite

/** Where each caller's transaction is kept: shared by both engines. */
abstract class CallerTransactions {
  protected readonly als = new AsyncLocalStorage<TxState>();

  get inTransaction(): boolean {
    return this.als.getStore()?.active === true;
  }

  beforeCommit(fn: () => Promise<void>): boolean {
    return beforeCommit(this.als.getStore(), fn);
  }

  txLocal<T>(key: object, make: () => T): T | undefined {
    return txLocal(this.als.getStore(), key, make);
  }
}

export class SqliteSql extends CallerTransactions implements Sql {
  readonly engine = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  /** The same statements returning their first column only (`value`). */
  private readonly firsts = new Map<string, Database.Statement>();
  /** The transaction that holds the connection, and when it lets go. */
  private holder: { state: TxState; done: Promise<void> } | null = null;

  constructor(readonly db: Database.Database) {
    super();
  }

  get open(): boolean {
    return this.db.open;
  }


  private statement(text: Text, cache = this.statements): Database.Statement {
    const source = textFor(text, 'sqlite');
    let statement = cache.get(source);
    if (!statement) {
      statement = this.db.prepare(source);
      if (cache === this.firsts) statement.pluck(true);
      cache.set(source, statement);
    }
    return statement;
  }

  /** Waits while another caller's transaction holds the connection. */
  private async turn(): Promise<void> {
    if (this.holder === null || this.inTransaction) return;
    while (this.holder !== null && !this.inTransaction) await this.holder.done;
  }

  async all<T>(text: Text, params: readonly Param[] = []): Promise<T[]> {
    if (this.holder !== null) await this.turn();
    return this.statement(text).all(...params) as T[];
  }

  async get<T>(text: Text, params: readonly Param[] = []): Promise<T | undefined> {
    if (this.holder !== null) await this.turn();
    return this.statement(text).get(...params) as T | undefined;
  }

  async value<T>(text: Text, params: readonly Param[] = []): Promise<T | undefined> {
    if (this.holder !== null) await this.turn();
    return this.statement(text, this.firsts).get(...params) as T | undefined;
  }

  async run(text: Text, params: readonly Param[] = []): Promise<number> {
    if (this.holder !== null) await this.turn();
    const statement = this.statement(text);
    // A statement that returns rows (… RETURNING) is run for its effect all the same.
    if (statement.reader) return statement.all(...params).length;
    return statement.run(...params).changes;
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    const outer = this.als.getStore();
    if (outer?.active) return savepoint(outer, (q) => void this.control(q), fn);
    while (this.holder !== null) await this.holder.done;
    const state = newTx();
    let release!: () => void;
    this.holder = { state, done: new Promise<void>((resolve) => (release = resolve)) };
    try {
      this.control('BEGIN IMMEDIATE');
      const result = await this.als.run(state, () => body(state, fn));
      this.control('COMMIT');
      return result;
    } catch (error) {
      // Some errors (disk full, I/O) end the transaction themselves.
      if (this.db.inTransaction) this.control('ROLLBACK');
      throw error;
    } finally {
      state.active = false;
      this.holder = null;
      release();
    }
  }

  /** BEGIN, COMMIT, savepoints: prepared once each (a publisher runs thousands in a burst). */
  private readonly controls = new Map<string, Database.Statement>();
  private control(statement: string): void {
    let prepared = this.controls.get(statement);
    if (!prepared) {
      prepared = this.db.prepare(statement);
      this.controls.set(statement, prepared);
    }
    prepared.run();
  }

  async close(): Promise<void> {
    while (this.holder !== null) await this.holder.done;
    if (this.db.open) this.db.close();
  }
}

async function savepoint<T>(state: TxState, exec: (q: string) => void | Promise<unknown>, fn: () => Promise<T>): Promise<T> {
  const name = `tandem_${++state.depth}`;
  const hooks = state.hooks.length;
  await exec(`SAVEPOINT ${name}`);
  try {
    const result = await fn();
    await exec(`RELEASE ${name}`);
    return result;
  } catch (error) {
    // What it asked to run at the commit goes with it.
    state.hooks.length = hooks;
    await exec(`ROLLBACK TO ${name}`);
    await exec(`RELEASE ${name}`);
    throw error;
  } finally {
    state.depth -= 1;
  }
}

// ------------------------------------------------------------------------------ PostgreSQL

/** `?` placeholders become `$1, $2, …` (outside quoted text); kept per statement. */
const numbered = new Map<string, string>();
export function numberPlaceholders(source: string): string {
  let converted = numbered.get(source);
  if (converted !== undefined) return converted;
  let n = 0;
  let quote: string | null = null;
  converted = '';
  for (const ch of source) {
    if (quote) {
      if (ch === quote) quote = null;
      converted += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      converted += ch;
    } else converted += ch === '?' ? `$${++n}` : ch;
  }
  numbered.set(source, converted);
  return converted;
}

// BIGINT (ms since the epoch, counts) and SUM over them come back as numbers, not strings:
// every one Tandem stores is far below 2^53.
const int8 = 20;
const numeric = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8 || oid === numeric) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

export interface PostgresConnection {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  max?: number;
}

export class PostgresSql extends CallerTransactions implements Sql {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  private closed = false;

  constructor(connection: PostgresConnection, private readonly trace?: (sql: string) => void) {
    super();
    this.pool = new pg.Pool({ max: 10, ...connection, types });
    // An idle client that loses its server (restart, network) must not crash the process;
    // the next query gets a fresh one or fails with the reason.
    this.pool.on('error', () => undefined);
  }

  get open(): boolean {
    return !this.closed;
  }


  private async query<T extends pg.QueryResultRow>(text: Text, params: readonly Param[]): Promise<pg.QueryResult<T>> {
    const source = numberPlaceholders(textFor(text, 'postgres'));
    this.trace?.(source);
    const state = this.als.getStore();
    const target = state?.active && state.client ? state.client : this.pool;
    return target.query<T>(source, params as Param[]);
  }

  async all<T>(text: Text, params: readonly Param[] = []): Promise<T[]> {
    return (await this.query<pg.QueryResultRow>(text, params)).rows as T[];
  }

  async get<T>(text: Text, params: readonly Param[] = []): Promise<T | undefined> {
    return (await this.query<pg.QueryResultRow>(text, params)).rows[0] as T | undefined;
  }

  async value<T>(text: Text, params: readonly Param[] = []): Promise<T | undefined> {
    const result = await this.query<pg.QueryResultRow>(text, params);
    const first = result.fields[0];
    return first && result.rows[0] ? (result.rows[0][first.name] as T) : undefined;
  }

  async run(text: Text, params: readonly Param[] = []): Promise<number> {
    return (await this.query(text, params)).rowCount ?? 0;
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    const outer = this.als.getStore();
    if (outer?.active && outer.client) {
      const client = outer.client;
      return savepoint(outer, (q) => client.query(q), fn);
    }
    const client = await this.pool.connect();
    const state = newTx(client);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await this.als.run(state, () => body(state, fn));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      state.active = false;
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/**
 * A statement that reads a JSON array parameter as rows (column `value`): written with SQLite's
 * `json_each(?)`, it gets PostgreSQL's `json_array_elements_text(CAST(? AS json))` as its twin.
 * Lists of ids go in as one parameter, so a statement's text does not change with their number.
 */
export function withJsonList(sqlite: string): { sqlite: string; postgres: string } {
  return { sqlite, postgres: sqlite.replaceAll('json_each(?)', 'json_array_elements_text(CAST(? AS json))') };
}
