// A desk's own file beside a team workspace (remote/workspace.ts): a copy of what its person may
// see, the answers it needs to show the app while the workspace cannot be reached, the images it
// was given, and the changes made offline (the outbox) in the order they were made. It is a copy:
// leaving the workspace deletes it; the outbox is the only thing in it that exists nowhere else.
import Database from 'better-sqlite3';

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS pair (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, json TEXT NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS pair_created ON pair (created_at DESC, id);
CREATE TABLE IF NOT EXISTS answer (key TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS media (id TEXT PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  mutation_id TEXT NOT NULL UNIQUE,
  person TEXT NOT NULL,
  method TEXT NOT NULL,
  input TEXT NOT NULL,
  pair_id TEXT,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'conflict', 'refused')),
  error TEXT,
  created_at INTEGER NOT NULL
) STRICT;
`;

export interface OutboxRow {
  id: number;
  mutation_id: string;
  person: string;
  method: string;
  input: string;
  pair_id: string | null;
  state: 'waiting' | 'conflict' | 'refused';
  error: string | null;
  created_at: number;
}

export class OfflineCopyStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(schema);
  }

  meta(key: string): string | null {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
    else this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Stores pairs (JSON as the workspace gave them); with `only`, drops every pair not named in it afterwards. */
  putPairs(pairs: readonly { id: string; createdAt: string }[], only?: ReadonlySet<string>): void {
    const put = this.db.prepare('INSERT INTO pair (id, created_at, json) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, json = excluded.json');
    this.db.transaction(() => {
      for (const pair of pairs) put.run(pair.id, pair.createdAt, JSON.stringify(pair));
      if (only) {
        const drop = this.db.prepare('DELETE FROM pair WHERE id = ?');
        for (const id of this.db.prepare('SELECT id FROM pair').pluck().all() as string[]) if (!only.has(id)) drop.run(id);
      }
    })();
  }

  pair(id: string): string | null {
    return (this.db.prepare('SELECT json FROM pair WHERE id = ?').pluck().get(id) as string | undefined) ?? null;
  }

  /** Newest first, as the workspace lists them. */
  pairs(limit: number): string[] {
    return this.db.prepare('SELECT json FROM pair ORDER BY created_at DESC, id LIMIT ?').pluck().all(limit) as string[];
  }

  /** Every pair of the copy (the person's view: the queue and "Waiting for me" are answered from it offline). */
  allPairs(): string[] {
    return this.db.prepare('SELECT json FROM pair ORDER BY id').pluck().all() as string[];
  }

  pairCount(): number {
    return this.db.prepare('SELECT count(*) FROM pair').pluck().get() as number;
  }

  /** Forgets the copy (another person signs in here); the outbox stays with whoever wrote it. */
  clearCopy(): void {
    this.db.exec('DELETE FROM pair; DELETE FROM answer; DELETE FROM meta;');
  }

  answer(key: string): string | null {
    return (this.db.prepare('SELECT json FROM answer WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  setAnswer(key: string, json: string): void {
    this.db.prepare('INSERT INTO answer (key, json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json').run(key, json);
  }

  media(id: string): { mime: string; data: Buffer } | null {
    return (this.db.prepare('SELECT mime, data FROM media WHERE id = ?').get(id) as { mime: string; data: Buffer } | undefined) ?? null;
  }

  putMedia(id: string, mime: string, data: Buffer): void {
    this.db.prepare('INSERT INTO media (id, mime, data) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING').run(id, mime, data);
  }

  enqueue(row: Omit<OutboxRow, 'id' | 'state' | 'error'>): number {
    const info = this.db
      .prepare("INSERT INTO outbox (mutation_id, person, method, input, pair_id, state, created_at) VALUES (?, ?, ?, ?, ?, 'waiting', ?)")
      .run(row.mutation_id, row.person, row.method, row.input, row.pair_id, row.created_at);
    return Number(info.lastInsertRowid);
  }

  /** This person's changes still to send or to settle, in the order they were made. */
  outbox(person: string): OutboxRow[] {
    return this.db.prepare('SELECT * FROM outbox WHERE person = ? ORDER BY id').all(person) as OutboxRow[];
  }

  /** This person's changes still to send (not those waiting for their choice). */
  waitingCount(person: string): number {
    return this.db.prepare("SELECT count(*) FROM outbox WHERE person = ? AND state = 'waiting'").pluck().get(person) as number;
  }

  /** Everyone's changes still here (a person signed out keeps theirs until they return). */
  outboxCount(): number {
    return this.db.prepare('SELECT count(*) FROM outbox').pluck().get() as number;
  }

  outboxEntry(id: number): OutboxRow | null {
    return (this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined) ?? null;
  }

  /** Sent and answered: gone from the outbox. */
  done(id: number): void {
    this.db.prepare('DELETE FROM outbox WHERE id = ?').run(id);
  }

  setState(id: number, state: OutboxRow['state'], error: string | null): void {
    this.db.prepare('UPDATE outbox SET state = ?, error = ? WHERE id = ?').run(state, error, id);
  }

  deletePair(id: string): void {
    this.db.prepare('DELETE FROM pair WHERE id = ?').run(id);
  }

  /** The person chose to send their text again: a new id (the old one's answer is kept on the server) and input. */
  retry(id: number, mutationId: string, input: string): void {
    this.db.prepare("UPDATE outbox SET mutation_id = ?, input = ?, state = 'waiting', error = NULL WHERE id = ?").run(mutationId, input, id);
  }

  close(): void {
    this.db.close();
  }
}
