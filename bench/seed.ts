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
  /** The account pair the pairs are on (its accounts have no credentials); with `spread`, the X one. */
  channelId: string;
  /** With `spread`: every account pair, by platform. */
  channels: Record<string, string>;
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
  /**
   * As a department's queue is (the queue's filters, issue 13): pairs on four account pairs (X 40%,
   * Bluesky 30%, Mastodon 20%, LinkedIn 10%; one pair in five on the next one too, without its
   * deliveries), made by five people (each also wrote the other's French now and then), on twenty
   * topics. Without it: one X account pair, one person, one text (but the number).
   */
  spread?: boolean;
}

/** The twenty topics of `spread`: each pair's text starts with one, in both languages. */
export const topics: readonly (readonly [string, string])[] = [
  ['Housing starts rose', 'Les mises en chantier ont augmenté'],
  ['Consumer prices', 'Les prix à la consommation'],
  ['Labour force survey', 'Enquête sur la population active'],
  ['Wildfire season update', 'Mise à jour sur la saison des feux de forêt'],
  ['Passport service hours', 'Heures du service des passeports'],
  ['Tax filing deadline', 'Date limite de production des déclarations'],
  ['Public health advisory', 'Avis de santé publique'],
  ['Weather warning for the coast', 'Avertissement météo pour la côte'],
  ['New grant program', 'Nouveau programme de subventions'],
  ['Road closure downtown', 'Fermeture de route au centre-ville'],
  ['Census results', 'Résultats du recensement'],
  ['Job fair this week', 'Salon de l’emploi cette semaine'],
  ['Museum exhibit opens', 'Ouverture d’une exposition au musée'],
  ['Fisheries notice', 'Avis sur les pêches'],
  ['Border wait times', 'Temps d’attente à la frontière'],
  ['Student loan changes', 'Changements aux prêts étudiants'],
  ['Veterans week', 'Semaine des anciens combattants'],
  ['Energy efficiency tips', 'Conseils d’efficacité énergétique'],
  ['Immigration levels plan', 'Plan des niveaux d’immigration'],
  ['Trade statistics', 'Statistiques sur le commerce'],
];

/** The people of `spread`. */
export const seedPeople = ['drafter', 'amelie', 'bruno', 'chantal', 'dev'] as const;

const spreadPlatforms = ['x', 'bluesky', 'mastodon', 'linkedin'] as const;
/** Of ten pairs, the account pair (index in spreadPlatforms) of each. */
const spreadShare = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3];

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
  const lines: { platform: string; channel: string; en: string; fr: string; handle: string }[] = [];
  await sql.tx(async () => {
    const longAgo = now - (big.pairs + 10) * big.createdEveryMs;
    // One account pair per platform of `spread` (the first is X, as without it).
    for (const [n, platform] of (big.spread ? spreadPlatforms : spreadPlatforms.slice(0, 1)).entries()) {
      const line = n === 0 ? { platform, channel, en: enAccount, fr: frAccount, handle: 'Big' } : { platform, channel: randomUUID(), en: randomUUID(), fr: randomUUID(), handle: `Big${n}` };
      lines.push(line);
      await sql.run(
        `INSERT INTO account (id, platform, lang, handle, display_name, status, credential_set_at, created_at, remote_user_id)
         VALUES (?, ?, 'en', ?, ?, 'active', ?, ?, ?), (?, ?, 'fr', ?, ?, 'active', ?, ?, ?)`,
        [line.en, platform, `${line.handle}_eng`, 'Big Department', longAgo, longAgo, String(9001 + 2 * n), line.fr, platform, `${line.handle}_fra`, 'Grand ministère', longAgo, longAgo, String(9002 + 2 * n)],
      );
      await sql.run(
        `INSERT INTO channel (id, platform, name, en_account_id, fr_account_id, created_at, allow_self_approval)
         VALUES (?, ?, 'Big Department', ?, ?, ?, 0)`,
        [line.channel, platform, line.en, line.fr, longAgo],
      );
    }

    // In the order the foreign keys need.
    const pair = new Rows(
      sql,
      `INSERT INTO post_pair (id, en_text, fr_text, status, scheduled_at, author_tz, version, created_by, created_at,
       updated_at, translated_by, scheduled_by, search_text)`,
      "(?, ?, ?, ?, ?, 'America/Toronto', 1, ?, ?, ?, NULL, 'publisher', ?)",
    );
    const author = new Rows(sql, 'INSERT INTO pair_author (pair_id, lang, username, first_at, last_at)', '(?, ?, ?, ?, ?)');
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
    const tables = [pair, link, author, approval, delivery];
    let remote = 1_700_000_000_000_000_000n;
    for (let i = 0; i < big.pairs; i++) {
      const id = randomUUID();
      const createdAt = now - (big.pairs - i) * big.createdEveryMs + Math.floor(Math.random() * 60_000);
      const recent = big.pairs - i <= big.recentPool;
      const ahead = recent && (big.pairs - i) % big.every === 0;
      const topic = big.spread ? topics[i % topics.length]! : null;
      const enText = topic ? `${i}: ${topic[0]}. ${filler}` : `${i}: ${filler}`;
      const frText = topic ? `${i} : ${topic[1]}. ${fillerFr}` : `${i} : ${fillerFr}`;
      const line = lines[big.spread ? spreadShare[i % spreadShare.length]! : 0]!;
      const also = big.spread && i % 5 === 0 ? lines[(lines.indexOf(line) + 1) % lines.length]! : null;
      const by = big.spread ? seedPeople[i % seedPeople.length]! : 'drafter';
      const approvedAt = createdAt + 5 * 60_000;
      link.add(id, line.channel);
      if (also) link.add(id, also.channel);
      if (big.spread) {
        author.add(id, 'en', by, createdAt, createdAt);
        // The next person wrote the French of one pair in seven.
        author.add(id, 'fr', i % 7 === 0 ? seedPeople[(i + 1) % seedPeople.length]! : by, createdAt, createdAt);
      }
      if (ahead) {
        // Scheduled: between one hour and ~3 weeks from now, 30 minutes apart.
        const at = now + 60 * 60_000 + scheduled * 30 * 60_000;
        scheduled++;
        earliestDue = Math.min(earliestDue, at);
        pair.add(id, enText, frText, 'scheduled', at, by, createdAt, approvedAt, searchText(enText, frText));
        approval.add(randomUUID(), id, enText, frText, approvedAt);
        delivery.add(randomUUID(), id, line.en, 'en', 'pending', 0, at, null, null, null, null);
        delivery.add(randomUUID(), id, line.fr, 'fr', 'pending', 0, at, null, null, null, null);
      } else {
        const at = createdAt + 30 * 60_000;
        const sentAt = at + 150 + Math.floor(Math.random() * 400);
        pair.add(id, enText, frText, 'published', at, by, createdAt, sentAt, searchText(enText, frText));
        approval.add(randomUUID(), id, enText, frText, approvedAt);
        for (const [lang, accountId, handle] of [
          ['en', line.en, `${line.handle}_eng`],
          ['fr', line.fr, `${line.handle}_fra`],
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
  return { channelId: channel, channels: Object.fromEntries(lines.map((l) => [l.platform, l.channel])), scheduled, published: big.pairs - scheduled, earliestDue, insertMs: round(insertMs), fileMb: 0 };
}

