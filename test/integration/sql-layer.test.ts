// The data layer both engines share (src/main/db/sql.ts): a transaction follows its caller, so a
// write made by any module during `tx` commits or rolls back with it, and another caller's work
// is neither inside it nor lost. Runs on SQLite here and on PostgreSQL in the postgres project.
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine, newPostgresDatabase, openDirect } from '../engine';
import { tempDir } from '../support';
import type { Sql } from '../../src/main/db/sql';

let sql: Sql;
let dir: string;

beforeAll(async () => {
  dir = tempDir('tandem-sql-');
  sql = openDirect({ dbFile: path.join(dir, 'layer.db'), postgres: engine === 'postgres' ? await newPostgresDatabase() : undefined });
  await sql.run('CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
});

afterAll(async () => {
  await sql.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const bodies = async () => (await sql.all<{ body: string }>('SELECT body FROM note ORDER BY id')).map((r) => r.body);
/** Another module's write: it takes no transaction handle, yet joins the caller's transaction. */
const elsewhere = (id: number, body: string) => sql.run('INSERT INTO note (id, body) VALUES (?, ?)', [id, body]);

describe(`the data layer on ${engine}`, () => {
  it('a failed transaction takes back every write made during it, from any module', async () => {
    await sql.run('DELETE FROM note');
    await expect(
      sql.tx(async () => {
        await elsewhere(1, 'first');
        await elsewhere(2, 'second');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await bodies()).toEqual([]);
  });

  it("another caller's write during a transaction is not part of it and survives its rollback", async () => {
    await sql.run('DELETE FROM note');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inside = sql.tx(async () => {
      await elsewhere(1, 'inside');
      await held;
      throw new Error('rolled back');
    });
    // Outside the transaction: on SQLite it waits for the connection, on PostgreSQL it runs beside it.
    const outside = elsewhere(2, 'outside');
    release();
    await expect(inside).rejects.toThrow('rolled back');
    await outside;
    expect(await bodies()).toEqual(['outside']);
  });

  it('a nested transaction that fails takes back only its own writes', async () => {
    await sql.run('DELETE FROM note');
    await sql.tx(async () => {
      await elsewhere(1, 'kept');
      await sql.tx(async () => elsewhere(2, 'nested, kept'));
      await expect(sql.tx(async () => {
        await elsewhere(3, 'dropped too');
        throw new Error('inner');
      })).rejects.toThrow('inner');
      expect(sql.inTransaction).toBe(true);
    });
    expect(sql.inTransaction).toBe(false);
    expect(await bodies()).toEqual(['kept', 'nested, kept']);
  });

  it('a question mark inside quoted text is text, not a parameter', async () => {
    await sql.run('DELETE FROM note');
    await sql.run("INSERT INTO note (id, body) VALUES (?, 'Pourquoi ? Parce que.')", [1]);
    expect(await sql.value<string>("SELECT body FROM note WHERE body LIKE '%?%' AND id = ?", [1])).toBe('Pourquoi ? Parce que.');
  });

  it('counts and large integers come back as numbers on both engines', async () => {
    expect(await sql.value<number>('SELECT COUNT(*) FROM note')).toBe(1);
    expect(await sql.value<number>('SELECT CAST(? AS BIGINT)', [1_764_633_600_000])).toBe(1_764_633_600_000);
  });
});
