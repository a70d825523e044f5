// Text a person typed in the composer and has not saved as a draft yet. Main keeps it per person,
// so it survives a crash or a closed window and is restored only to the person who typed it: on a
// computer several people share, nobody else ever sees it. Every method acts for the caller only.
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { PairMedia, User } from '../../shared/domain';
import { contract, type ParsedInput, type UnsentText } from '../../shared/contract';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { MediaService } from './media';

export class UnsentService {
  private readonly statements;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly media: MediaService,
  ) {
    this.statements = {
      read: db.prepare('SELECT content FROM unsent_draft WHERE user_id = ?').pluck(),
      write: db.prepare(
        `INSERT INTO unsent_draft (user_id, content, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at`,
      ),
      remove: db.prepare('DELETE FROM unsent_draft WHERE user_id = ?'),
    };
  }

  /** The caller's own unsent text, with the images Tandem still has; null if there is none. */
  get(ctx: CallContext): UnsentText | null {
    const user = signedIn(ctx);
    const raw = this.statements.read.get(user.id) as string | undefined;
    if (raw === undefined) return null;
    // Stored as validated on the way in; checked again so a hand-edited row cannot break the composer.
    const parsed = contract['unsent.save'].input.safeParse(JSON.parse(raw));
    if (!parsed.success || parsed.data.owner !== user.id) return null;
    const { owner, media, ...text } = parsed.data;
    const present: typeof media = [];
    const files: PairMedia[] = [];
    for (const item of media) {
      const en = this.media.file(item.en);
      const fr = this.media.file(item.fr);
      if (!en || !fr) continue;
      present.push(item);
      files.push({ en, fr, altEn: item.altEn, altFr: item.altFr });
    }
    const missingMedia = media.length - present.length;
    // Said once: from here on, what is kept is what the composer shows.
    if (missingMedia > 0) this.save(ctx, { owner, ...text, media: present });
    return { ...text, media: files, missingMedia };
  }

  /** Replaces the caller's unsent text. */
  save(ctx: CallContext, input: ParsedInput<'unsent.save'>): null {
    const user = signedIn(ctx);
    ownedBy(input, user);
    this.statements.write.run(user.id, JSON.stringify(input), this.clock.now());
    return null;
  }

  /** Forgets the caller's unsent text (saved as a draft, or emptied). */
  clear(ctx: CallContext, input: ParsedInput<'unsent.clear'>): null {
    const user = signedIn(ctx);
    ownedBy(input, user);
    this.statements.remove.run(user.id);
    return null;
  }
}

/** The composer was opened for someone other than who is signed in now: their session has ended. */
function ownedBy(input: { owner: string }, user: User): void {
  if (input.owner !== user.id) throw new AppError('auth.required');
}
