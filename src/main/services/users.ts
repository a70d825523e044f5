// Local user profiles, the sessions people signed in with, and role grants. Grants are re-read
// from the database on every check, so an expired or revoked role stops working at once.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql';
import {
  channelExists,
  countPermanentAdminGrants,
  countUsers,
  credentialsFor,
  deactivateUser,
  deleteEndedSessions,
  extendSession,
  insertSession,
  liveSession,
  liveSessionByToken,
  revokeSession,
  revokeSessionsOf,
  failedSignInsSince,
  getGrant,
  getUser,
  insertGrant,
  insertUser,
  listGrants,
  listUsers,
  lockAdminGrants,
  lockForBootstrap,
  lockRecordedSince,
  revokeGrant,
  setPassHash,
} from '../db/people';
import type { Clock } from '../clock';
import type { Grant, Role, User } from '../../shared/domain';
import type { ParsedInput } from '../../shared/contract';
import { canPerform, isGrantActive, roleEndedFor, type Action } from '../../shared/permissions';
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

/** How long a session lasts unused; each call made with it moves its end this far ahead again. */
export const defaultSessionTtlMs = 12 * 60 * 60_000;

/** A sign-in's token, given to its caller once (a server hands it to the desk); only its hash is kept. */
export interface IssuedToken {
  token: string;
  expiresAt: number;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** The client of a server's calls made with one session's token. */
const tokenClient = (sessionId: string): ClientId => `session:${sessionId}`;

export class UserService {
  /**
   * Which session each client signed in with: one window, browser connection or server token, one
   * person at a time. The session itself (live, expired, ended) is read from the database at
   * every call, so ending it takes effect at once on every transport and every instance.
   */
  private readonly sessions = new Map<ClientId, string>();
  /**
   * Clients whose transport hands the session's token out (a server's sign-in): the token issued
   * to each, once it is, until the transport takes it. A desk window never asks, so its token is
   * never kept anywhere but as its hash.
   */
  private readonly issued = new Map<ClientId, IssuedToken | null>();

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly sessionTtlMs: number = defaultSessionTtlMs,
  ) {}

  async needsBootstrap(): Promise<boolean> {
    return (await countUsers(this.sql)) === 0;
  }

  /** Who calls from this client: its session and that session's person, read now. */
  async context(client: ClientId): Promise<CallContext> {
    const sessionId = this.sessions.get(client);
    if (sessionId === undefined) return { client, session: null, person: null };
    const now = this.clock.now();
    const session = await liveSession(this.sql, sessionId, now);
    const found = session ? ((await this.get(session.userId)) ?? null) : null;
    const person = found?.deactivatedAt === null ? found : null;
    if (!session || !person) {
      // Ended (here, elsewhere, by an administrator) or expired: this client is signed out.
      this.sessions.delete(client);
      return { client, session: null, person: null };
    }
    // In use: its end moves ahead again, written at most once per tenth of its length.
    // A database that cannot be written right now (full, read-only) must not refuse the call: the
    // session is extended at a later one.
    if (session.expiresAt - now < this.sessionTtlMs * 0.9) {
      await extendSession(this.sql, session.id, now + this.sessionTtlMs, now).catch(() => undefined);
    }
    return { client, session: session.id, person };
  }

  /**
   * A server's call made with a session's token: the client that token's calls come from, or null
   * when the token names no live session (unknown, ended, expired).
   */
  async resume(token: string): Promise<ClientId | null> {
    const session = await liveSessionByToken(this.sql, tokenHash(token), this.clock.now());
    if (!session) return null;
    const client = tokenClient(session.id);
    this.sessions.set(client, session.id);
    return client;
  }

  /** Call before signing this client in: its session's token is kept for `takeToken`. */
  expectToken(client: ClientId): void {
    this.issued.set(client, null);
  }

  /** The token of the session this client just opened, if `expectToken` asked for it (once: it is then forgotten here). */
  takeToken(client: ClientId): IssuedToken | null {
    const issued = this.issued.get(client) ?? null;
    this.issued.delete(client);
    return issued;
  }

  /** Signs the caller's client in as this person, ending whatever session it had. */
  private async openSession(ctx: CallContext, userId: string): Promise<void> {
    const previous = this.sessions.get(ctx.client);
    const now = this.clock.now();
    if (previous !== undefined) await revokeSession(this.sql, previous, now, 'replaced');
    const token = randomBytes(32).toString('base64url');
    const id = randomUUID();
    const expiresAt = now + this.sessionTtlMs;
    await insertSession(this.sql, { id, tokenHash: tokenHash(token), userId, createdAt: now, expiresAt });
    this.sessions.set(ctx.client, id);
    if (this.issued.has(ctx.client)) this.issued.set(ctx.client, { token, expiresAt });
  }

  /** First run: the first profile becomes the administrator and is signed in on the caller's client. */
  async bootstrap(ctx: CallContext, input: ParsedInput<'users.bootstrap'>): Promise<User> {
    if (!(await this.needsBootstrap())) throw new AppError('auth.bootstrapDone');
    const passHash = await this.hashChecked(input.passphrase);
    const id = randomUUID();
    await this.sql.tx(async () => {
      // Checked again under the lock: another first run may have finished while this one hashed.
      await lockForBootstrap(this.sql);
      if (!(await this.needsBootstrap())) throw new AppError('auth.bootstrapDone');
      await this.addUser(id, input, passHash, input.username);
      await this.addGrant(id, 'admin', null, null, input.username);
    });
    await this.openSession(ctx, id);
    return (await this.get(id))!;
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
    const recorded = await failedSignInsSince(this.sql, subject, since);
    // Wrong passphrases over the minute's budget were not recorded one by one, but count all the same.
    const unrecorded = (this.unrecordedFailures.get(subject) ?? []).filter((at) => at > since);
    if (recorded + unrecorded.length >= maxFailedSignIns) {
      // Recorded once per lock, not at every further try (which costs the caller nothing).
      if (await lockRecordedSince(this.sql, subject, since)) this.countRefusal(username, now);
      else await this.recordRefusal(username, 'auth.locked', now);
      throw new AppError('auth.locked', { minutes: signInWindowMs / 60_000 });
    }
    const found = await credentialsFor(this.sql, username);
    const ok = await verifyPassphrase(passphrase, found?.passHash ?? (await decoyHash));
    if (!found || !ok) {
      if (!(await this.recordRefusal(username, 'auth.failed', now))) this.rememberFailure(subject, [...unrecorded, now], since);
      throw new AppError('auth.invalid');
    }
    this.unrecordedFailures.delete(subject);
    await this.summarizeRefusals();
    if (found.deactivated) {
      // Told only to someone who knows the passphrase: the profile exists, and why it cannot sign in.
      await this.recordRefusal(username, 'auth.failed', now);
      throw new AppError('auth.deactivated');
    }
    await this.openSession(ctx, found.id);
    await this.audit.append(found.username, 'auth.signedIn', `user:${found.username}`);
    return (await this.get(found.id))!;
  }

  /** Per username, when wrong passphrases were given that the minute's budget left unrecorded. */
  private readonly unrecordedFailures = new Map<string, number[]>();
  /** This minute's refused sign-ins: recorded one by one, and counted beyond the budget. */
  private refusals = { minute: -1, recorded: 0, counted: 0, usernames: new Set<string>(), since: 0 };
  private refusalSummaryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Records a refused sign-in if the minute's budget allows; else counts it. True if recorded. */
  private async recordRefusal(username: string, action: 'auth.failed' | 'auth.locked', now: number): Promise<boolean> {
    const minute = Math.floor(now / 60_000);
    if (this.refusals.minute !== minute) this.refusals = { ...this.refusals, minute, recorded: 0 };
    if (this.refusals.recorded >= maxRecordedRefusalsPerMinute) {
      this.countRefusal(username, now);
      return false;
    }
    this.refusals.recorded += 1;
    await this.audit.append(username, action, `user:${username}`);
    return true;
  }

  /** Counts a refusal into the next `auth.throttled` event: a minute after the first one counted, or at the next sign-in. */
  private countRefusal(username: string, now: number): void {
    if (this.refusals.counted === 0) {
      this.refusals.since = now;
      this.refusalSummaryTimer = setTimeout(() => {
        // Closed while the summary was being written: the count goes with it, as below. Any other
        // failure surfaces as it did when the summary was written synchronously.
        void this.summarizeRefusals().catch((error: unknown) => {
          if (this.sql.open) throw error;
        });
      }, 60_000);
      // A pending summary alone must not keep a closing process alive.
      this.refusalSummaryTimer.unref();
    }
    this.refusals.counted += 1;
    if (this.refusals.usernames.size < 1_000) this.refusals.usernames.add(username);
  }

  private async summarizeRefusals(): Promise<void> {
    clearTimeout(this.refusalSummaryTimer);
    // Taken before anything is awaited, so each refusal is summarized once.
    const { counted, usernames, since } = this.refusals;
    this.refusals = { ...this.refusals, counted: 0, usernames: new Set() };
    // Closed meanwhile: the count goes with it (the process is ending).
    if (counted === 0 || !this.sql.open) return;
    await this.audit.append(signInActor, 'auth.throttled', 'sign-in', {
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
  async signOut(ctx: CallContext): Promise<void> {
    const user = signedIn(ctx);
    await this.sql.tx(async () => {
      if (ctx.session !== null) await revokeSession(this.sql, ctx.session, this.clock.now(), 'signed out');
      await this.audit.append(user.username, 'auth.signedOut', `user:${user.username}`);
    });
    if (this.sessions.get(ctx.client) === ctx.session) this.sessions.delete(ctx.client);
  }

  /** Ends every session of the caller's, on every desk and browser: a lost laptop, a shared computer left signed in. */
  async signOutEverywhere(ctx: CallContext): Promise<number> {
    const user = signedIn(ctx);
    const ended = await this.sql.tx(async () => {
      const ids = await revokeSessionsOf(this.sql, user.id, this.clock.now(), 'signed out everywhere');
      await this.audit.append(user.username, 'auth.signedOutEverywhere', `user:${user.username}`, { sessions: ids.length });
      return ids;
    });
    this.forget(ended);
    return ended.length;
  }

  /**
   * Forgets sessions that ended more than 30 days ago (housekeeping at start): the trail keeps who
   * signed in and out; the rows only say whether a token still works.
   */
  async pruneSessions(): Promise<number> {
    return deleteEndedSessions(this.sql, this.clock.now() - 30 * 24 * 60 * 60_000);
  }

  /** Forgets which clients used these sessions (ended): their next call finds them signed out anyway. */
  private forget(sessionIds: readonly string[]): void {
    const ended = new Set(sessionIds);
    for (const [client, id] of this.sessions) if (ended.has(id)) this.sessions.delete(client);
  }

  /** Every profile by username, with its grants. */
  async list(): Promise<User[]> {
    return listUsers(this.sql);
  }

  async get(id: string): Promise<User | undefined> {
    return getUser(this.sql, id);
  }

  async grantsOf(userId: string): Promise<Grant[]> {
    return listGrants(this.sql, userId);
  }

  /** Whether the user, by the grants read now, may act on every channel. */
  private async permits(user: User, action: Action, channelIds: readonly string[]): Promise<boolean> {
    return canPerform(await this.grantsOf(user.id), action, channelIds, this.clock.now());
  }

  /** Records the refusal and throws permission.denied (permission.roleEnded when that is why). Never inside the refused change's transaction: its rollback would take the record too. */
  private async refuse(user: User, action: Action, channelIds: readonly string[], subject: string): Promise<never> {
    await this.audit.append(user.username, 'permission.denied', subject, { action, channels: [...channelIds] });
    // A role that has ended is the real reason, and the person is told when it ended.
    const ended = roleEndedFor(await this.grantsOf(user.id), action, channelIds, this.clock.now());
    if (ended) throw new AppError('permission.roleEnded', { action, date: ended });
    throw new AppError('permission.denied', { action });
  }

  /** Throws permission.denied, and records the refusal, unless the user may act on every channel. */
  async authorize(user: User, action: Action, channelIds: readonly string[], subject: string): Promise<void> {
    if (await this.permits(user, action, channelIds)) return;
    await this.refuse(user, action, channelIds, subject);
  }

  /**
   * For work not yet tied to an account pair (uploading an image for a draft): the user must
   * hold one of these actions' roles on at least one account pair. What they then do with it
   * on a pair is checked against that pair's account pairs.
   */
  async authorizeAny(user: User, actions: readonly Action[], subject: string): Promise<void> {
    const grants = await this.grantsOf(user.id);
    const now = this.clock.now();
    if (actions.some((action) => grants.some((g) => canPerform([g], action, g.channelId ? [g.channelId] : [], now)))) return;
    await this.audit.append(user.username, 'permission.denied', subject, { action: actions[0]! });
    const ended = grants
      .flatMap((g) => actions.map((action) => roleEndedFor(grants, action, g.channelId ? [g.channelId] : [], now)))
      .filter((date): date is string => date !== null)
      .sort()
      .at(-1);
    if (ended) throw new AppError('permission.roleEnded', { action: actions[0]!, date: ended });
    throw new AppError('permission.denied', { action: actions[0]! });
  }

  async create(ctx: CallContext, input: ParsedInput<'users.create'>): Promise<User> {
    const actor = signedIn(ctx);
    await this.authorize(actor, 'user.manage', [], 'users');
    const passHash = await this.hashChecked(input.passphrase);
    const id = randomUUID();
    await this.sql.tx(() => this.addUser(id, input, passHash, actor.username));
    return (await this.get(id))!;
  }

  /**
   * Deactivates a person (administrators): their history stays, their sessions end at once on
   * every desk, and the right passphrase no longer signs them in. Refused for oneself, and for the
   * last administrator whose role has no end date.
   */
  async deactivate(ctx: CallContext, userId: string): Promise<User> {
    const actor = signedIn(ctx);
    if (userId === actor.id) throw new AppError('user.deactivateSelf');
    const outcome = await this.sql.tx(async (): Promise<'denied' | 'lastAdmin' | string[]> => {
      await lockAdminGrants(this.sql);
      if (!(await this.permits(actor, 'user.manage', []))) return 'denied';
      const target = await this.get(userId);
      if (!target) throw new AppError('user.unknown');
      const now = this.clock.now();
      const permanentAdmin = target.grants.some((g) => g.role === 'admin' && g.expiresAt === null && g.revokedAt === null);
      if (permanentAdmin && (await countPermanentAdminGrants(this.sql, { user: userId })) === 0) return 'lastAdmin';
      if (!(await deactivateUser(this.sql, userId, now))) return [];
      const ended = await revokeSessionsOf(this.sql, userId, now, 'deactivated');
      await this.audit.append(actor.username, 'user.deactivated', `user:${target.username}`, { sessionsEnded: ended.length });
      return ended;
    });
    if (outcome === 'denied') return this.refuse(actor, 'user.manage', [], `user:${userId}`);
    if (outcome === 'lastAdmin') {
      await this.audit.append(actor.username, 'permission.denied', `user:${userId}`, { action: 'user.manage', reason: 'lastAdmin' });
      throw new AppError('role.lastAdmin');
    }
    this.forget(outcome);
    return (await this.get(userId))!;
  }

  async grant(ctx: CallContext, input: ParsedInput<'roles.grant'>): Promise<Grant> {
    const actor = signedIn(ctx);
    // The actor's authority is read in the same transaction as the write, after the lock: a role
    // change made meanwhile (their own admin role revoked) is seen, not raced.
    const id = await this.sql.tx(async () => {
      await lockAdminGrants(this.sql);
      if (!(await this.permits(actor, 'role.manage', []))) return null;
      const target = await this.get(input.userId);
      if (!target) throw new AppError('user.unknown');
      if (input.role === 'admin' && input.channelId !== null) throw new AppError('role.invalidScope');
      if (input.channelId !== null && !(await channelExists(this.sql, input.channelId))) {
        throw new AppError('channel.unknown', { id: input.channelId });
      }
      const expiresAt = input.expiresAt === null ? null : Date.parse(input.expiresAt);
      if (expiresAt !== null && expiresAt <= this.clock.now()) throw new AppError('role.expiryInPast');
      return this.addGrant(target.id, input.role, input.channelId, expiresAt, actor.username, target.username);
    });
    if (id === null) return this.refuse(actor, 'role.manage', [], `user:${input.userId}`);
    return (await getGrant(this.sql, id))!.grant;
  }

  async revoke(ctx: CallContext, grantId: string): Promise<Grant> {
    const actor = signedIn(ctx);
    // The role check, the last-administrator rule and the revocation are one transaction, after
    // the lock: two administrators revoking each other's roles at once cannot both pass.
    let ended: string[] = [];
    const outcome = await this.sql.tx(async (): Promise<'denied' | 'lastAdmin' | 'done'> => {
      await lockAdminGrants(this.sql);
      if (!(await this.permits(actor, 'role.manage', []))) return 'denied';
      const found = await getGrant(this.sql, grantId);
      if (!found) throw new AppError('role.unknown');
      const { grant, userId } = found;
      if (grant.revokedAt !== null) return 'done';
      if (grant.role === 'admin' && grant.expiresAt === null && (await countPermanentAdminGrants(this.sql, { grant: grantId })) === 0) {
        return 'lastAdmin';
      }
      const target = (await this.get(userId))!;
      if (await revokeGrant(this.sql, grantId, this.clock.now(), actor.username)) {
        // The person's sessions end with it: every desk signs in again, under the roles left. The
        // caller's own session stays (an administrator trimming their own roles): the roles are
        // read at every call, so the revoked one stops working in it at once all the same.
        ended = await revokeSessionsOf(this.sql, userId, this.clock.now(), 'role revoked', ctx.session);
        await this.audit.append(actor.username, 'role.revoked', `user:${target.username}`, {
          grant: grantId,
          role: grant.role,
          channel: grant.channelId,
          sessionsEnded: ended.length,
        });
      }
      return 'done';
    });
    this.forget(ended);
    if (outcome === 'denied') return this.refuse(actor, 'role.manage', [], `grant:${grantId}`);
    if (outcome === 'lastAdmin') {
      // Revoking it would leave no administrator whose role does not end by itself: once the
      // others expired, nobody could manage people, accounts or roles. The refusal is recorded
      // after the transaction, which changed nothing.
      await this.audit.append(actor.username, 'permission.denied', `grant:${grantId}`, { action: 'role.manage', reason: 'lastAdmin' });
      throw new AppError('role.lastAdmin');
    }
    return (await getGrant(this.sql, grantId))!.grant;
  }

  /** Several roles for one person at once (one account pair or all, one end date): all are given, or none. */
  async grantSeveral(ctx: CallContext, input: ParsedInput<'roles.grantSeveral'>): Promise<Grant[]> {
    const actor = signedIn(ctx);
    const ids = await this.sql.tx(async () => {
      await lockAdminGrants(this.sql);
      if (!(await this.permits(actor, 'role.manage', []))) return null;
      const target = await this.get(input.userId);
      if (!target) throw new AppError('user.unknown');
      if (input.roles.includes('admin') && input.channelId !== null) throw new AppError('role.invalidScope');
      if (input.channelId !== null && !(await channelExists(this.sql, input.channelId))) {
        throw new AppError('channel.unknown', { id: input.channelId });
      }
      const expiresAt = input.expiresAt === null ? null : Date.parse(input.expiresAt);
      if (expiresAt !== null && expiresAt <= this.clock.now()) throw new AppError('role.expiryInPast');
      const added: string[] = [];
      for (const role of input.roles) {
        added.push(await this.addGrant(target.id, role, input.channelId, expiresAt, actor.username, target.username));
      }
      return added;
    });
    if (ids === null) return this.refuse(actor, 'role.manage', [], `user:${input.userId}`);
    return Promise.all(ids.map(async (id) => (await getGrant(this.sql, id))!.grant));
  }

  /**
   * An administrator sets another person's passphrase (forgotten, or a new person's first one
   * handed over in person): every session of theirs ends, so whoever knew the old one is out.
   * One's own is changed with the current passphrase instead (`changePassphrase`).
   */
  async resetPassphrase(ctx: CallContext, input: ParsedInput<'users.resetPassphrase'>): Promise<User> {
    const actor = signedIn(ctx);
    if (input.userId === actor.id) throw new AppError('user.resetSelf');
    const passHash = await this.hashChecked(input.passphrase);
    const ended = await this.sql.tx(async () => {
      if (!(await this.permits(actor, 'user.manage', []))) return null;
      const target = await this.get(input.userId);
      if (!target) throw new AppError('user.unknown');
      await setPassHash(this.sql, target.id, passHash);
      const ended = await revokeSessionsOf(this.sql, target.id, this.clock.now(), 'passphrase reset');
      await this.audit.append(actor.username, 'user.passphraseReset', `user:${target.username}`, { sessionsEnded: ended.length });
      return ended;
    });
    if (ended === null) return this.refuse(actor, 'user.manage', [], `user:${input.userId}`);
    this.forget(ended);
    return (await this.get(input.userId))!;
  }

  /**
   * The person signed in changes their own passphrase, proving it is them with the current one
   * (a wrong one counts towards the sign-in lock, as a wrong sign-in does). This session stays;
   * every other one ends.
   */
  async changePassphrase(ctx: CallContext, input: ParsedInput<'users.changePassphrase'>): Promise<User> {
    const user = signedIn(ctx);
    const subject = `user:${user.username}`;
    const now = this.clock.now();
    const since = now - signInWindowMs;
    const recorded = await failedSignInsSince(this.sql, subject, since);
    const unrecorded = (this.unrecordedFailures.get(subject) ?? []).filter((at) => at > since);
    if (recorded + unrecorded.length >= maxFailedSignIns) throw new AppError('auth.locked', { minutes: signInWindowMs / 60_000 });
    const found = await credentialsFor(this.sql, user.username);
    if (!found || !(await verifyPassphrase(input.current, found.passHash))) {
      if (!(await this.recordRefusal(user.username, 'auth.failed', now))) this.rememberFailure(subject, [...unrecorded, now], since);
      throw new AppError('user.wrongPassphrase');
    }
    if (input.current === input.passphrase) throw new AppError('user.samePassphrase');
    const passHash = await this.hashChecked(input.passphrase);
    const ended = await this.sql.tx(async () => {
      await setPassHash(this.sql, user.id, passHash);
      const ended = await revokeSessionsOf(this.sql, user.id, this.clock.now(), 'passphrase changed', ctx.session);
      await this.audit.append(user.username, 'user.passphraseChanged', subject, { sessionsEnded: ended.length });
      return ended;
    });
    this.forget(ended);
    return (await this.get(user.id))!;
  }

  /** Account pairs the user may see: null for all (a role for all pairs), else those granted. */
  async visibleChannels(user: User): Promise<Set<string> | null> {
    const now = this.clock.now();
    const active = (await this.grantsOf(user.id)).filter((g) => isGrantActive(g, now));
    if (active.some((g) => g.channelId === null)) return null;
    return new Set(active.map((g) => g.channelId!));
  }

  private async hashChecked(passphrase: string): Promise<string> {
    if ([...passphrase].length < minPassphraseLength) {
      throw new AppError('user.weakPassphrase', { min: minPassphraseLength });
    }
    return hashPassphrase(passphrase);
  }

  /** Call inside the transaction: the profile and its record commit together. */
  private async addUser(id: string, input: ParsedInput<'users.create'>, passHash: string, actor: string): Promise<void> {
    const added = await insertUser(this.sql, {
      id,
      username: input.username,
      displayName: input.displayName,
      passHash,
      createdAt: this.clock.now(),
    });
    if (!added) throw new AppError('user.taken', { username: input.username });
    await this.audit.append(actor, 'user.created', `user:${input.username}`, { displayName: input.displayName });
  }

  /** Call inside the transaction: the grant and its record commit together. */
  private async addGrant(
    userId: string,
    role: Role,
    channelId: string | null,
    expiresAt: number | null,
    actor: string,
    username = actor,
  ): Promise<string> {
    const id = randomUUID();
    await insertGrant(this.sql, { id, userId, role, channelId, expiresAt, grantedBy: actor, grantedAt: this.clock.now() });
    await this.audit.append(actor, 'role.granted', `user:${username}`, {
      grant: id,
      role,
      channel: channelId,
      expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    });
    return id;
  }
}
