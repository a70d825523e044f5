// "This is a public number": a drafter or translator asks for a number (or address) the
// personal-information check flagged to go on the allow-list; an administrator allows it — added to
// the allow-list in the same step — or dismisses it. Every step is audited. The number itself is
// kept out of the append-only trail until it is allowed: a dismissed request is usually someone's
// real personal information, and the trail can never forget.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/sql';
import { lockSettings } from '../db/settings';
import {
  decidePiiRequest,
  getPiiRequest,
  insertPiiRequest,
  pairExists,
  pendingPiiRequestFor,
  pendingPiiRequests,
} from '../db/piiRequests';
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
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly settings: SettingsService,
    /** Whether this person may see the pair (so a request cannot point at one they cannot). */
    private readonly pairVisible: (pairId: string, user: User) => boolean | Promise<boolean>,
  ) {}

  /** Asked by anyone who drafts or translates; the same text already waiting is the same request. */
  async request(ctx: CallContext, input: ParsedInput<'pii.requestAllow'>): Promise<PiiAllowRequest> {
    const user = signedIn(ctx);
    await this.users.authorizeAny(user, ['pair.create', 'pair.edit'], 'piiRequests');
    if (!isFlaggedAs(input.match, input.kind)) throw new AppError('pii.notFlagged');
    const pairId = input.pairId ?? null;
    if (pairId !== null && !((await pairExists(this.sql, pairId)) && (await this.pairVisible(pairId, user)))) {
      throw new AppError('pair.unknown');
    }
    const matchKey = piiKey(input.match);
    return this.sql.tx(async () => {
      let waiting = await pendingPiiRequestFor(this.sql, matchKey);
      let id = waiting?.id ?? randomUUID();
      if (!waiting) {
        const request = { id, match: input.match, matchKey, kind: input.kind, requestedBy: user.id, requestedAt: this.clock.now(), pairId };
        if (!(await insertPiiRequest(this.sql, request))) {
          // Someone else's ask for the same text was committed between our look and our insert
          // (PostgreSQL runs transactions side by side; SQLite's run one at a time): theirs is the
          // request, as it would have been had they asked a moment sooner.
          waiting = await pendingPiiRequestFor(this.sql, matchKey);
          if (!waiting) throw new Error('pii_request: a request waiting for this text was in the way, then was gone');
          id = waiting.id;
        }
      }
      await this.audit.append(user.username, 'pii.allowRequested', `piiRequest:${id}`, {
        kind: input.kind,
        pairId,
        alreadyAsked: waiting !== undefined,
      });
      return (await getPiiRequest(this.sql, id))!;
    });
  }

  /** Requests waiting for a decision, oldest first, with who asked and when. */
  async pending(ctx: CallContext): Promise<PiiAllowRequest[]> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'workspace.settings', [], 'piiRequests');
    return pendingPiiRequests(this.sql);
  }

  /** Puts the request's text on the allow-list and records the decision, together. */
  async allow(ctx: CallContext, requestId: string): Promise<WorkspaceSettings> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'workspace.settings', [], 'piiRequests');
    const request = await this.waiting(requestId);
    await this.sql.tx(async () => {
      // Read and written under the settings lock: two allowances at once both reach the list.
      await lockSettings(this.sql);
      const checks = await this.settings.checks();
      const key = piiKey(request.match);
      if (!checks.piiAllowList.some((entry) => piiKey(entry) === key)) {
        const next = checkSettingsSchema.safeParse({ ...checks, piiAllowList: [...checks.piiAllowList, request.match] });
        if (!next.success) throw new AppError('pii.allowListFull');
        await this.settings.update(ctx, { checks: next.data });
      }
      await decidePiiRequest(this.sql, request.id, 'allowed', user.id, this.clock.now());
      await this.audit.append(user.username, 'pii.allowed', `piiRequest:${request.id}`, {
        match: request.match,
        kind: request.kind,
        requestedBy: request.requestedBy.username,
        requestedAt: request.requestedAt,
      });
    });
    return this.settings.get();
  }

  async dismiss(ctx: CallContext, requestId: string): Promise<PiiAllowRequest> {
    const user = signedIn(ctx);
    await this.users.authorize(user, 'workspace.settings', [], 'piiRequests');
    const request = await this.waiting(requestId);
    await this.sql.tx(async () => {
      await decidePiiRequest(this.sql, request.id, 'dismissed', user.id, this.clock.now());
      await this.audit.append(user.username, 'pii.dismissed', `piiRequest:${request.id}`, {
        kind: request.kind,
        requestedBy: request.requestedBy.username,
        requestedAt: request.requestedAt,
      });
    });
    return (await getPiiRequest(this.sql, request.id))!;
  }

  private async waiting(requestId: string): Promise<PiiAllowRequest> {
    const request = await getPiiRequest(this.sql, requestId);
    if (!request || request.decision !== null) throw new AppError('pii.requestUnknown');
    return request;
  }
}
