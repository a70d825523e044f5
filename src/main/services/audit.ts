// Append-only audit trail. Each event carries the hash of the one before it, so any edit or
// deletion made behind the app's back (the table also refuses UPDATE and DELETE) is detectable.
import { createHash } from 'node:crypto';
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { AuditAction } from '../../shared/audit-actions';

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

const genesis = '0'.repeat(64);

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Call inside the transaction that makes the change, so the change and its record commit together. */
  append(actor: string, action: AuditAction, subject: string, detail: AuditDetail = {}): void {
    const last = this.db.prepare('SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1').pluck().get() as
      | string
      | undefined;
    const prevHash = last ?? genesis;
    const at = this.clock.now();
    const detailJson = JSON.stringify(detail);
    const hash = hashEvent(prevHash, at, actor, action, subject, detailJson);
    this.db
      .prepare(
        'INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(at, actor, action, subject, detailJson, prevHash, hash);
  }

  list(subject?: string): AuditEvent[] {
    const rows = (
      subject === undefined
        ? this.db.prepare('SELECT * FROM audit_event ORDER BY seq').all()
        : this.db.prepare('SELECT * FROM audit_event WHERE subject = ? ORDER BY seq').all(subject)
    ) as AuditRow[];
    return rows.map(toEvent);
  }

  /** Newest first, filtered; actor and action match as prefixes, case-insensitively. */
  query(filter: AuditFilter): AuditEvent[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.actor) {
      where.push("actor LIKE ? ESCAPE '\\'");
      params.push(likePrefix(filter.actor));
    }
    if (filter.action) {
      where.push("action LIKE ? ESCAPE '\\'");
      params.push(likePrefix(filter.action));
    }
    if (filter.subject) {
      where.push('subject = ?');
      params.push(filter.subject);
    }
    if (filter.from !== undefined) {
      where.push('at >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('at <= ?');
      params.push(filter.to);
    }
    const sql = `SELECT * FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit) as AuditRow[]).map(toEvent);
  }

  /** Walks the chain; returns the sequence number of the first event that does not match, or null. */
  verify(): number | null {
    let prev = genesis;
    for (const row of this.db.prepare('SELECT * FROM audit_event ORDER BY seq').iterate() as Iterable<AuditRow>) {
      const expected = hashEvent(prev, row.at, row.actor, row.action, row.subject, row.detail);
      if (row.prev_hash !== prev || row.hash !== expected) return row.seq;
      prev = row.hash;
    }
    return null;
  }
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  subject?: string;
  from?: number;
  to?: number;
  limit: number;
}

function likePrefix(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

function toEvent(row: AuditRow): AuditEvent {
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

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

function hashEvent(prev: string, at: number, actor: string, action: string, subject: string, detail: string) {
  return createHash('sha256').update(JSON.stringify([prev, at, actor, action, subject, detail])).digest('hex');
}
