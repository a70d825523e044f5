// Append-only audit trail that shows tampering by someone who can write the SQLite file and the
// folder it is in (or a team's PostgreSQL tables), but cannot read the OS keychain:
// - each event's hash is a keyed hash (HMAC-SHA256, key in the keychain) of the previous hash and
//   the event's fields, so no event can be added, changed or recomputed without the key;
// - a signed record of the last verified event (seq, hash) is kept beside the database file (and
//   in it; on PostgreSQL, which has no file of Tandem's beside it, in it only), so events deleted
//   from the end show;
// - the append-only triggers are checked at open and at each look, and put back if removed;
// - verification runs from that record: a look at the trail checks only what was added since,
//   and the whole chain is re-checked in the background, in slices, at each start.
// What is found is recorded in the trail itself (`audit.integrityFailed`), so it stays on show.
import fs from 'node:fs';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Sql } from '../db/sql';
import {
  eventsAfter,
  eventsBetween,
  hashAt,
  insertEvents,
  lastEvent,
  listEvents,
  lockAppends,
  queryEvents,
  readCheckpoint,
  recordedProblems,
  restoreAppendOnly,
  writeCheckpoint,
  type AuditDetail,
  type AuditEvent,
  type AuditFilter,
  type AuditRow,
} from '../db/audit';
import { auditHeadFile } from '../db/files';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { SecretStore } from '../secrets';
import type { AuditAction, AuditProblemKind } from '../../shared/audit-actions';
import type { AuditIntegrity, AuditProblem } from '../../shared/contract';

export type { AuditDetail, AuditEvent, AuditFilter };

/** The key that signs the trail, and whether it was just made (nothing was signed with one here before). */
export interface AuditKey {
  key: Buffer;
  created: boolean;
}

/** Reads the key from the keychain, making it the first time; throws when the keychain cannot be reached. */
export async function loadAuditKey(secrets: SecretStore): Promise<AuditKey> {
  const existing = await secrets.getAuditKey();
  if (existing) return { key: existing, created: false };
  const key = randomBytes(32);
  await secrets.setAuditKey(key);
  return { key, created: true };
}

/** The signed record of the last verified event, kept beside the database file. */
export { auditHeadFile };

const genesis = '0'.repeat(64);
/** Who the trail names for what the integrity checks record. */
const checkActor = 'system:audit';
/** A new event per problem found is bounded, whatever a tampered file holds. */
const maxRecordedPerRun = 100;
/** The copy of the head kept in the database is rewritten at most this often (in events). */
const checkpointEvery = 1_000;
/** The background re-check reads this many events at a time and yields after about `sliceMs`. */
const sliceRows = 500;
const sliceMs = 8;
/** The record beside the database is rewritten at most this often (ms) while events keep coming. */
const flushEveryMs = 25;
/**
 * Without a record beside the database (a server's PostgreSQL) a flush only verifies what was
 * appended and keeps the copy in the database: each costs round trips, so it runs less often.
 */
const flushEveryMsInDatabase = 250;

/** One event to append: actor, action, subject and (optional) detail. */
export type AuditEntry = readonly [actor: string, action: AuditAction, subject: string, detail?: AuditDetail];

interface EventFields {
  at: number;
  actor: string;
  action: string;
  subject: string;
  /** The detail as stored (JSON text): what is hashed. */
  detail: string;
}

/** The keyed hash of an event (exported for the benchmark, which fills a database directly). */
export function signEvent(key: Buffer, prevHash: string, e: EventFields): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['tandem.audit.2', prevHash, e.at, e.actor, e.action, e.subject, e.detail]))
    .digest('hex');
}

/** Events recorded before the key existed (schema 7 and earlier). */
function legacyHash(prevHash: string, e: EventFields): string {
  return createHash('sha256')
    .update(JSON.stringify([prevHash, e.at, e.actor, e.action, e.subject, e.detail]))
    .digest('hex');
}

/** Events recorded while the keychain could not be reached: chained, but anyone could have written them. */
function unkeyedHash(prevHash: string, e: EventFields): string {
  return createHash('sha256')
    .update(JSON.stringify(['tandem.audit.unkeyed', prevHash, e.at, e.actor, e.action, e.subject, e.detail]))
    .digest('hex');
}

interface Head {
  seq: number;
  hash: string;
  /** Events up to this one predate the key and carry plain SHA-256 hashes. */
  legacyThrough: number;
}

type Stored = Head | 'missing' | 'invalid';

/** How events are judged on a walk along the chain. */
interface Rules {
  legacyThrough: number;
  /** Events up to this one were verified before: one that fails now was changed. */
  vouchedThrough: number;
  /** What a failing event from before the key is: found at the upgrade, or changed since. */
  legacyFailure: 'legacyBroken' | 'edited';
  /** The end of the events from before the key is not known: it is the first event that is not one. */
  openLegacy: boolean;
}

/** Ranges of events already reported, so a re-check does not report them again. */
type Known = readonly AuditProblem[];
const covers = (p: AuditProblem, seq: number) => p.seq !== undefined && seq >= p.seq && seq < p.seq + (p.count ?? 1);
const ranged: ReadonlySet<AuditProblemKind> = new Set(['edited', 'forged', 'unsigned', 'legacyBroken']);

class Walk {
  /** Failing events in runs (consecutive events failing the same way), those already reported included. */
  private readonly failed: AuditProblem[] = [];
  private run: AuditProblem | null = null;

  constructor(
    private readonly key: Buffer,
    readonly rules: Rules,
    /** Read only when an event fails. */
    private readonly known: () => Promise<Known>,
    public prev: string,
    public lastSeq: number,
  ) {}

  // Stepping stays synchronous (no read per event, the whole chain is walked at each start): what
  // was already reported is taken out once the walk is done, in `found`.
  step(row: AuditRow): void {
    const kind = this.judge(row);
    // A failing event is skipped over (its own hash links the next), so one change is one problem.
    this.prev = row.hash;
    this.lastSeq = row.seq;
    if (kind === null) {
      this.run = null;
      return;
    }
    if (this.run?.kind === kind && this.run.seq! + this.run.count! === row.seq) this.run.count! += 1;
    else {
      this.run = { kind, seq: row.seq, count: 1 };
      this.failed.push(this.run);
    }
  }

  /** What the walk found that is not reported yet; an event already reported splits its run there. */
  async found(): Promise<AuditProblem[]> {
    if (this.failed.length === 0) return [];
    const known = await this.known();
    const found: AuditProblem[] = [];
    for (const failed of this.failed) {
      let run: AuditProblem | null = null;
      // A run's events have consecutive seqs, so walking the seqs is walking its events.
      for (let seq = failed.seq!; seq < failed.seq! + failed.count!; seq++) {
        if (known.some((p) => ranged.has(p.kind) && covers(p, seq))) run = null;
        else if (run) run.count! += 1;
        else {
          run = { kind: failed.kind, seq, count: 1 };
          found.push(run);
        }
      }
    }
    return found;
  }

  private judge(row: AuditRow): AuditProblemKind | null {
    const { rules, prev } = this;
    const linked = row.prev_hash === prev;
    if (rules.openLegacy) {
      if (linked && row.hash === legacyHash(prev, row)) {
        rules.legacyThrough = row.seq;
        return null;
      }
      rules.openLegacy = false;
    }
    if (row.seq <= rules.legacyThrough) {
      if (linked && row.hash === legacyHash(prev, row)) return null;
      return linked && row.hash === unkeyedHash(prev, row) ? 'unsigned' : rules.legacyFailure;
    }
    if (linked && row.hash === signEvent(this.key, prev, row)) return null;
    if (row.seq <= rules.vouchedThrough) return 'edited';
    return linked && row.hash === unkeyedHash(prev, row) ? 'unsigned' : 'forged';
  }
}

type Phase = 'opening' | 'keyed' | 'keyless' | 'closed';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class AuditLog {
  private phase: Phase = 'opening';
  private key: Buffer | null = null;
  /** The last event verified: everything up to it has been checked (or reported). */
  private head: Head = { seq: 0, hash: genesis, legacyThrough: 0 };
  private savedHeadSeq = -1;
  private savedCheckpointSeq = -1;
  private flushScheduled = false;
  private lastFlushAt = -Infinity;
  /** The flush under way, if any: flushes run one after another, as each moves the head. */
  private flushing: Promise<void> = Promise.resolve();
  private recordedThisRun = 0;
  /** Whole-chain re-checks under way (the one at start, or one after the triggers were found gone). */
  private rechecks = new Set<Promise<void>>();
  /** Events recorded while the key was being read, outside any transaction (the host's own). */
  private deferred: Array<[string, AuditAction, string, AuditDetail, number]> = [];
  private readonly headFile: string | null;
  private readonly log: Logger | null;

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    /** `headFile`: null on PostgreSQL and for an in-memory database (the record is then kept in it only). */
    options: { headFile?: string | null; log?: Logger } = {},
  ) {
    this.headFile = options.headFile ?? null;
    this.log = options.log ?? null;
  }

  /**
   * Reads the key and checks the trail as the app opens: the triggers, the record beside the
   * database, and every event after it. Without the keychain the trail still takes events, but
   * says it cannot be checked. The whole chain is then re-checked in the background.
   */
  async open(loadKey: () => Promise<AuditKey>): Promise<void> {
    let loaded: AuditKey | null = null;
    try {
      loaded = await loadKey();
    } catch (error) {
      this.log?.error('audit.keyUnavailable', { error: message(error) });
    }
    if (this.phase !== 'opening') return;
    if (!loaded) return this.openKeyless();
    try {
      await this.openKeyed(loaded);
    } catch (error) {
      // The trail must keep taking events whatever went wrong here; it then says it cannot be checked.
      this.log?.error('audit.openFailed', { error: message(error) });
      if ((this.phase as Phase) !== 'closed') {
        this.key = null;
        await this.openKeyless();
      }
    }
  }

  private async openKeyless(): Promise<void> {
    this.phase = 'keyless';
    if (await this.restoreTriggers()) await this.recordProblems([{ kind: 'triggersRestored' }]);
    await this.appendDeferred();
  }

  private async openKeyed(loaded: AuditKey): Promise<void> {
    this.key = loaded.key;
    const { from, rules, problems, upgrade } = await this.startingPoint(loaded.created);
    const walk = new Walk(loaded.key, rules, () => this.knownProblems(), from.hash, from.seq);
    if (!(await this.walkSlices(walk, from.seq, Number.MAX_SAFE_INTEGER))) return;
    const walked = await walk.found();
    if ((this.phase as Phase) === 'closed') return;
    this.phase = 'keyed';
    this.head = { seq: walk.lastSeq, hash: walk.prev, legacyThrough: rules.legacyThrough };
    // A head that no longer matches is reported on its own only if the walk did not find the change.
    const found = problems.filter((p) => p.kind !== 'edited' || !walked.some((w) => w.seq! <= p.seq!));
    if (upgrade) await this.append(checkActor, 'audit.keyed', 'audit', { legacyEvents: upgrade.legacyEvents });
    if (await this.restoreTriggers()) found.push({ kind: 'triggersRestored' });
    await this.recordProblems([...found, ...walked]);
    await this.appendDeferred();
    await this.flush();
    await this.saveCheckpoint();
    if (from.seq > 0 && this.phase === 'keyed') void this.recheck(from);
  }

  /** Call inside the transaction that makes the change, so the change and its record commit together. */
  async append(actor: string, action: AuditAction, subject: string, detail: AuditDetail = {}): Promise<void> {
    await this.appendMany([[actor, action, subject, detail]]);
  }

  /**
   * Several events, in this order, as `append` one after another would write them, but with one
   * read of the chain's end and one INSERT (a publisher's round records a thousand sends at once).
   */
  async appendMany(events: readonly AuditEntry[]): Promise<void> {
    if (events.length === 0) return;
    if (this.phase === 'closed') throw new Error('the audit trail is closed');
    const at = this.clock.now();
    if (this.phase === 'opening') {
      // Nothing but the host records events before the key is read, and never inside a change.
      if (this.sql.inTransaction) throw new Error('the audit trail is not open yet');
      for (const [actor, action, subject, detail = {}] of events) this.deferred.push([actor, action, subject, detail, at]);
      return;
    }
    await this.insert(events.map(([actor, action, subject, detail = {}]) => ({ at, actor, action, subject, detail: JSON.stringify(detail) })));
  }

  private async insert(fields: EventFields[]): Promise<void> {
    // Reading the last event and appending after it is one write transaction (a savepoint in the
    // caller's, which it then belongs to), so another process cannot append in between and fork
    // the chain: on SQLite (a second publisher on the same file) BEGIN IMMEDIATE admits one writer;
    // on PostgreSQL (several servers) the append lock, taken first, makes appends wait their turn.
    //
    // On PostgreSQL the append lock is held until the caller's transaction commits, so inside one
    // the events are chained just before the commit, all of the transaction's together: the lock
    // is taken once, for the last moment of the transaction, instead of from its first event on
    // (with several pairs going out at once, every other transaction queued behind it).
    if (this.sql.engine === 'postgres' && this.sql.beforeCommit(() => this.atCommit(fields))) return;
    await this.sql.tx(() => this.chain(fields, false));
  }

  /** Per transaction: the hash the next event chains to, once read under the append lock. */
  private readonly tip = {};
  /** Per transaction (PostgreSQL): events waiting for the commit, and whether their INSERT is already asked for. */
  private readonly pending = {};

  /**
   * Runs at commit, in the order the events were appended (a savepoint rolled back has taken its
   * own away): gathers them, and asks once for one INSERT after the last of them.
   */
  private async atCommit(fields: EventFields[]): Promise<void> {
    const pending = this.sql.txLocal(this.pending, () => ({ events: [] as EventFields[], asked: false }))!;
    pending.events.push(...fields);
    if (pending.asked) return;
    pending.asked = true;
    // Hooks asked for while hooks run come after those already waiting: after every event's.
    this.sql.beforeCommit(async () => {
      pending.asked = false;
      await this.chain(pending.events.splice(0), true);
    });
  }

  /**
   * Chains events after the last, in order. `atCommit`: run among the transaction's last
   * statements, where nothing can be rolled back to a savepoint any more, so the tip read once
   * serves the rest; else the last event is read each time (a savepoint rolled back may have
   * taken one away).
   */
  private async chain(fields: readonly EventFields[], atCommit: boolean): Promise<void> {
    if (fields.length === 0) return;
    const tip = atCommit ? this.sql.txLocal(this.tip, () => ({ hash: null as string | null }))! : { hash: null };
    if (tip.hash === null) {
      await lockAppends(this.sql);
      tip.hash = (await lastEvent(this.sql))?.hash ?? genesis;
    }
    let prevHash: string = tip.hash;
    const rows = fields.map((f) => {
      const hash = this.key ? signEvent(this.key, prevHash, f) : unkeyedHash(prevHash, f);
      const row = { ...f, prev_hash: prevHash, hash };
      prevHash = hash;
      return row;
    });
    await insertEvents(this.sql, rows);
    tip.hash = prevHash;
    this.scheduleFlush();
  }

  private async appendDeferred(): Promise<void> {
    const deferred = this.deferred.splice(0).map(([actor, action, subject, detail, at]) => ({ at, actor, action, subject, detail: JSON.stringify(detail) }));
    if (deferred.length > 0) await this.insert(deferred);
  }

  async list(subject?: string): Promise<AuditEvent[]> {
    return listEvents(this.sql, subject);
  }

  /** Newest first, filtered; actor and action match as prefixes, case-insensitively. */
  async query(filter: AuditFilter): Promise<AuditEvent[]> {
    return queryEvents(this.sql, filter);
  }

  /**
   * What the checks found. Checks the triggers and the events added since the last look (not the
   * whole chain). Triggers found missing mean rows may have been changed: the whole chain is then
   * re-checked before answering.
   */
  async integrity(): Promise<AuditIntegrity> {
    if (this.phase === 'keyed' || this.phase === 'keyless') {
      if (await this.restoreTriggers()) {
        await this.recordProblems([{ kind: 'triggersRestored' }]);
        if (this.phase === 'keyed') {
          await this.flush();
          await this.recheck(this.head);
        }
      }
      if (this.phase === 'keyed') await this.flush();
    }
    const problems = await this.knownProblems();
    if (this.phase !== 'keyed') problems.unshift({ kind: 'keyUnavailable' });
    return {
      state: this.phase !== 'keyed' ? 'unverifiable' : problems.length > 0 ? 'broken' : 'intact',
      problems,
      complete: this.rechecks.size === 0,
    };
  }

  /** Resolves once the whole-chain re-checks under way are done (the benchmark and tests wait for it). */
  async whenChecked(): Promise<void> {
    while (this.rechecks.size > 0) await Promise.all(this.rechecks);
  }

  /** Re-checks every event up to the last verified one now (the one at start runs by itself). */
  async checkAll(): Promise<void> {
    if (this.phase === 'keyed') await this.flush();
    return this.recheck(this.head);
  }

  /** Set while `replace` runs: the trail and its key are being replaced. */
  private replacing = false;

  /**
   * Replaces the trail and its key (a solo desk's trail moved into a new workspace, issue 12):
   * `change` runs with the trail shut (nothing is verified or signed with the old key meanwhile;
   * events recorded outside a transaction wait, as before the trail first opened), then the trail
   * opens again with the key `loadKey` now reads, from the signed checkpoint that came with the
   * trail (the record beside the database, if any, is rewritten from it). Whether `change`
   * succeeded or threw, the trail is open again when this returns.
   */
  async replace<T>(change: () => Promise<T>, loadKey: () => Promise<AuditKey>): Promise<T> {
    if (this.phase === 'closed' || this.phase === 'opening') throw new Error('the audit trail is not open');
    await this.flushing;
    this.phase = 'opening';
    this.key = null;
    this.replacing = true;
    await this.whenChecked();
    let replaced = false;
    try {
      const result = await change();
      replaced = true;
      return result;
    } finally {
      this.replacing = false;
      if (replaced) {
        this.head = { seq: 0, hash: genesis, legacyThrough: 0 };
        this.savedHeadSeq = -1;
        this.savedCheckpointSeq = -1;
        this.recordedThisRun = 0;
        if (this.headFile) {
          const checkpoint = await readCheckpoint(this.sql);
          try {
            if (checkpoint) fs.writeFileSync(this.headFile, JSON.stringify({ body: checkpoint.body, mac: checkpoint.mac }));
            else fs.rmSync(this.headFile, { force: true });
          } catch (error) {
            this.log?.error('audit.headNotSaved', { error: message(error) });
          }
        }
      }
      await this.open(loadKey);
    }
  }

  /**
   * Within `replace`, inside the caller's transaction: appends one event after the new trail's
   * last, signed with the key that comes with it (the key the trail opens with afterwards).
   */
  async appendReplacing(key: Buffer, [actor, action, subject, detail = {}]: AuditEntry): Promise<void> {
    if (!this.replacing || !this.sql.inTransaction) throw new Error('only while the trail is replaced, inside its transaction');
    await lockAppends(this.sql);
    const prevHash = (await lastEvent(this.sql))?.hash ?? genesis;
    const fields = { at: this.clock.now(), actor, action, subject, detail: JSON.stringify(detail) };
    await insertEvents(this.sql, [{ ...fields, prev_hash: prevHash, hash: signEvent(key, prevHash, fields) }]);
  }

  /** Brings the record beside the database up to date; call (and wait) before closing the database. */
  async close(): Promise<void> {
    try {
      if (this.phase === 'keyed' && this.sql.open) {
        await this.flush();
        await this.saveCheckpoint();
      }
    } finally {
      this.phase = 'closed';
      // A re-check under way stops at its next slice, now that the trail is closed: the database
      // must not be closed under its read.
      await this.whenChecked();
    }
  }

  // ---- the chain ---------------------------------------------------------------------------

  /** Where verification starts at open: the signed record beside the database or in it, if it still matches. */
  private async startingPoint(created: boolean): Promise<{
    from: Head;
    rules: Rules;
    problems: AuditProblem[];
    upgrade: { legacyEvents: number } | null;
  }> {
    const last = await lastEvent(this.sql);
    const lastSeq = last?.seq ?? 0;
    const headFile = this.headFile;
    const inFile = await this.readStored(async () => (headFile ? fs.readFileSync(headFile, 'utf8') : null));
    const inDb = await this.readStored(async () => JSON.stringify((await readCheckpoint(this.sql)) ?? null));
    const signed = [inFile, inDb].filter((s): s is Head => typeof s === 'object').sort((a, b) => b.seq - a.seq);
    const problems: AuditProblem[] = [];
    const add = (p: AuditProblem) => {
      if (!problems.some((q) => q.kind === p.kind && q.seq === p.seq)) problems.push(p);
    };
    let from: Head | null = null;
    for (const head of signed) {
      const hash = head.seq === 0 ? genesis : await hashAt(this.sql, head.seq);
      if (hash === head.hash) {
        from = head;
        break;
      }
      // Gone from the end: deleted (or an older copy of the database put back). Else changed.
      add(
        hash === undefined && head.seq > lastSeq
          ? { kind: 'truncated', seq: lastSeq }
          : { kind: 'edited', seq: head.seq },
      );
    }
    const genesisHead = (legacyThrough: number): Head => ({ seq: 0, hash: genesis, legacyThrough });
    if (signed.length > 0) {
      if ((this.headFile && typeof inFile !== 'object') || inDb === 'invalid') add({ kind: 'headMissing' });
      return {
        from: from ?? genesisHead(signed[0]!.legacyThrough),
        rules: {
          legacyThrough: signed[0]!.legacyThrough,
          vouchedThrough: signed[0]!.seq,
          legacyFailure: 'edited',
          openLegacy: false,
        },
        problems,
        upgrade: null,
      };
    }
    const nothingStored = inFile === 'missing' && inDb === 'missing';
    if (lastSeq === 0 && nothingStored) {
      return {
        from: genesisHead(0),
        rules: { legacyThrough: 0, vouchedThrough: 0, legacyFailure: 'legacyBroken', openLegacy: false },
        problems,
        upgrade: null,
      };
    }
    if (created && nothingStored) {
      // The first open with a key of a trail from before it: every event there is verified once, the old way.
      return {
        from: genesisHead(lastSeq),
        rules: { legacyThrough: lastSeq, vouchedThrough: 0, legacyFailure: 'legacyBroken', openLegacy: false },
        problems,
        upgrade: { legacyEvents: lastSeq },
      };
    }
    // A key existed, or a record did but is not signed with it: the record was removed or replaced.
    add({ kind: 'headMissing' });
    return {
      from: genesisHead(0),
      rules: { legacyThrough: 0, vouchedThrough: 0, legacyFailure: 'edited', openLegacy: true },
      problems,
      upgrade: null,
    };
  }

  private async readStored(read: () => Promise<string | null>): Promise<Stored> {
    let text: string | null;
    try {
      text = await read();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      this.log?.error('audit.headUnreadable', { error: message(error) });
      return 'invalid';
    }
    if (text === null || text === 'null') return 'missing';
    try {
      const { body, mac } = JSON.parse(text) as { body: unknown; mac: unknown };
      if (typeof body !== 'string' || typeof mac !== 'string' || mac !== this.mac(body)) return 'invalid';
      const head = JSON.parse(body) as Head;
      return Number.isSafeInteger(head.seq) && typeof head.hash === 'string' && Number.isSafeInteger(head.legacyThrough)
        ? { seq: head.seq, hash: head.hash, legacyThrough: head.legacyThrough }
        : 'invalid';
    } catch {
      // Not JSON: written by something else than Tandem, which is what 'invalid' reports.
      return 'invalid';
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key!).update(`tandem.audit.head\n${body}`).digest('hex');
  }

  private signedHead(): string {
    const body = JSON.stringify({ seq: this.head.seq, hash: this.head.hash, legacyThrough: this.head.legacyThrough });
    return JSON.stringify({ body, mac: this.mac(body) });
  }

  /** Walks events after `fromSeq` up to `toSeq` in slices, yielding between them; false if closed meanwhile. */
  private async walkSlices(walk: Walk, fromSeq: number, toSeq: number): Promise<boolean> {
    let after = fromSeq;
    for (;;) {
      const began = performance.now();
      let rows: AuditRow[];
      do {
        rows = await eventsBetween(this.sql, after, toSeq, sliceRows);
        for (const row of rows) walk.step(row);
        after = rows.at(-1)?.seq ?? after;
      } while (rows.length === sliceRows && performance.now() - began < sliceMs);
      if (rows.length < sliceRows) return true;
      // SQLite answers without leaving the turn of the loop: let timers and calls run between slices.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.phase === 'closed' || !this.sql.open) return false;
    }
  }

  /** Re-walks the chain from the first event up to `through`, in the background. */
  private recheck(through: Head): Promise<void> {
    const key = this.key;
    if (!key || through.seq === 0) return Promise.resolve();
    const rules: Rules = {
      legacyThrough: through.legacyThrough,
      vouchedThrough: through.seq,
      legacyFailure: 'edited',
      openLegacy: false,
    };
    const run = (async () => {
      // Let the caller go on (the app finishes opening) before the first slice.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.phase !== 'keyed' || !this.sql.open) return;
      const walk = new Walk(key, rules, () => this.knownProblems(), genesis, 0);
      if (!(await this.walkSlices(walk, 0, through.seq)) || this.phase !== 'keyed') return;
      const found = await walk.found();
      if (this.phase === 'keyed') await this.recordProblems(found);
    })().catch((error: unknown) => {
      this.log?.error('audit.recheckFailed', { error: message(error) });
    });
    this.rechecks.add(run);
    void run.finally(() => this.rechecks.delete(run));
    return run;
  }

  /**
   * Verifies the events added since the head, moves it, and keeps the record beside the database.
   * Flushes run one at a time (each starts from the head the one before left).
   */
  private flush(): Promise<void> {
    // Inside someone's transaction the new events may still be rolled back: after it. (Waiting
    // here for a flush under way could wait for that very transaction, whose connection it needs.)
    if (this.sql.inTransaction) {
      if (this.phase === 'keyed' && this.sql.open) this.scheduleFlush();
      return Promise.resolve();
    }
    const next = this.flushing.then(() => this.flushNow());
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private async flushNow(): Promise<void> {
    if (this.phase !== 'keyed' || !this.sql.open) return;
    const problems: AuditProblem[] = [];
    if (this.head.seq > 0 && (await hashAt(this.sql, this.head.seq)) !== this.head.hash) {
      // Removed or changed while Tandem was running; the chain goes on from what is there now.
      const last = await lastEvent(this.sql);
      problems.push(
        last === undefined || last.seq < this.head.seq
          ? { kind: 'truncated', seq: last?.seq ?? 0 }
          : { kind: 'edited', seq: this.head.seq },
      );
      this.head = { ...this.head, seq: last?.seq ?? 0, hash: last?.hash ?? genesis };
    }
    const walk = new Walk(this.key!, this.rulesAfterHead(), () => this.knownProblems(), this.head.hash, this.head.seq);
    // Page by page (by seq), so a burst of events is never held in memory at once.
    let rows: AuditRow[];
    do {
      rows = await eventsAfter(this.sql, walk.lastSeq, sliceRows);
      for (const row of rows) walk.step(row);
    } while (rows.length === sliceRows);
    this.head = { ...this.head, seq: walk.lastSeq, hash: walk.prev };
    await this.recordProblems([...problems, ...(await walk.found())]);
    await this.saveHead();
  }

  private rulesAfterHead(): Rules {
    return {
      legacyThrough: this.head.legacyThrough,
      vouchedThrough: this.head.seq,
      legacyFailure: 'edited',
      openLegacy: false,
    };
  }

  private scheduleFlush(): void {
    if (!this.key || this.flushScheduled) return;
    this.flushScheduled = true;
    const run = () => {
      this.flushScheduled = false;
      this.lastFlushAt = performance.now();
      // Nobody waits for this one: what stops it is logged, and the next flush starts from the same head.
      this.flush().catch((error: unknown) => this.log?.error('audit.flushFailed', { error: message(error) }));
    };
    // Once the moment the events were written has passed; during a burst (a thousand pairs going
    // out at once) at most every `flushEveryMs`, so the record beside the database is rewritten
    // tens of times a second rather than once per event.
    const wait = this.lastFlushAt + (this.headFile ? flushEveryMs : flushEveryMsInDatabase) - performance.now();
    if (wait <= 0) setImmediate(run);
    else setTimeout(run, wait).unref?.();
  }

  /** Writes the head beside the database (temp file + rename, so it is whole or the previous one). */
  private async saveHead(): Promise<void> {
    if (this.head.seq === this.savedHeadSeq) return;
    if (this.headFile) {
      const temp = `${this.headFile}.tmp`;
      try {
        fs.writeFileSync(temp, this.signedHead());
        fs.renameSync(temp, this.headFile);
      } catch (error) {
        // Events keep being recorded; the next start reports the record as missing or behind.
        this.log?.error('audit.headNotSaved', { error: message(error) });
        return;
      }
    }
    this.savedHeadSeq = this.head.seq;
    if (this.head.seq - this.savedCheckpointSeq >= checkpointEvery) await this.saveCheckpoint();
  }

  private async saveCheckpoint(): Promise<void> {
    const seq = this.head.seq;
    if (seq === this.savedCheckpointSeq) return;
    const { body, mac } = JSON.parse(this.signedHead()) as { body: string; mac: string };
    await writeCheckpoint(this.sql, body, mac);
    this.savedCheckpointSeq = seq;
  }

  // ---- problems ------------------------------------------------------------------------------

  private async recordProblems(found: readonly AuditProblem[]): Promise<void> {
    for (const problem of found) {
      const known = await this.knownProblems();
      if (problem.seq !== undefined && known.some((k) => k.kind === problem.kind && k.seq === problem.seq)) continue;
      if (this.recordedThisRun >= maxRecordedPerRun) {
        this.log?.error('audit.tooManyProblems', { kind: problem.kind, seq: problem.seq });
        continue;
      }
      this.recordedThisRun += 1;
      this.log?.error('audit.integrityFailed', { kind: problem.kind, seq: problem.seq, count: problem.count });
      const detail: AuditDetail = { problem: problem.kind };
      if (problem.seq !== undefined) detail['seq'] = problem.seq;
      if (problem.count !== undefined) detail['count'] = problem.count;
      await this.insert([{ at: this.clock.now(), actor: checkActor, action: 'audit.integrityFailed', subject: 'audit', detail: JSON.stringify(detail) }]);
    }
  }

  /** The problems recorded in the trail, oldest first. */
  private knownProblems(): Promise<AuditProblem[]> {
    return recordedProblems(this.sql);
  }

  /** Puts back the append-only triggers if any was removed or changed; true if it had to. */
  private async restoreTriggers(): Promise<boolean> {
    const restored = await restoreAppendOnly(this.sql);
    if (restored) this.log?.error('audit.triggersRestored', {});
    return restored;
  }
}
