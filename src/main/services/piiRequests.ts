// "This is a public number": a drafter or translator asks for a number (or address) the
// personal-information check flagged to go on the allow-list; an administrator allows it — added to
// the allow-list in the same step — or dismisses it. Every step is audited. The number itself is
// kept out of the append-only trail until it is allowed: a dismissed request is usually someone's
// real personal information, and the trail can never forget.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { PiiRequestStore } from '../db/piiRequests';
import type { Clock } from '../clock';
import type { User } from '../../shared/domain';
import type { ParsedInput, PiiAllowRequest, WorkspaceSettings } from '../../shared/contract';
import { checkSettingsSchema } from '../../shared/contract';
import { isFlaggedAs, piiKey } from '../../shared/pii';
import { AppError } from '../errors';
import { signedIn, type CallContext } from './context';
import type { AuditLog } from './audit';
import type { SettingsService } from './settings';
import type { UserService } from './users';

export class PiiRequestService {
  private readonly store: PiiRequestStore;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly settings: SettingsService,
    /** Whether this person may see the pair (so a request cannot point at one they cannot). */
    private readonly pairVisible: (pairId: string, user: User) => boolean,
  ) {
    this.store = new PiiRequestStore(db);
  }

  /** Asked by anyone who drafts or translates; the same text already waiting is the same request. */
  request(ctx: CallContext, input: ParsedInput<'pii.requestAllow'>): PiiAllowRequest {
    const user = signedIn(ctx);
    this.users.authorizeAny(user, ['pair.create', 'pair.edit'], 'piiRequests');
    if (!isFlaggedAs(input.match, input.kind)) throw new AppError('pii.notFlagged');
    const pairId = input.pairId ?? null;
    if (pairId !== null && !(this.store.pairExists(pairId) && this.pairVisible(pairId, user))) throw new AppError('pair.unknown');
    const matchKey = piiKey(input.match);
    return this.db.transaction(() => {
      const waiting = this.store.pendingFor(matchKey);
      const id = waiting?.id ?? randomUUID();
      if (!waiting) {
        this.store.insert({ id, match: input.match, matchKey, kind: input.kind, requestedBy: user.id, requestedAt: this.clock.now(), pairId });
      }
      this.audit.append(user.username, 'pii.allowRequested', `piiRequest:${id}`, {
        kind: input.kind,
        pairId,
        alreadyAsked: waiting !== undefined,
      });
      return this.store.get(id)!;
    })();
  }

  /** Requests waiting for a decision, oldest first, with who asked and when. */
  pending(ctx: CallContext): PiiAllowRequest[] {
    const user = signedIn(ctx);
    this.users.authorize(user, 'workspace.settings', [], 'piiRequests');
    return this.store.pending();
  }

  /** Puts the request's text on the allow-list and records the decision, together. */
  allow(ctx: CallContext, requestId: string): WorkspaceSettings {
    const user = signedIn(ctx);
    this.users.authorize(user, 'workspace.settings', [], 'piiRequests');
    const request = this.waiting(requestId);
    this.db.transaction(() => {
      const checks = this.settings.checks();
      const key = piiKey(request.match);
      if (!checks.piiAllowList.some((entry) => piiKey(entry) === key)) {
        const next = checkSettingsSchema.safeParse({ ...checks, piiAllowList: [...checks.piiAllowList, request.match] });
        if (!next.success) throw new AppError('pii.allowListFull');
        this.settings.update(ctx, { checks: next.data });
      }
      this.store.decide(request.id, 'allowed', user.id, this.clock.now());
      this.audit.append(user.username, 'pii.allowed', `piiRequest:${request.id}`, {
        match: request.match,
        kind: request.kind,
        requestedBy: request.requestedBy.username,
        requestedAt: request.requestedAt,
      });
    })();
    return this.settings.get();
  }

  dismiss(ctx: CallContext, requestId: string): PiiAllowRequest {
    const user = signedIn(ctx);
    this.users.authorize(user, 'workspace.settings', [], 'piiRequests');
    const request = this.waiting(requestId);
    this.db.transaction(() => {
      this.store.decide(request.id, 'dismissed', user.id, this.clock.now());
      this.audit.append(user.username, 'pii.dismissed', `piiRequest:${request.id}`, {
        kind: request.kind,
        requestedBy: request.requestedBy.username,
        requestedAt: request.requestedAt,
      });
    })();
    return this.store.get(request.id)!;
  }

  private waiting(requestId: string): PiiAllowRequest {
    const request = this.store.get(requestId);
    if (!request || request.decision !== null) throw new AppError('pii.requestUnknown');
    return request;
  }
}
