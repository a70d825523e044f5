// The audit trail's SQL: events appended and read along the chain, the signed checkpoint, the
// problems the checks recorded, and the append-only triggers (checked, and put back if removed).
// What the hashes mean and how the chain is judged is the AuditLog's (services/audit.ts).
import { auditProblemKinds } from '../../shared/audit-actions';
import type { AuditProblem } from '../../shared/contract';
import { withJsonList, type Sql } from './sql';
import type { AuditSubject } from '../../shared/contract';

export type AuditDetail = Record<string, string | number | boolean | null | string[]>;

export interface AuditEvent {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: AuditDetail;
  prevHash: string;
  hash: string;
}

/** An event as stored: `detail` is the JSON text that was hashed. */
export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

export function toEvent(row: AuditRow): AuditEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    detail: JSON.parse(row.detail) as AuditDetail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

// ---- appending ---------------------------------------------------------------------------

/** Any number: the lock appends take on PostgreSQL (pg_advisory_xact_lock). */
const auditLock = 0x61756469; // 'audi'

/**
 * Call first in the transaction that reads the last event and appends after it. Several servers
 * append to one table on PostgreSQL, and under READ COMMITTED two transactions could read the same
 * last event and fork the chain: appends wait for each other here instead, until the transaction
 * holding the lock ends (the caller's, when the append joined it), and the read after the lock
 * sees the event committed before. SQLite's BEGIN IMMEDIATE already admits one writer at a time.
 */
export async function lockAppends(sql: Sql): Promise<void> {
  if (sql.engine === 'postgres') await sql.run('SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))', [auditLock]);
}

export async function lastEvent(sql: Sql): Promise<{ seq: number; hash: string } | undefined> {
  return sql.get<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1');
}

export async function hashAt(sql: Sql, seq: number): Promise<string | undefined> {
  return sql.value<string>('SELECT hash FROM audit_event WHERE seq = ?', [seq]);
}

/** Rows per INSERT: 7 parameters each, well inside both engines' limits (SQLite 32,766; PostgreSQL 65,535). */
const rowsPerInsert = 500;

/** Appends events in the order given (each already chained to the one before it): one INSERT per 500. */
export async function insertEvents(sql: Sql, events: readonly Omit<AuditRow, 'seq'>[]): Promise<void> {
  for (let from = 0; from < events.length; from += rowsPerInsert) {
    const slice = events.slice(from, from + rowsPerInsert);
    await sql.run(
      `INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      slice.flatMap((e) => [e.at, e.actor, e.action, e.subject, e.detail, e.prev_hash, e.hash]),
    );
  }
}

// ---- reading along the chain ---------------------------------------------------------------

/** Up to `limit` events after `after`, in order: read page by page (by seq), never all at once. */
export async function eventsAfter(sql: Sql, after: number, limit: number): Promise<AuditRow[]> {
  return sql.all<AuditRow>('SELECT * FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?', [after, limit]);
}

/** Up to `limit` events after `after` and up to `through`, in order (one slice of a re-check). */
export async function eventsBetween(sql: Sql, after: number, through: number, limit: number): Promise<AuditRow[]> {
  return sql.all<AuditRow>('SELECT * FROM audit_event WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?', [
    after,
    through,
    limit,
  ]);
}

export async function listEvents(sql: Sql, subject?: string): Promise<AuditEvent[]> {
  const rows =
    subject === undefined
      ? await sql.all<AuditRow>('SELECT * FROM audit_event ORDER BY seq')
      : await sql.all<AuditRow>('SELECT * FROM audit_event WHERE subject = ? ORDER BY seq', [subject]);
  return rows.map(toEvent);
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Exactly these actors (a person found by name); an empty list matches nothing. */
  actors?: readonly string[];
  /** Exactly these actions (chosen by their names in the reader's language). */
  actions?: readonly string[];
  /** Older than this event: the next page. */
  before?: number;
  subject?: string;
  from?: number;
  to?: number;
  limit: number;
}

/** Newest first, filtered; actor and action match as prefixes, case-insensitively. */
export async function queryEvents(sql: Sql, filter: AuditFilter): Promise<AuditEvent[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  // LIKE ignores case on SQLite only: both sides are lowered, so PostgreSQL matches the same.
  if (filter.actor) {
    where.push("lower(actor) LIKE lower(?) ESCAPE '\\'");
    params.push(likePrefix(filter.actor));
  }
  if (filter.action) {
    where.push("lower(action) LIKE lower(?) ESCAPE '\\'");
    params.push(likePrefix(filter.action));
  }
  if (filter.actors !== undefined) {
    if (filter.actors.length === 0) return [];
    where.push(`actor IN (${filter.actors.map(() => '?').join(', ')})`);
    params.push(...filter.actors);
  }
  if (filter.actions !== undefined && filter.actions.length > 0) {
    where.push(`action IN (${filter.actions.map(() => '?').join(', ')})`);
    params.push(...filter.actions);
  }
  if (filter.before !== undefined) {
    where.push('seq < ?');
    params.push(Math.floor(filter.before));
  }
  if (filter.subject) {
    where.push('subject = ?');
    params.push(filter.subject);
  }
  if (filter.from !== undefined) {
    where.push('at >= ?');
    params.push(Math.floor(filter.from));
  }
  if (filter.to !== undefined) {
    where.push('at <= ?');
    params.push(Math.floor(filter.to));
  }
  const text = `SELECT * FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
  return (await sql.all<AuditRow>(text, [...params, Math.floor(filter.limit)])).map(toEvent);
}

function likePrefix(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

// ---- what the checks recorded --------------------------------------------------------------

/** The problems recorded in the trail (`audit.integrityFailed`), oldest first. */
export async function recordedProblems(sql: Sql): Promise<AuditProblem[]> {
  const rows = await sql.all<{ seq: number; detail: string }>(
    "SELECT seq, detail FROM audit_event WHERE subject = 'audit' AND action = 'audit.integrityFailed' ORDER BY seq",
  );
  const problems: AuditProblem[] = [];
  for (const row of rows) {
    const detail = JSON.parse(row.detail) as { problem?: unknown; seq?: unknown; count?: unknown };
    const kind = auditProblemKinds.find((k) => k === detail.problem);
    if (!kind) continue;
    const problem: AuditProblem = { kind, seq: typeof detail.seq === 'number' ? detail.seq : row.seq };
    if (typeof detail.count === 'number') problem.count = detail.count;
    problems.push(problem);
  }
  return problems;
}

/** The signed record of the last verified event kept in the database (one row), if any. */
export async function readCheckpoint(sql: Sql): Promise<{ body: string; mac: string } | undefined> {
  return sql.get<{ body: string; mac: string }>('SELECT body, mac FROM audit_checkpoint WHERE id = 1');
}

export async function writeCheckpoint(sql: Sql, body: string, mac: string): Promise<void> {
  await sql.run(
    'INSERT INTO audit_checkpoint (id, body, mac) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, mac = excluded.mac',
    [body, mac],
  );
}

// ---- the append-only triggers --------------------------------------------------------------

// As migration 001 creates them (SQLite): compared with what sqlite_master holds, put back as is.
const sqliteTriggers: Record<string, string> = {
  audit_event_no_update: `CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END`,
  audit_event_no_delete: `CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END`,
};

// As migration 001's PostgreSQL twin creates them: compared with what pg_get_triggerdef prints
// (the same words), put back as is. PostgreSQL's TRUNCATE skips row triggers, hence the third.
const postgresTriggers: Record<string, string> = {
  audit_event_no_update: `CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`,
  audit_event_no_delete: `CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`,
  audit_event_no_truncate: `CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`,
};
/** The triggers' function body, as migration 001 writes it (compared with pg_proc.prosrc). */
const postgresRefusal = `
BEGIN
  RAISE EXCEPTION 'audit_event is append-only';
END `;
/** Migration 001's function, made able to replace one changed since. */
const postgresFunction = `CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$${postgresRefusal}$$`;

const sameSql = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();
const quotedName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The statements that put the append-only triggers back as the migration made them; none when they are. */
async function triggerRepairs(sql: Sql): Promise<string[]> {
  const repairs: string[] = [];
  let ours: Record<string, string>;
  let found: Map<string, string>;
  if (sql.engine === 'sqlite') {
    ours = sqliteTriggers;
    const rows = await sql.all<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'",
    );
    found = new Map(rows.map((t) => [t.name, t.sql]));
    for (const [name, text] of found) {
      // A trigger of someone else's on the table could rewrite what Tandem records.
      if (!Object.hasOwn(ours, name)) repairs.push(`DROP TRIGGER ${quotedName(name)}`);
      else if (!sameSql(text, ours[name]!)) {
        repairs.push(`DROP TRIGGER ${name}`);
        found.delete(name);
      }
    }
  } else {
    ours = postgresTriggers;
    // The function does the refusing: one that no longer refuses empties every trigger at once.
    const refusal = await sql.get<{ language: string; source: string }>(
      `SELECT l.lanname AS language, p.prosrc AS source FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
       WHERE p.oid = to_regprocedure('audit_event_append_only()')`,
    );
    if (!refusal || refusal.language !== 'plpgsql' || !sameSql(refusal.source, postgresRefusal)) repairs.push(postgresFunction);
    // Internal triggers (foreign keys) are PostgreSQL's own. A disabled trigger ('D', or 'R':
    // replicas only) is as good as gone.
    const rows = await sql.all<{ name: string; definition: string; enabled: string }>(
      `SELECT tgname AS name, pg_get_triggerdef(oid, true) AS definition, tgenabled AS enabled FROM pg_trigger
       WHERE tgrelid = to_regclass('audit_event') AND NOT tgisinternal`,
    );
    found = new Map();
    for (const t of rows) {
      // A trigger of someone else's on the table could rewrite what Tandem records.
      if (!Object.hasOwn(ours, t.name)) repairs.push(`DROP TRIGGER ${quotedName(t.name)} ON audit_event`);
      else if (!sameSql(t.definition, ours[t.name]!) || (t.enabled !== 'O' && t.enabled !== 'A'))
        repairs.push(`DROP TRIGGER ${t.name} ON audit_event`);
      else found.set(t.name, t.definition);
    }
  }
  for (const [name, text] of Object.entries(ours)) if (!found.has(name)) repairs.push(text);
  return repairs;
}

/**
 * Puts back the append-only triggers if any was removed, changed or added; true if it had to.
 * Looking is a read; repairs run in one transaction under the append lock, looking again first,
 * so two processes (servers) finding the same gap do not both fill it.
 */
export async function restoreAppendOnly(sql: Sql): Promise<boolean> {
  if ((await triggerRepairs(sql)).length === 0) return false;
  return sql.tx(async () => {
    await lockAppends(sql);
    const repairs = await triggerRepairs(sql);
    for (const statement of repairs) await sql.run(statement);
    return repairs.length > 0;
  });
}

// ---- what the trail's subjects are, in words ---------------------------------------------------

const inList = (text: string) => withJsonList(text);

/**
 * What each subject of a page of events is, for a reader: a pair by its texts, an account pair by
 * its names, an account by its handle, a person by name, a role by whose and which. Subjects are
 * ids or `user:<username>` / `grant:<id>`; an id that names nothing (a pair never created, a
 * refused call's subject) is left out, and the reader sees it as written.
 */
export async function subjectLabels(sql: Sql, subjects: readonly string[]): Promise<Record<string, AuditSubject>> {
  const labels: Record<string, AuditSubject> = {};
  const ids = [...new Set(subjects.filter((s) => /^[0-9a-f-]{36}$/i.test(s)))];
  const usernames = [...new Set(subjects.flatMap((s) => (s.startsWith('user:') ? [s.slice(5)] : [])))];
  const grants = [...new Set(subjects.flatMap((s) => (s.startsWith('grant:') ? [s.slice(6)] : [])))];
  if (ids.length > 0) {
    const list = JSON.stringify(ids);
    for (const row of await sql.all<{ id: string; en_text: string; fr_text: string }>(
      inList('SELECT id, substr(en_text, 1, 120) AS en_text, substr(fr_text, 1, 120) AS fr_text FROM post_pair WHERE id IN (SELECT value FROM json_each(?))'),
      [list],
    )) {
      labels[row.id] = { kind: 'pair', en: row.en_text, fr: row.fr_text };
    }
    for (const row of await sql.all<{ id: string; name: string; name_fr: string; platform: string }>(
      inList('SELECT id, name, name_fr, platform FROM channel WHERE id IN (SELECT value FROM json_each(?))'),
      [list],
    )) {
      labels[row.id] = { kind: 'channel', name: row.name, nameFr: row.name_fr || row.name, platform: row.platform };
    }
    for (const row of await sql.all<{ id: string; handle: string; platform: string; lang: string }>(
      inList('SELECT id, handle, platform, lang FROM account WHERE id IN (SELECT value FROM json_each(?))'),
      [list],
    )) {
      labels[row.id] = { kind: 'account', handle: row.handle, platform: row.platform, lang: row.lang === 'fr' ? 'fr' : 'en' };
    }
  }
  if (grants.length > 0) {
    for (const row of await sql.all<{ id: string; role: string; username: string; display_name: string }>(
      inList(
        'SELECT g.id, g.role, u.username, u.display_name FROM role_grant g JOIN "user" u ON u.id = g.user_id WHERE g.id IN (SELECT value FROM json_each(?))',
      ),
      [JSON.stringify(grants)],
    )) {
      labels[`grant:${row.id}`] = { kind: 'grant', role: row.role, username: row.username, displayName: row.display_name };
    }
  }
  if (usernames.length > 0) {
    for (const [username, displayName] of Object.entries(await displayNames(sql, usernames))) {
      labels[`user:${username}`] = { kind: 'person', username, displayName };
    }
  }
  return labels;
}

/** Display names by username, for those that name a person. */
export async function displayNames(sql: Sql, usernames: readonly string[]): Promise<Record<string, string>> {
  if (usernames.length === 0) return {};
  const rows = await sql.all<{ username: string; display_name: string }>(
    inList('SELECT username, display_name FROM "user" WHERE username IN (SELECT value FROM json_each(?))'),
    [JSON.stringify([...new Set(usernames)])],
  );
  return Object.fromEntries(rows.map((r) => [r.username, r.display_name]));
}
