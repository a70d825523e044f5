// People: user profiles, their role grants, and the look-ups into the audit trail that sign-in
// makes (how many wrong passphrases a username had since it last signed in). Grants are re-read on
// every check by the caller, so nothing here is cached.
import type { Sql } from './sql';
import type { Grant, Role, User } from '../../shared/domain';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  created_at: number;
  deactivated_at: number | null;
}

interface GrantRow {
  id: string;
  user_id: string;
  role: Role;
  channel_id: string | null;
  expires_at: number | null;
  granted_by: string;
  granted_at: number;
  revoked_at: number | null;
}

/** What sign-in compares a passphrase with. */
export interface Credentials {
  id: string;
  username: string;
  passHash: string;
  /** An administrator deactivated the profile: the right passphrase no longer signs in. */
  deactivated: boolean;
}

export interface NewUser {
  id: string;
  username: string;
  displayName: string;
  passHash: string;
  createdAt: number;
}

export interface NewGrant {
  id: string;
  userId: string;
  role: Role;
  channelId: string | null;
  expiresAt: number | null;
  grantedBy: string;
  grantedAt: number;
}

const userColumns = 'id, username, display_name, created_at, deactivated_at';
const grantColumns = 'id, user_id, role, channel_id, expires_at, granted_by, granted_at, revoked_at';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    role: row.role,
    channelId: row.channel_id,
    expiresAt: iso(row.expires_at),
    grantedBy: row.granted_by,
    grantedAt: iso(row.granted_at)!,
    revokedAt: iso(row.revoked_at),
  };
}

function toUser(row: UserRow, grants: Grant[]): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    createdAt: iso(row.created_at)!,
    deactivatedAt: iso(row.deactivated_at),
    grants,
  };
}

// ------------------------------------------------------------------------------------ users

export async function countUsers(sql: Sql): Promise<number> {
  return (await sql.value<number>('SELECT COUNT(*) FROM "user"')) ?? 0;
}

/** Any number: the lock first-run set-up takes on PostgreSQL (pg_advisory_xact_lock). */
const bootstrapLock = 0x626f6f74; // 'boot'

/**
 * Call inside the first-run transaction, before checking that nobody is there yet. PostgreSQL
 * runs transactions side by side and an empty table has no row to lock, so two first runs could
 * each find it empty and each make an administrator: they wait for each other here instead, and
 * the second then finds the first's profile. SQLite's BEGIN IMMEDIATE already admits one writer.
 */
export async function lockForBootstrap(sql: Sql): Promise<void> {
  if (sql.engine === 'postgres') await sql.run('SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))', [bootstrapLock]);
}

/** The profile and every grant it ever had (revoked and expired ones too), oldest first. */
export async function getUser(sql: Sql, id: string): Promise<User | undefined> {
  const row = await sql.get<UserRow>(`SELECT ${userColumns} FROM "user" WHERE id = ?`, [id]);
  return row && toUser(row, await listGrants(sql, row.id));
}

/**
 * Every profile by username, each with its grants: two queries whatever the number of people.
 * Ordered by the usernames' bytes on both engines (PostgreSQL's database collation would
 * otherwise sort by the locale's rules, ignoring case and punctuation).
 */
export async function listUsers(sql: Sql): Promise<User[]> {
  const rows = await sql.all<UserRow>({
    sqlite: `SELECT ${userColumns} FROM "user" ORDER BY username`,
    postgres: `SELECT ${userColumns} FROM "user" ORDER BY username COLLATE "C"`,
  });
  const grants = new Map<string, Grant[]>();
  for (const row of await sql.all<GrantRow>(`SELECT ${grantColumns} FROM role_grant ORDER BY granted_at, id`)) {
    const list = grants.get(row.user_id);
    if (list) list.push(toGrant(row));
    else grants.set(row.user_id, [toGrant(row)]);
  }
  return rows.map((row) => toUser(row, grants.get(row.id) ?? []));
}

/** Usernames are compared exactly (case included), as the unique constraint compares them. */
export async function credentialsFor(sql: Sql, username: string): Promise<Credentials | undefined> {
  const row = await sql.get<{ id: string; username: string; pass_hash: string; deactivated_at: number | null }>(
    'SELECT id, username, pass_hash, deactivated_at FROM "user" WHERE username = ?',
    [username],
  );
  return row && { id: row.id, username: row.username, passHash: row.pass_hash, deactivated: row.deactivated_at !== null };
}

/**
 * Adds a profile; false if the username is taken. The conflict is left to the database rather
 * than raised as an error because a failed statement aborts a PostgreSQL transaction (and an
 * error's wording differs between the engines).
 */
export async function insertUser(sql: Sql, u: NewUser): Promise<boolean> {
  const added = await sql.run(
    `INSERT INTO "user" (id, username, display_name, pass_hash, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (username) DO NOTHING`,
    [u.id, u.username, u.displayName, u.passHash, u.createdAt],
  );
  return added > 0;
}

// ----------------------------------------------------------------------------------- grants

/** Every grant the user ever had, in the order they were given. */
export async function listGrants(sql: Sql, userId: string): Promise<Grant[]> {
  const rows = await sql.all<GrantRow>(`SELECT ${grantColumns} FROM role_grant WHERE user_id = ? ORDER BY granted_at, id`, [userId]);
  return rows.map(toGrant);
}

/** A grant and whose it is. */
export async function getGrant(sql: Sql, id: string): Promise<{ userId: string; grant: Grant } | undefined> {
  const row = await sql.get<GrantRow>(`SELECT ${grantColumns} FROM role_grant WHERE id = ?`, [id]);
  return row && { userId: row.user_id, grant: toGrant(row) };
}

export async function insertGrant(sql: Sql, g: NewGrant): Promise<void> {
  await sql.run(
    `INSERT INTO role_grant (id, user_id, role, channel_id, expires_at, granted_by, granted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [g.id, g.userId, g.role, g.channelId, g.expiresAt, g.grantedBy, g.grantedAt],
  );
}

/** Revokes the grant unless it already was; true if this call revoked it. */
export async function revokeGrant(sql: Sql, id: string, at: number, by: string): Promise<boolean> {
  const changed = await sql.run('UPDATE role_grant SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL', [
    at,
    by,
    id,
  ]);
  return changed > 0;
}

/**
 * Call first inside a transaction that changes roles. Who may change roles, and whether an
 * administrator would remain, both depend on the administrators' grants: on PostgreSQL they are
 * locked (FOR UPDATE, in id order so two role changes cannot deadlock), and a second role change
 * waits here until the first commits, then reads what it did. On SQLite BEGIN IMMEDIATE already
 * admits one writer at a time, and this is only a read.
 */
export async function lockAdminGrants(sql: Sql): Promise<void> {
  await sql.all({
    sqlite: "SELECT id FROM role_grant WHERE role = 'admin' AND revoked_at IS NULL ORDER BY id",
    postgres: "SELECT id FROM role_grant WHERE role = 'admin' AND revoked_at IS NULL ORDER BY id FOR UPDATE",
  });
}

/**
 * Active administrator grants that never expire, of people who may still sign in (a deactivated
 * person's grants keep nobody administering Tandem), leaving out one grant or one person's.
 */
export async function countPermanentAdminGrants(sql: Sql, except: { grant: string } | { user: string }): Promise<number> {
  const [column, value] = 'grant' in except ? ['g.id', except.grant] : ['g.user_id', except.user];
  return (
    (await sql.value<number>(
      `SELECT COUNT(*) FROM role_grant g JOIN "user" u ON u.id = g.user_id
       WHERE g.role = 'admin' AND g.revoked_at IS NULL AND g.expires_at IS NULL AND u.deactivated_at IS NULL AND ${column} <> ?`,
      [value],
    )) ?? 0
  );
}

/** Marks the profile deactivated; false if it already was (or does not exist). */
export async function deactivateUser(sql: Sql, userId: string, at: number): Promise<boolean> {
  return (await sql.run('UPDATE "user" SET deactivated_at = ? WHERE id = ? AND deactivated_at IS NULL', [at, userId])) === 1;
}

/** Whether the account pair a grant would be scoped to exists. */
export async function channelExists(sql: Sql, id: string): Promise<boolean> {
  return (await sql.get('SELECT 1 FROM channel WHERE id = ?', [id])) !== undefined;
}

// ------------------------------------------------------------------------ sign-in, from the trail

/** The seq of the subject's last sign-in, 0 if none: failures before it no longer count. */
const lastSignIn = `COALESCE((SELECT MAX(seq) FROM audit_event WHERE subject = ? AND action = 'auth.signedIn'), 0)`;

/** Wrong passphrases recorded for the subject after `since` and after its last sign-in. */
export async function failedSignInsSince(sql: Sql, subject: string, since: number): Promise<number> {
  return (
    (await sql.value<number>(
      `SELECT COUNT(*) FROM audit_event WHERE subject = ? AND action = 'auth.failed' AND at > ? AND seq > ${lastSignIn}`,
      [subject, since, subject],
    )) ?? 0
  );
}

/** Whether a lock of the subject was recorded after `since` and after its last sign-in. */
export async function lockRecordedSince(sql: Sql, subject: string, since: number): Promise<boolean> {
  const row = await sql.get(
    `SELECT 1 FROM audit_event WHERE subject = ? AND action = 'auth.locked' AND at > ? AND seq > ${lastSignIn} LIMIT 1`,
    [subject, since, subject],
  );
  return row !== undefined;
}

// --------------------------------------------------------------------------------- sessions
// A session row holds the SHA-256 of its token, never the token. Every call reads its session with
// its person, so an ended or expired session stops working at the next call, on any instance.

export interface NewSession {
  id: string;
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface LiveSession {
  id: string;
  userId: string;
  expiresAt: number;
}

export async function insertSession(sql: Sql, s: NewSession): Promise<void> {
  await sql.run('INSERT INTO session (id, token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
    s.id,
    s.tokenHash,
    s.userId,
    s.createdAt,
    s.expiresAt,
  ]);
}

const live = 'revoked_at IS NULL AND expires_at > ?';

/** The session with this id, if it is still live at `now`. */
export async function liveSession(sql: Sql, id: string, now: number): Promise<LiveSession | undefined> {
  return sql.get<LiveSession>(`SELECT id, user_id AS "userId", expires_at AS "expiresAt" FROM session WHERE id = ? AND ${live}`, [id, now]);
}

/** The session this token hash names, if it is still live at `now`. */
export async function liveSessionByToken(sql: Sql, tokenHash: string, now: number): Promise<LiveSession | undefined> {
  return sql.get<LiveSession>(`SELECT id, user_id AS "userId", expires_at AS "expiresAt" FROM session WHERE token_hash = ? AND ${live}`, [
    tokenHash,
    now,
  ]);
}

/** Moves a live session's expiry later (a session in use stays open). */
export async function extendSession(sql: Sql, id: string, expiresAt: number, now: number): Promise<void> {
  await sql.run(`UPDATE session SET expires_at = ? WHERE id = ? AND ${live} AND expires_at < ?`, [expiresAt, id, now, expiresAt]);
}

/** Forgets sessions that ended (expired or ended by a person) before `before`; how many. */
export async function deleteEndedSessions(sql: Sql, before: number): Promise<number> {
  return sql.run('DELETE FROM session WHERE (revoked_at IS NOT NULL AND revoked_at < ?) OR expires_at < ?', [before, before]);
}

/** Ends one session; whether it was live. */
export async function revokeSession(sql: Sql, id: string, at: number, why: string): Promise<boolean> {
  return (await sql.run(`UPDATE session SET revoked_at = ?, revoked_why = ? WHERE id = ? AND ${live}`, [at, why, id, at])) === 1;
}

/** Ends every live session of a person (but `keep`, if given); the ids ended. */
export async function revokeSessionsOf(sql: Sql, userId: string, at: number, why: string, keep: string | null = null): Promise<string[]> {
  const rows = await sql.all<{ id: string }>(
    `UPDATE session SET revoked_at = ?, revoked_why = ? WHERE user_id = ? AND ${live} AND id <> ? RETURNING id`,
    [at, why, userId, at, keep ?? ''],
  );
  return rows.map((r) => r.id);
}

/** A new passphrase for a profile; false when there is no such profile. */
export async function setPassHash(sql: Sql, userId: string, passHash: string): Promise<boolean> {
  return (await sql.run('UPDATE "user" SET pass_hash = ? WHERE id = ?', [passHash, userId])) > 0;
}
