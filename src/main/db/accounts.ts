// Accounts and account pairs ("channels"): their rows, read back as domain objects, and the few
// writes registration and settings make. Handles compare case-insensitively on both engines:
// SQLite's unique constraint is COLLATE NOCASE, PostgreSQL's a unique index on lower(handle), so
// look-ups compare lower() to lower() (SQLite's lower() folds ASCII only, as NOCASE does).
import type { Account, Channel, Lang, Platform } from '../../shared/domain';
import { defaultLimits, type PlatformLimits } from '../../shared/limits';
import type { Sql } from './sql';

export interface AccountRow {
  id: string;
  platform: Platform;
  lang: Lang;
  handle: string;
  display_name: string;
  status: Account['status'];
  credential_set_at: number | null;
  limits: string | null;
}

interface ChannelRow {
  id: string;
  platform: Platform;
  name: string;
  name_fr: string;
  retired_at: number | string | null;
  en_account_id: string;
  fr_account_id: string;
  allow_self_approval: number;
}

/** The account's own limits (read from its instance when verified) over the platform's defaults. */
function limitsOf(row: AccountRow): PlatformLimits {
  const defaults = defaultLimits[row.platform];
  if (!row.limits) return defaults;
  try {
    const own = JSON.parse(row.limits) as Partial<PlatformLimits>;
    return { ...defaults, ...own, counting: defaults.counting };
  } catch {
    return defaults;
  }
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    platform: row.platform,
    lang: row.lang,
    handle: row.handle,
    displayName: row.display_name,
    status: row.status,
    credentialSetAt: row.credential_set_at === null ? null : new Date(row.credential_set_at).toISOString(),
    limits: limitsOf(row),
  };
}

function toChannel(row: ChannelRow, accounts: ReadonlyMap<string, AccountRow>): Channel {
  // Accounts are never removed, and a channel's two are written with it: both are there.
  return {
    id: row.id,
    platform: row.platform,
    name: row.name,
    nameFr: row.name_fr || row.name,
    retiredAt: row.retired_at === null ? null : new Date(Number(row.retired_at)).toISOString(),
    en: toAccount(accounts.get(row.en_account_id)!),
    fr: toAccount(accounts.get(row.fr_account_id)!),
    allowSelfApproval: row.allow_self_approval === 1,
  };
}

const byId = (rows: readonly AccountRow[]) => new Map(rows.map((row) => [row.id, row]));

// By name, case-insensitively, then id. PostgreSQL would otherwise sort by the database's locale
// (which may skip spaces and punctuation); "C" compares code points as SQLite does, so a team's
// list is in the same order as a desk's.
const channelsSql = {
  sqlite: 'SELECT * FROM channel ORDER BY lower(name), id',
  postgres: 'SELECT * FROM channel ORDER BY lower(name) COLLATE "C", id COLLATE "C"',
};

/** Every account pair: two queries however many there are. */
export async function listChannels(sql: Sql): Promise<Channel[]> {
  const rows = await sql.all<ChannelRow>(channelsSql);
  if (rows.length === 0) return [];
  const accounts = await sql.all<AccountRow>(
    'SELECT * FROM account WHERE id IN (SELECT en_account_id FROM channel UNION ALL SELECT fr_account_id FROM channel)',
  );
  const accountById = byId(accounts);
  return rows.map((row) => toChannel(row, accountById));
}

/** One account pair with its two accounts. */
export async function getChannel(sql: Sql, channelId: string): Promise<Channel | undefined> {
  const row = await sql.get<ChannelRow>('SELECT * FROM channel WHERE id = ?', [channelId]);
  if (!row) return undefined;
  const accounts = await sql.all<AccountRow>('SELECT * FROM account WHERE id IN (?, ?)', [
    row.en_account_id,
    row.fr_account_id,
  ]);
  return toChannel(row, byId(accounts));
}

/** The account pair an account belongs to (each account is in exactly one). */
export async function channelIdOfAccount(sql: Sql, accountId: string): Promise<string | undefined> {
  return sql.value<string>('SELECT id FROM channel WHERE en_account_id = ? OR fr_account_id = ?', [
    accountId,
    accountId,
  ]);
}

export async function getAccount(sql: Sql, accountId: string): Promise<Account | undefined> {
  const row = await sql.get<AccountRow>('SELECT * FROM account WHERE id = ?', [accountId]);
  return row && toAccount(row);
}

/** Whether an account on this platform already has this handle, in any case. */
export async function handleTaken(sql: Sql, platform: Platform, handle: string): Promise<boolean> {
  const taken = await sql.value<number>('SELECT 1 FROM account WHERE platform = ? AND lower(handle) = lower(?)', [
    platform,
    handle,
  ]);
  return taken !== undefined;
}

export interface NewAccount {
  id: string;
  platform: Platform;
  lang: Lang;
  handle: string;
  displayName: string;
  remoteUserId: string;
  /** The account's own limits where they differ from the platform's (a Mastodon instance's). */
  limits?: PlatformLimits;
  /** When it was created, and its credentials set. */
  at: number;
}

/** A verified account; its credentials are already in the keychain. */
export async function insertAccount(sql: Sql, account: NewAccount): Promise<void> {
  await sql.run(
    `INSERT INTO account
       (id, platform, lang, handle, display_name, status, credential_set_at, created_at, remote_user_id, limits)
     VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
    [
      account.id,
      account.platform,
      account.lang,
      account.handle,
      account.displayName,
      account.at,
      account.at,
      account.remoteUserId,
      account.limits ? JSON.stringify(account.limits) : null,
    ],
  );
}

export interface NewChannel {
  id: string;
  platform: Platform;
  name: string;
  nameFr: string;
  enAccountId: string;
  frAccountId: string;
  at: number;
}

export async function insertChannel(sql: Sql, channel: NewChannel): Promise<void> {
  await sql.run(
    'INSERT INTO channel (id, platform, name, name_fr, en_account_id, fr_account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [channel.id, channel.platform, channel.name, channel.nameFr, channel.enAccountId, channel.frAccountId, channel.at],
  );
}

/** New credentials were verified for the account: it is active again, with what the platform said of it. */
export async function markCredentialsSet(
  sql: Sql,
  accountId: string,
  at: number,
  remoteUserId: string,
  limits: PlatformLimits | undefined,
): Promise<void> {
  await sql.run(
    "UPDATE account SET status = 'active', credential_set_at = ?, remote_user_id = ?, limits = ? WHERE id = ?",
    [at, remoteUserId, limits ? JSON.stringify(limits) : null, accountId],
  );
}

export async function setSelfApproval(sql: Sql, channelId: string, allowed: boolean): Promise<void> {
  await sql.run('UPDATE channel SET allow_self_approval = ? WHERE id = ?', [allowed ? 1 : 0, channelId]);
}

/**
 * Whether a write failed on a constraint: SQLite reports SQLITE_CONSTRAINT_* (any constraint, as
 * Tandem always treated it), PostgreSQL unique_violation (23505).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error) || !('code' in error)) return false;
  const code = String(error.code);
  return code.startsWith('SQLITE_CONSTRAINT') || code === '23505';
}

/** New names for an account pair; false when there is no such pair. */
export async function renameChannel(sql: Sql, channelId: string, name: string, nameFr: string): Promise<boolean> {
  return (await sql.run('UPDATE channel SET name = ?, name_fr = ? WHERE id = ?', [name, nameFr, channelId])) > 0;
}

/** Retires an account pair (once: a retired pair keeps its first date). */
export async function retireChannel(sql: Sql, channelId: string, at: number): Promise<boolean> {
  return (await sql.run('UPDATE channel SET retired_at = ? WHERE id = ? AND retired_at IS NULL', [at, channelId])) > 0;
}

/** How many pairs on this account pair are on their way out (scheduled or publishing). */
export async function pairsUnderway(sql: Sql, channelId: string): Promise<number> {
  const count = await sql.value<number | string>(
    `SELECT count(*) FROM pair_channel pc JOIN post_pair p ON p.id = pc.pair_id
      WHERE pc.channel_id = ? AND p.status IN ('scheduled', 'publishing')`,
    [channelId],
  );
  return Number(count ?? 0);
}
