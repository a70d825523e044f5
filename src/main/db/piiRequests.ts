// The pii_request table: drafters' requests to put a flagged number on the allow-list, and the
// administrator's decision on each.
import type { Db } from '.';
import type { PiiAllowRequest } from '../../shared/contract';
import type { PiiKind } from '../../shared/pii';

interface RequestRow {
  id: string;
  match: string;
  kind: string;
  requested_by_username: string;
  requested_by_name: string;
  requested_at: number;
  pair_id: string | null;
  decision: 'allowed' | 'dismissed' | null;
  decided_by_username: string | null;
  decided_at: number | null;
}

export interface NewPiiRequest {
  id: string;
  match: string;
  matchKey: string;
  kind: PiiKind;
  requestedBy: string;
  requestedAt: number;
  pairId: string | null;
}

const select = `
  SELECT r.id, r.match, r.kind, asker.username AS requested_by_username, asker.display_name AS requested_by_name,
         r.requested_at, r.pair_id, r.decision, decider.username AS decided_by_username, r.decided_at
  FROM pii_request r
  JOIN user asker ON asker.id = r.requested_by
  LEFT JOIN user decider ON decider.id = r.decided_by`;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toRequest(row: RequestRow): PiiAllowRequest {
  return {
    id: row.id,
    match: row.match,
    kind: row.kind as PiiKind,
    requestedBy: { username: row.requested_by_username, displayName: row.requested_by_name },
    requestedAt: iso(row.requested_at)!,
    pairId: row.pair_id,
    decision: row.decision,
    decidedBy: row.decided_by_username,
    decidedAt: iso(row.decided_at),
  };
}

export class PiiRequestStore {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      insert: db.prepare<[string, string, string, string, string, number, string | null]>(
        `INSERT INTO pii_request (id, match, match_key, kind, requested_by, requested_at, pair_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      byId: db.prepare<[string], RequestRow>(`${select} WHERE r.id = ?`),
      pendingByKey: db.prepare<[string], RequestRow>(`${select} WHERE r.match_key = ? AND r.decision IS NULL ORDER BY r.requested_at LIMIT 1`),
      pending: db.prepare<[], RequestRow>(`${select} WHERE r.decision IS NULL ORDER BY r.requested_at, r.id`),
      decideByKey: db.prepare<[string, string, number, string]>(
        `UPDATE pii_request SET decision = ?, decided_by = ?, decided_at = ?
         WHERE match_key = (SELECT match_key FROM pii_request WHERE id = ?) AND decision IS NULL`,
      ),
      pairExists: db.prepare<[string], number>('SELECT 1 FROM post_pair WHERE id = ?').pluck(),
    };
  }

  insert(request: NewPiiRequest): void {
    const r = request;
    this.statements.insert.run(r.id, r.match, r.matchKey, r.kind, r.requestedBy, r.requestedAt, r.pairId);
  }

  get(id: string): PiiAllowRequest | undefined {
    const row = this.statements.byId.get(id);
    return row && toRequest(row);
  }

  /** The request still waiting for this text (compared as the allow-list compares), if any. */
  pendingFor(matchKey: string): PiiAllowRequest | undefined {
    const row = this.statements.pendingByKey.get(matchKey);
    return row && toRequest(row);
  }

  pending(): PiiAllowRequest[] {
    return this.statements.pending.all().map(toRequest);
  }

  /** Decides this request and any other still waiting for the same text. */
  decide(id: string, decision: 'allowed' | 'dismissed', deciderId: string, at: number): void {
    this.statements.decideByKey.run(decision, deciderId, at, id);
  }

  pairExists(id: string): boolean {
    return this.statements.pairExists.get(id) !== undefined;
  }
}
