// Local user profiles, the sessions people signed in with, and role grants. Grants are re-read
// from the database on every check, so an expired or revoked role stops working at once.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db';
import type { Clock } from '../clock';
import type { Grant, Role, User } from '../../shared/domain';
import type { ParsedInput } from '../../shared/contract';
import { canPerform, isGrantActive, type Action } from '../../shared/permissions';
import { AppError } from '../errors';
import type { AuditLog } from './audit';
import { decoyHash, hashPassphrase, verifyPassphrase } from './passphrase';
import { signedIn, type CallContext, type ClientId } from './context';

export const minPassphraseLength = 12;
/** After this many wrong passphrases for one username, sign-in waits out the window. */
export const maxFailedSignIns = 5;
export const signInWindowMs = 15 * 60_000;
/**
 * Refused sign-ins recorded one by one, at most this many a minute whatever the usernames; the
 * others are counted into one `auth.throttled` event, so a signed-out caller cannot flood the trail.
 */
export const maxRecordedRefusalsPerMinute = 20;
/** Who the trail names for the count of refusals not recorded one by one. */
const signInActor = 'system:sign-in';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  pass_hash: string;
  created_at: number;
}

interface GrantRow {
  id: string;
  user_id: string;
  role: Role;
  channel_id: string | null;
  expires_at: number | null;
  granted_by: string;
  granted_at: number;
  revoked_at: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    role: row.role,
    channelId: row.channel_id,
    expiresAt: iso(row.expires_at),
    grantedBy: row.granted_by,
    grantedAt: iso(row.granted_at)!,
    revokedAt: iso(row.revoked_at),
  };
}

/** A client's sign-in, kept in memory: it ends at sign-out or when the process does. */
interface Session {
  id: string;
  userId: string;
}

export class UserService {
  /** Each client's session: one window or browser connection, one person at a time. */
  private readonly sessions = new Map<ClientId, Session>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  needsBootstrap(): boolean {
    return this.db.prepare('SELECT COUNT(*) FROM user').pluck().get() === 0;
  }

  /** Who calls from this client: its session and that session's person, read now. */
  context(client: ClientId): CallContext {
    const session = this.sessions.get(client);
    const person = session ? (this.get(session.userId) ?? null) : null;
    return { client, session: person ? session!.id : null, person };
  }

  /** Signs the caller's client in as this person, ending whatever session it had. */
  private openSession(ctx: CallContext, userId: string): void {
    this.sessions.set(ctx.client, { id: randomBytes(32).toString('base64url'), userId });
  }

  /** First run: the first profile becomes the administrator and is signed in on the caller's client. */
  async bootstrap(ctx: CallContext, input: ParsedInput<'users.bootstrap'>): Promise<User> {
    if (!this.needsBootstrap()) throw new AppError('auth.bootstrapDone');
    const passHash = await this.hashChecked(input.passphrase);
    const id = randomUUID();
    this.db.transaction(() => {
      if (!this.needsBootstrap()) throw new AppError('auth.bootstrapDone');
      this.insertUser(id, input, passHash, input.username);
      this.insertGrant(id, 'admin', null, null, input.username);
    })();
    this.openSession(ctx, id);
    return this.get(id)!;
  }

  /** Sign-ins run one at a time, so parallel guesses cannot all pass the failure count. */
  private signIns: Promise<unknown> = Promise.resolve();

  signIn(ctx: CallContext, username: string, passphrase: string): Promise<User> {
    const attempt = this.signIns.then(() => this.signInNow(ctx, username, passphrase));
    this.signIns = attempt.catch(() => undefined);
    return attempt;
  }

  private async signInNow(ctx: CallContext, username: string, passphrase: string): Promise<User> {
    const subject = `user:${username}`;
    const now = this.clock.now();
    const since = now - signInWindowMs;
    const lastSignIn = `COALESCE((SELECT MAX(seq) FROM audit_event WHERE subject = ? AND action = 'auth.signedIn'), 0)`;
    const recorded = this.db
      .prepare(`SELECT COUNT(*) FROM audit_event WHERE subject = ? AND action = 'auth.failed' AND at > ? AND seq > ${lastSignIn}`)
      .pluck()
      .get(subject, since, subject) as number;
    // Wrong passphrases over the minute's budget were not recorded one by one, but count all the same.
    const unrecorded = (this.unrecordedFailures.get(subject) ?? []).filter((at) => at > since);
    if (recorded + unrecorded.length >= maxFailedSignIns) {
      // Recorded once per lock, not at every further try (which costs the caller nothing).
      const lockRecorded = this.db
        .prepare(`SELECT 1 FROM audit_event WHERE subject = ? AND action = 'auth.locked' AND at > ? AND seq > ${lastSignIn} LIMIT 1`)
        .get(subject, since, subject);
      if (lockRecorded) this.countRefusal(username, now);
      else this.recordRefusal(username, 'auth.locked', now);
      throw new AppError('auth.locked', { minutes: signInWindowMs / 60_000 });
    }
    const row = this.db.prepare('SELECT * FROM user WHERE username = ?').get(username) as UserRow | undefined;
    const ok = await verifyPassphrase(passphrase, row?.pass_hash ?? (await decoyHash));
    if (!row || !ok) {
      if (!this.recordRefusal(username, 'auth.failed', now)) this.rememberFailure(subject, [...unrecorded, now], since);
      throw new AppError('auth.invalid');
    }
    this.unrecordedFailures.delete(subject);
    this.summarizeRefusals();
    this.openSession(ctx, row.id);
    this.audit.append(row.username, 'auth.signedIn', `user:${row.username}`);
    return this.get(row.id)!;
  }

  /** Per username, when wrong passphrases were given that the minute's budget left unrecorded. */
  private readonly unrecordedFailures = new Map<string, number[]>();
  /** This minute's refused sign-ins: recorded one by one, and counted beyond the budget. */
  private refusals = { minute: -1, recorded: 0, counted: 0, usernames: new Set<string>(), since: 0 };
  private refusalSummaryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Records a refused sign-in if the minute's budget allows; else counts it. True if recorded. */
  private recordRefusal(username: string, action: 'auth.failed' | 'auth.locked', now: number): boolean {
    const minute = Math.floor(now / 60_000);
    if (this.refusals.minute !== minute) this.refusals = { ...this.refusals, minute, recorded: 0 };
    if (this.refusals.recorded >= maxRecordedRefusalsPerMinute) {
      this.countRefusal(username, now);
      return false;
    }
    this.refusals.recorded += 1;
    this.audit.append(username, action, `user:${username}`);
    return true;
  }

  /** Counts a refusal into the next `auth.throttled` event: a minute after the first one counted, or at the next sign-in. */
  private countRefusal(username: string, now: number): void {
    if (this.refusals.counted === 0) {
      this.refusals.since = now;
      this.refusalSummaryTimer = setTimeout(() => this.summarizeRefusals(), 60_000);
      // A pending summary alone must not keep a closing process alive.
      this.refusalSummaryTimer.unref();
    }
    this.refusals.counted += 1;
    if (this.refusals.usernames.size < 1_000) this.refusals.usernames.add(username);
  }

  private summarizeRefusals(): void {
    clearTimeout(this.refusalSummaryTimer);
    const { counted, usernames, since } = this.refusals;
    this.refusals = { ...this.refusals, counted: 0, usernames: new Set() };
    // Closed meanwhile: the count goes with it (the process is ending).
    if (counted === 0 || !this.db.open) return;
    this.audit.append(signInActor, 'auth.throttled', 'sign-in', {
      refusals: counted,
      usernames: usernames.size,
      since: new Date(since).toISOString(),
    });
  }

  private rememberFailure(subject: string, times: number[], since: number): void {
    this.unrecordedFailures.delete(subject);
    this.unrecordedFailures.set(subject, times);
    if (this.unrecordedFailures.size <= 10_000) return;
    // Bounded: forget usernames whose failures are all past the window, then the least recent.
    for (const [name, at] of this.unrecordedFailures) if (at.every((t) => t <= since)) this.unrecordedFailures.delete(name);
    while (this.unrecordedFailures.size > 10_000) this.unrecordedFailures.delete(this.unrecordedFailures.keys().next().value!);
  }

  /** Ends the caller's session; every other client stays signed in. */
  signOut(ctx: CallContext): void {
    const user = signedIn(ctx);
    this.audit.append(user.username, 'auth.signedOut', `user:${user.username}`);
    if (this.sessions.get(ctx.client)?.id === ctx.session) this.sessions.delete(ctx.client);
  }

  list(): User[] {
    const ids = this.db.prepare('SELECT id FROM user ORDER BY username').pluck().all() as string[];
    return ids.map((id) => this.get(id)!);
  }

  get(id: string): User | undefined {
    const row = this.db.prepare('SELECT * FROM user WHERE id = ?').get(id) as UserRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      createdAt: iso(row.created_at)!,
      grants: this.grantsOf(row.id),
    };
  }

  grantsOf(userId: string): Grant[] {
    return (
      this.db.prepare('SELECT * FROM role_grant WHERE user_id = ? ORDER BY granted_at, id').all(userId) as GrantRow[]
    ).map(toGrant);
  }

  /** Throws permission.denied, and records the refusal, unless the user may act on every channel. */
  authorize(user: User, action: Action, channelIds: readonly string[], subject: string): void {
    if (canPerform(this.grantsOf(user.id), action, channelIds, this.clock.now())) return;
    this.audit.append(user.username, 'permission.denied', subject, { action, channels: [...channelIds] });
    throw new AppError('permission.denied', { action });
  }

  /**
   * For work not yet tied to an account pair (uploading an image for a draft): the user must
   * hold one of these actions' roles on at least one account pair. What they then do with it
   * on a pair is checked against that pair's account pairs.
   */
  authorizeAny(user: User, actions: readonly Action[], subject: string): void {
    const grants = this.grantsOf(user.id);
    const now = this.clock.now();
    if (actions.some((action) => grants.some((g) => canPerform([g], action, g.channelId ? [g.channelId] : [], now)))) return;
    this.audit.append(user.username, 'permission.denied', subject, { action: actions[0]! });
    throw new AppError('permission.denied', { action: actions[0]! });
  }

  async create(ctx: CallContext, input: ParsedInput<'users.create'>): Promise<User> {
    const actor = signedIn(ctx);
    this.authorize(actor, 'user.manage', [], 'users');
    const passHash = await this.hashChecked(input.passphrase);
    const id = randomUUID();
    try {
      this.db.transaction(() => this.insertUser(id, input, passHash, actor.username))();
    } catch (error) {
      if (error instanceof Error && /UNIQUE/.test(error.message)) throw new AppError('user.taken', { username: input.username });
      throw error;
    }
    return this.get(id)!;
  }

  grant(ctx: CallContext, input: ParsedInput<'roles.grant'>): Grant {
    const actor = signedIn(ctx);
    this.authorize(actor, 'role.manage', [], `user:${input.userId}`);
    const target = this.get(input.userId);
    if (!target) throw new AppError('user.unknown');
    if (input.role === 'admin' && input.channelId !== null) throw new AppError('role.invalidScope');
    if (input.channelId !== null && !this.db.prepare('SELECT 1 FROM channel WHERE id = ?').get(input.channelId)) {
      throw new AppError('channel.unknown', { id: input.channelId });
    }
    const expiresAt = input.expiresAt === null ? null : Date.parse(input.expiresAt);
    if (expiresAt !== null && expiresAt <= this.clock.now()) throw new AppError('role.expiryInPast');
    let id = '';
    this.db.transaction(() => {
      id = this.insertGrant(target.id, input.role, input.channelId, expiresAt, actor.username, target.username);
    })();
    return this.grantsOf(target.id).find((g) => g.id === id)!;
  }

  revoke(ctx: CallContext, grantId: string): Grant {
    const actor = signedIn(ctx);
    this.authorize(actor, 'role.manage', [], `grant:${grantId}`);
    const row = this.db.prepare('SELECT * FROM role_grant WHERE id = ?').get(grantId) as GrantRow | undefined;
    if (!row) throw new AppError('role.unknown');
    if (row.revoked_at === null && row.role === 'admin' && row.expires_at === null && this.permanentAdminGrants(grantId) === 0) {
      // Revoking it would leave no administrator whose role does not end by itself: once the
      // others expired, nobody could manage people, accounts or roles.
      this.audit.append(actor.username, 'permission.denied', `grant:${grantId}`, { action: 'role.manage', reason: 'lastAdmin' });
      throw new AppError('role.lastAdmin');
    }
    if (row.revoked_at === null) {
      const target = this.get(row.user_id)!;
      this.db.transaction(() => {
        this.db
          .prepare('UPDATE role_grant SET revoked_at = ?, revoked_by = ? WHERE id = ?')
          .run(this.clock.now(), actor.username, grantId);
        this.audit.append(actor.username, 'role.revoked', `user:${target.username}`, {
          grant: grantId,
          role: row.role,
          channel: row.channel_id,
        });
      })();
    }
    return toGrant(this.db.prepare('SELECT * FROM role_grant WHERE id = ?').get(grantId) as GrantRow);
  }

  /** Active administrator grants that never expire, other than `except`. */
  private permanentAdminGrants(except: string): number {
    return this.db
      .prepare("SELECT COUNT(*) FROM role_grant WHERE role = 'admin' AND revoked_at IS NULL AND expires_at IS NULL AND id <> ?")
      .pluck()
      .get(except) as number;
  }

  /** Account pairs the user may see: null for all (a role for all pairs), else those granted. */
  visibleChannels(user: User): Set<string> | null {
    const active = this.grantsOf(user.id).filter((g) => isGrantActive(g, this.clock.now()));
    if (active.some((g) => g.channelId === null)) return null;
    return new Set(active.map((g) => g.channelId!));
  }

  private async hashChecked(passphrase: string): Promise<string> {
    if ([...passphrase].length < minPassphraseLength) {
      throw new AppError('user.weakPassphrase', { min: minPassphraseLength });
    }
    return hashPassphrase(passphrase);
  }

  private insertUser(id: string, input: ParsedInput<'users.create'>, passHash: string, actor: string): void {
    this.db
      .prepare('INSERT INTO user (id, username, display_name, pass_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, input.username, input.displayName, passHash, this.clock.now());
    this.audit.append(actor, 'user.created', `user:${input.username}`, { displayName: input.displayName });
  }

  private insertGrant(
    userId: string,
    role: Role,
    channelId: string | null,
    expiresAt: number | null,
    actor: string,
    username = actor,
  ): string {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO role_grant (id, user_id, role, channel_id, expires_at, granted_by, granted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, userId, role, channelId, expiresAt, actor, this.clock.now());
    this.audit.append(actor, 'role.granted', `user:${username}`, {
      grant: id,
      role,
      channel: channelId,
      expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    });
    return id;
  }
}
