// Many pairs, quickly: a database filled with SQL through the data layer (both engines), as a
// department's years of posts would leave it — mostly published, some scheduled ahead.
import { randomUUID } from 'node:crypto';
import type { Param, Sql } from '../src/main/db/sql';
import { searchText } from '../src/main/db/search';
import { round } from './stats';

const filler =
  'Our offices will be closed on Monday for the holiday. Online services remain available around the clock. Thank you for your patience.';
const fillerFr =
  'Nos bureaux seront fermés lundi pour le congé. Les services en ligne restent accessibles en tout temps. Merci de votre patience.';

export interface Seeded {
  /** The account pair the pairs are on (its accounts have no credentials). */
  channelId: string;
  scheduled: number;
  published: number;
  earliestDue: number;
  insertMs: number;
  /** SQLite: the file (with -wal and -shm); PostgreSQL: pg_database_size. */
  fileMb: number;
}

/** Rows for one table, written as one multi-row INSERT when flushed (one round trip on PostgreSQL, not one per row). */
export class Rows {
  private rows: Param[][] = [];

  constructor(
    private readonly sql: Sql,
    private readonly head: string,
    private readonly values: string,
  ) {}

  add(...row: Param[]): void {
    this.rows.push(row);
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const text = `${this.head} VALUES ${Array.from(this.rows, () => this.values).join(', ')}`;
    const params = this.rows.flat();
    this.rows = [];
    await this.sql.run(text, params);
  }
}

export interface SeedSize {
  pairs: number;
  /** Among the most recently created `recentPool` pairs, every `every`-th is scheduled ahead. */
  recentPool: number;
  every: number;
  createdEveryMs: number;
  /** Pairs written per multi-row INSERT (each with its link, approval and two deliveries). */
  seedBatch: number;
}

/**
 * Fills a migrated database with SQL only, through the data layer, in one transaction: the same
 * rows on both engines, `size.seedBatch` pairs per multi-row INSERT, on an account pair of their own.
 */
export async function seedPairs(sql: Sql, big: SeedSize): Promise<Seeded> {
  const now = Date.now();
  const enAccount = randomUUID();
  const frAccount = randomUUID();
  const channel = randomUUID();
  const t0 = performance.now();
  let scheduled = 0;
  let earliestDue = Number.POSITIVE_INFINITY;
  await sql.tx(async () => {
    const longAgo = now - (big.pairs + 10) * big.createdEveryMs;
    await sql.run(
      `INSERT INTO account (id, platform, lang, handle, display_name, status, credential_set_at, created_at, remote_user_id)
       VALUES (?, 'x', ?, ?, ?, 'active', ?, ?, ?), (?, 'x', ?, ?, ?, 'active', ?, ?, ?)`,
      [enAccount, 'en', 'Big_eng', 'Big Department', longAgo, longAgo, '9001', frAccount, 'fr', 'Big_fra', 'Grand ministère', longAgo, longAgo, '9002'],
    );
    await sql.run(
      `INSERT INTO channel (id, platform, name, en_account_id, fr_account_id, created_at, allow_self_approval)
       VALUES (?, 'x', 'Big Department', ?, ?, ?, 0)`,
      [channel, enAccount, frAccount, longAgo],
    );

    // In the order the foreign keys need.
    const pair = new Rows(
      sql,
      `INSERT INTO post_pair (id, en_text, fr_text, status, scheduled_at, author_tz, version, created_by, created_at,
       updated_at, translated_by, scheduled_by, search_text)`,
      "(?, ?, ?, ?, ?, 'America/Toronto', 1, 'drafter', ?, ?, NULL, 'publisher', ?)",
    );
    const link = new Rows(sql, 'INSERT INTO pair_channel (pair_id, channel_id)', '(?, ?)');
    const approval = new Rows(
      sql,
      'INSERT INTO approval (id, pair_id, pair_version, decision, by_user, comment, en_text, fr_text, at)',
      "(?, ?, 1, 'approved', 'approver', 'OK', ?, ?, ?)",
    );
    const delivery = new Rows(
      sql,
      `INSERT INTO delivery (id, pair_id, account_id, lang, status, attempt, next_attempt_at, remote_id, remote_url, sent_at,
       last_error, claimed_at)`,
      '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)',
    );
    const tables = [pair, link, approval, delivery];
    let remote = 1_700_000_000_000_000_000n;
    for (let i = 0; i < big.pairs; i++) {
      const id = randomUUID();
      const createdAt = now - (big.pairs - i) * big.createdEveryMs + Math.floor(Math.random() * 60_000);
      const recent = big.pairs - i <= big.recentPool;
      const ahead = recent && (big.pairs - i) % big.every === 0;
      const enText = `${i}: ${filler}`;
      const frText = `${i} : ${fillerFr}`;
      const approvedAt = createdAt + 5 * 60_000;
      if (ahead) {
        // Scheduled: between one hour and ~3 weeks from now, 30 minutes apart.
        const at = now + 60 * 60_000 + scheduled * 30 * 60_000;
        scheduled++;
        earliestDue = Math.min(earliestDue, at);
        pair.add(id, enText, frText, 'scheduled', at, createdAt, approvedAt, searchText(enText, frText));
        link.add(id, channel);
        approval.add(randomUUID(), id, enText, frText, approvedAt);
        delivery.add(randomUUID(), id, enAccount, 'en', 'pending', 0, at, null, null, null, null);
        delivery.add(randomUUID(), id, frAccount, 'fr', 'pending', 0, at, null, null, null, null);
      } else {
        const at = createdAt + 30 * 60_000;
        const sentAt = at + 150 + Math.floor(Math.random() * 400);
        pair.add(id, enText, frText, 'published', at, createdAt, sentAt, searchText(enText, frText));
        link.add(id, channel);
        approval.add(randomUUID(), id, enText, frText, approvedAt);
        for (const [lang, accountId, handle] of [
          ['en', enAccount, 'Big_eng'],
          ['fr', frAccount, 'Big_fra'],
        ] as const) {
          const remoteId = String(remote++);
          delivery.add(randomUUID(), id, accountId, lang, 'sent', 1, null, remoteId, `https://x.com/${handle}/status/${remoteId}`,
            sentAt + (lang === 'fr' ? 2 : 0), at);
        }
      }
      if ((i + 1) % big.seedBatch === 0 || i === big.pairs - 1) {
        for (const rows of tables) await rows.flush();
      }
    }
  });
  const insertMs = performance.now() - t0;
  return { channelId: channel, scheduled, published: big.pairs - scheduled, earliestDue, insertMs: round(insertMs), fileMb: 0 };
}

