// A desk's offline copy of a workspace, seen from the server: what changed since a desk's cursor
// (only pairs its person may see), and changes a desk sent with its own id applied at most once.
import { createHash } from 'node:crypto';
import type { Sql } from '../db/sql';
import type { Clock } from '../clock';
import type { Result, SyncPage } from '../../shared/contract';
import { parseInput } from './input';
import type { ParsedInput } from '../../shared/contract';
import type { Method } from '../../shared/methods';
import { changedPairIds, claimMutation, currentMark, getMutation, pruneMutations, setMutationResult, visiblePairIds } from '../db/sync';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { PairService } from './pairs';
import type { UserService } from './users';
import type { AuditLog } from './audit';

/** Pairs per answer: a first copy of 10,000 pairs comes in 20 answers, each a few hundred kB. */
export const syncPageSize = 500;
/** How long a change's answer is kept for a retry. */
const mutationKeepMs = 30 * 24 * 60 * 60 * 1000;

/** Refusals that are the answer to the change itself (kept for a retry); anything else may go better next time. */
const finalFailures = (code: string) => code !== 'internal' && !code.startsWith('storage.');

class NotFinal extends Error {
  constructor(readonly result: Result<unknown>) {
    super('not final');
  }
}

export class SyncService {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly pairs: PairService,
    private readonly users: UserService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * One page of what the caller's desk should hold. A desk without a cursor, or whose person's
   * view changed (a role given, revoked or ended; another person), gets everything it may see,
   * marked `reset`: it then forgets what it held that is not in the answer.
   */
  async pull(ctx: CallContext, input: ParsedInput<'sync.pull'>): Promise<SyncPage> {
    const person = signedIn(ctx);
    const visible = await this.users.visibleChannels(person);
    const scope = scopeOf(person.id, visible);
    const page = parsePage(input.page);
    const cursor = input.cursor === null ? null : Number(input.cursor);
    // A view that changed, or no cursor at all: everything visible, from the start.
    const fresh = cursor === null || input.scope !== scope;
    // Continuing a page keeps the cursor taken when its first page was read; a new pull takes one now.
    const at = !fresh && page !== null ? page : { kind: fresh ? ('all' as const) : ('changes' as const), next: await currentMark(this.sql), after: '' };
    const ids =
      at.kind === 'all'
        ? await visiblePairIds(this.sql, at.after, syncPageSize, visible)
        : await changedPairIds(this.sql, cursor!, at.after, syncPageSize, visible);
    const found = await this.pairs.getMany(ids);
    const pairs = ids.flatMap((id) => found.get(id) ?? []);
    const more = ids.length === syncPageSize;
    return {
      scope,
      reset: at.kind === 'all' && at.after === '',
      cursor: String(at.next),
      page: more ? `${at.kind === 'all' ? 'a' : 'c'}:${at.next}:${ids[ids.length - 1]}` : null,
      pairs,
    };
  }

  /**
   * Runs a change a desk sent with its own id once: the first time it runs and its answer is kept
   * with the id, in the same transaction as the change; a retry with the same id, by the same
   * person, for the same change gets that answer and changes nothing. The same id from someone
   * else, or for another change, is refused and recorded.
   */
  async once(ctx: CallContext, mutationId: string, method: Method, input: unknown, run: () => Promise<Result<unknown>>): Promise<Result<unknown>> {
    const person = ctx.person;
    // Signed out: refused by the method itself, as without an id.
    if (!person) return run();
    // The change as the contract reads it: the same change sent with defaults left out or keys in another order is the same.
    const parsed = parseInput(method, input);
    const inputHash = createHash('sha256').update(JSON.stringify([method, parsed.ok ? parsed.value : input ?? null])).digest('hex');
    try {
      return await this.sql.tx(async () => {
        if (!(await claimMutation(this.sql, { id: mutationId, user_id: person.id, method, input_hash: inputHash }, this.clock.now()))) {
          const kept = await getMutation(this.sql, mutationId);
          if (!kept || kept.user_id !== person.id || kept.method !== method || kept.input_hash !== inputHash || kept.result === '') {
            throw new AppError('sync.mutationReused');
          }
          return JSON.parse(kept.result) as Result<unknown>;
        }
        const result = await run();
        // A fault (the database, a bug) is not the change's answer: nothing is kept, so a retry runs it again.
        if (!result.ok && !finalFailures(result.error.code)) throw new NotFinal(result);
        await setMutationResult(this.sql, mutationId, JSON.stringify(result));
        return result;
      });
    } catch (error) {
      if (error instanceof NotFinal) return error.result;
      if (error instanceof AppError) {
        await this.audit.append(person.username, 'permission.denied', `mutation:${mutationId}`, { action: method, reason: 'mutationReused' });
        return { ok: false, error: error.info };
      }
      throw error;
    }
  }

  /** Housekeeping at start: answers older than a month are forgotten. */
  async prune(): Promise<number> {
    return pruneMutations(this.sql, this.clock.now() - mutationKeepMs);
  }
}

/** Names what a person may see: changes when their view does, or another person uses the desk. */
function scopeOf(personId: string, visible: ReadonlySet<string> | null): string {
  const view = visible === null ? '*' : [...visible].sort().join(',');
  return createHash('sha256').update(`${personId}\n${view}`).digest('base64url').slice(0, 32);
}

function parsePage(page: string | null): { kind: 'all' | 'changes'; next: number; after: string } | null {
  if (page === null) return null;
  const match = /^([ac]):(\d{1,20}):([0-9a-f-]{36})$/.exec(page);
  if (!match) throw new AppError('input.invalid', { field: 'page' });
  return { kind: match[1] === 'a' ? 'all' : 'changes', next: Number(match[2]), after: match[3]! };
}
