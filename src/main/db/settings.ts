// Workspace settings: one row per key, the value as text (a number, or JSON for the checks). A key
// with no row takes its default, which the caller knows.
import type { Sql } from './sql';

export async function readSetting(sql: Sql, key: string): Promise<string | undefined> {
  return sql.value<string>('SELECT value FROM setting WHERE key = ?', [key]);
}

export async function writeSetting(sql: Sql, key: string, value: string): Promise<void> {
  await sql.run('INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}

/** Any number: the lock changes to the settings take on PostgreSQL (pg_advisory_xact_lock). */
const settingsLock = 0x73657474; // 'sett'

/**
 * Call inside a transaction that reads settings and then writes them, before the read. PostgreSQL
 * runs transactions side by side, and a setting still at its default has no row to lock: changes
 * wait for each other here instead, so each reads what the one before it wrote (and nothing the
 * other added is lost). SQLite's BEGIN IMMEDIATE already admits one writer at a time.
 */
export async function lockSettings(sql: Sql): Promise<void> {
  if (sql.engine === 'postgres') await sql.run('SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))', [settingsLock]);
}
