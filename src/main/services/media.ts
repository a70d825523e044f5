// Images attached to pairs. Files are stored in SQLite by content (sha256), so nothing is lost
// if the original file moves, a pair's EN and FR sides can share one file, and the same image
// uploaded twice is stored once. Alt text belongs to the pair, per language, not to the file.
import { createHash } from 'node:crypto';
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { MediaFile, PairMedia } from '../../shared/domain';
import { maxUploadBytes, type ParsedInput } from '../../shared/contract';
import type { MediaUpload } from '../platforms/types';
import { sniffImage } from '../media/image';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { UserService } from './users';

interface BlobRow {
  id: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
}

interface PairMediaRow {
  pair_id: string;
  position: number;
  en_blob: string;
  fr_blob: string;
  alt_en: string;
  alt_fr: string;
}

export type MediaInput = ParsedInput<'pairs.create'>['media'];

/**
 * Uploaded files no pair uses are removed after this long (an abandoned draft's images). An
 * unsaved draft in the composer keeps its images alive: showing them touches them.
 */
const orphanAgeMs = 30 * 24 * 60 * 60 * 1000;

export class MediaService {
  private readonly statements;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly users: UserService,
  ) {
    this.statements = {
      file: db.prepare('SELECT id, mime, bytes, width, height FROM media_blob WHERE id = ?'),
      data: db.prepare('SELECT data FROM media_blob WHERE id = ?').pluck(),
      ofPair: db.prepare('SELECT * FROM pair_media WHERE pair_id = ? ORDER BY position'),
    };
  }

  /** Stores an image the user picked; anyone who may write pairs may upload. */
  upload(ctx: CallContext, input: ParsedInput<'media.upload'>): MediaFile {
    const user = signedIn(ctx);
    this.users.authorizeAny(user, ['pair.create', 'pair.edit'], 'media');
    const bytes = Buffer.from(input.data, 'base64');
    if (bytes.length > maxUploadBytes) {
      throw new AppError('media.fileTooLarge', { size: mb(bytes.length), max: mb(maxUploadBytes) });
    }
    const info = sniffImage(bytes);
    if (!info) throw new AppError('media.unreadable');
    const id = createHash('sha256').update(bytes).digest('hex');
    this.db
      .prepare(
        `INSERT INTO media_blob (id, mime, bytes, width, height, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at`,
      )
      .run(id, info.mime, bytes.length, info.width, info.height, bytes, this.clock.now());
    return { id, mime: info.mime, bytes: bytes.length, width: info.width, height: info.height };
  }

  file(id: string): MediaFile | undefined {
    return this.statements.file.get(id) as BlobRow | undefined;
  }

  /**
   * The file's bytes, base64, for a preview: of an image on a pair the user can see, or of one
   * on no pair yet (an unsaved draft's) for a user who may write pairs.
   */
  read(ctx: CallContext, id: string, canSee: (pairIds: string[]) => boolean): { mime: string; data: string } {
    const user = signedIn(ctx);
    const file = this.file(id);
    if (!file) throw new AppError('media.unknown');
    const pairIds = this.db
      .prepare('SELECT DISTINCT pair_id FROM pair_media WHERE en_blob = ? OR fr_blob = ?')
      .pluck()
      .all(id, id) as string[];
    if (pairIds.length === 0) {
      this.users.authorizeAny(user, ['pair.create', 'pair.edit'], 'media');
      this.db.prepare('UPDATE media_blob SET created_at = ? WHERE id = ?').run(this.clock.now(), id);
    } else if (!canSee(pairIds)) {
      throw new AppError('media.unknown');
    }
    const data = this.statements.data.get(id) as Buffer;
    return { mime: file.mime, data: data.toString('base64') };
  }

  ofPair(pairId: string): PairMedia[] {
    return (this.statements.ofPair.all(pairId) as PairMediaRow[]).map((row) => ({
      en: this.file(row.en_blob)!,
      fr: this.file(row.fr_blob)!,
      altEn: row.alt_en,
      altFr: row.alt_fr,
    }));
  }

  /** Whether these images, in this order with this alt text, are what the pair has now. */
  same(current: readonly PairMedia[], next: MediaInput): boolean {
    return (
      current.length === next.length &&
      current.every((m, i) => {
        const n = next[i]!;
        return m.en.id === n.en && m.fr.id === n.fr && m.altEn === n.altEn.trim() && m.altFr === n.altFr.trim();
      })
    );
  }

  /** Replaces a pair's images; call inside the transaction that bumps its version. */
  setForPair(pairId: string, media: MediaInput): void {
    for (const item of media) {
      for (const id of [item.en, item.fr]) if (!this.file(id)) throw new AppError('media.unknown');
    }
    this.db.prepare('DELETE FROM pair_media WHERE pair_id = ?').run(pairId);
    const insert = this.db.prepare(
      'INSERT INTO pair_media (pair_id, position, en_blob, fr_blob, alt_en, alt_fr) VALUES (?, ?, ?, ?, ?, ?)',
    );
    media.forEach((item, position) => insert.run(pairId, position, item.en, item.fr, item.altEn.trim(), item.altFr.trim()));
  }

  /** One side of a pair's images as the adapters send them. */
  uploads(pairId: string, lang: 'en' | 'fr'): MediaUpload[] {
    return this.ofPair(pairId).map((item) => {
      const file = lang === 'en' ? item.en : item.fr;
      return {
        bytes: new Uint8Array(this.statements.data.get(file.id) as Buffer),
        mime: file.mime,
        alt: lang === 'en' ? item.altEn : item.altFr,
        width: file.width,
        height: file.height,
      };
    });
  }

  /**
   * Removes uploaded files that no pair uses, no approval names as evidence, and nobody has
   * touched for 30 days.
   */
  sweep(): number {
    return this.db
      .prepare(
        `DELETE FROM media_blob WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM pair_media WHERE en_blob = media_blob.id OR fr_blob = media_blob.id)
         AND NOT EXISTS (SELECT 1 FROM approval, json_each(approval.media) AS item
           WHERE json_extract(item.value, '$.en') = media_blob.id OR json_extract(item.value, '$.fr') = media_blob.id)`,
      )
      .run(this.clock.now() - orphanAgeMs).changes;
  }
}

function mb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
