// Text a person typed in the composer and has not saved as a draft yet. Main keeps it per person,
// so it survives a crash or a closed window and is restored only to the person who typed it: on a
// computer several people share, nobody else ever sees it. Every method acts for the caller only.
import type { Sql } from '../db/sql';
import { readUnsent, removeUnsent, replaceUnsent, writeUnsent } from '../db/unsent';
import type { Clock } from '../clock';
import type { PairMedia, User } from '../../shared/domain';
import { contract, type ParsedInput, type UnsentText } from '../../shared/contract';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { MediaService } from './media';

export class UnsentService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly media: MediaService,
  ) {}

  /** The caller's own unsent text, with the images Tandem still has; null if there is none. */
  async get(ctx: CallContext): Promise<UnsentText | null> {
    const user = signedIn(ctx);
    const raw = await readUnsent(this.sql, user.id);
    if (raw === undefined) return null;
    // Stored as validated on the way in; checked again so a hand-edited row cannot break the composer.
    const parsed = contract['unsent.save'].input.safeParse(JSON.parse(raw));
    if (!parsed.success || parsed.data.owner !== user.id) return null;
    const { owner, media, ...text } = parsed.data;
    const present: typeof media = [];
    const files: PairMedia[] = [];
    for (const item of media) {
      const en = await this.media.file(item.en);
      const fr = await this.media.file(item.fr);
      if (!en || !fr) continue;
      present.push(item);
      files.push({ en, fr, altEn: item.altEn, altFr: item.altFr });
    }
    const missingMedia = media.length - present.length;
    // Said once: from here on, what is kept is what the composer shows. Unless the composer saved
    // newer text while the images were looked up: that is kept instead, and checked when next read.
    if (missingMedia > 0) {
      const kept: ParsedInput<'unsent.save'> = { owner, ...text, media: present };
      await replaceUnsent(this.sql, user.id, raw, JSON.stringify(kept), this.clock.now());
    }
    return { ...text, media: files, missingMedia };
  }

  /** Replaces the caller's unsent text. */
  async save(ctx: CallContext, input: ParsedInput<'unsent.save'>): Promise<null> {
    const user = signedIn(ctx);
    ownedBy(input, user);
    await writeUnsent(this.sql, user.id, JSON.stringify(input), this.clock.now());
    return null;
  }

  /** Forgets the caller's unsent text (saved as a draft, or emptied). */
  async clear(ctx: CallContext, input: ParsedInput<'unsent.clear'>): Promise<null> {
    const user = signedIn(ctx);
    ownedBy(input, user);
    await removeUnsent(this.sql, user.id);
    return null;
  }
}

/** The composer was opened for someone other than who is signed in now: their session has ended. */
function ownedBy(input: { owner: string }, user: User): void {
  if (input.owner !== user.id) throw new AppError('auth.required');
}
