// Images attached to pairs. Files are stored in the database by content (sha256), so nothing is lost
// if the original file moves, a pair's EN and FR sides can share one file, and the same image
// uploaded twice is stored once. Alt text belongs to the pair, per language, not to the file.
import { createHash } from 'node:crypto';
import type { Sql } from '../db/sql';
import * as store from '../db/media';
import type { Clock } from '../clock';
import type { MediaFile, PairMedia } from '../../shared/domain';
import { maxUploadBytes, type ParsedInput } from '../../shared/contract';
import type { MediaUpload } from '../platforms/types';
import { sniffImage } from '../media/image';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { UserService } from './users';

export type MediaInput = ParsedInput<'pairs.create'>['media'];

/**
 * Uploaded files no pair uses are removed after this long (an abandoned draft's images). An
 * unsaved draft in the composer keeps its images alive: showing them touches them.
 */
const orphanAgeMs = 30 * 24 * 60 * 60 * 1000;

export class MediaService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly users: UserService,
  ) {}

  /** Stores an image the user picked; anyone who may write pairs may upload. */
  async upload(ctx: CallContext, input: ParsedInput<'media.upload'>): Promise<MediaFile> {
    const user = signedIn(ctx);
    await this.users.authorizeAny(user, ['pair.create', 'pair.edit'], 'media');
    const bytes = Buffer.from(input.data, 'base64');
    if (bytes.length > maxUploadBytes) {
      throw new AppError('media.fileTooLarge', { size: mb(bytes.length), max: mb(maxUploadBytes) });
    }
    const info = sniffImage(bytes);
    if (!info) throw new AppError('media.unreadable');
    const id = createHash('sha256').update(bytes).digest('hex');
    const file: MediaFile = { id, mime: info.mime, bytes: bytes.length, width: info.width, height: info.height };
    await store.saveBlob(this.sql, { ...file, data: bytes, at: this.clock.now() });
    return file;
  }

  file(id: string): Promise<MediaFile | undefined> {
    return store.getFile(this.sql, id);
  }

  /**
   * The file's bytes, base64, for a preview: of an image on a pair the user can see, or of one
   * on no pair yet (an unsaved draft's) for a user who may write pairs.
   */
  async read(
    ctx: CallContext,
    id: string,
    canSee: (pairIds: string[]) => boolean | Promise<boolean>,
  ): Promise<{ mime: string; data: string }> {
    const user = signedIn(ctx);
    const file = await this.file(id);
    if (!file) throw new AppError('media.unknown');
    const pairIds = await store.pairsUsing(this.sql, id);
    if (pairIds.length === 0) {
      await this.users.authorizeAny(user, ['pair.create', 'pair.edit'], 'media');
      await store.touchBlob(this.sql, id, this.clock.now());
    } else if (!(await canSee(pairIds))) {
      throw new AppError('media.unknown');
    }
    const data = await store.blobData(this.sql, id);
    // Swept between the two reads (the file was an orphan nobody had touched): gone, as if never there.
    if (!data) throw new AppError('media.unknown');
    return { mime: file.mime, data: data.toString('base64') };
  }

  ofPair(pairId: string): Promise<PairMedia[]> {
    return store.pairMedia(this.sql, pairId);
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
  async setForPair(pairId: string, media: MediaInput): Promise<void> {
    for (const item of media) {
      for (const id of [item.en, item.fr]) if (!(await this.file(id))) throw new AppError('media.unknown');
    }
    await store.replacePairMedia(
      this.sql,
      pairId,
      media.map((item) => ({ en: item.en, fr: item.fr, altEn: item.altEn.trim(), altFr: item.altFr.trim() })),
    );
  }

  /** One side of a pair's images as the adapters send them. */
  uploads(pairId: string, lang: 'en' | 'fr'): Promise<MediaUpload[]> {
    return store.pairUploads(this.sql, pairId, lang);
  }

  /**
   * Removes uploaded files that no pair uses, no approval names as evidence, and nobody has
   * touched for 30 days.
   */
  sweep(): Promise<number> {
    return store.sweepOrphans(this.sql, this.clock.now() - orphanAgeMs);
  }
}

function mb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
