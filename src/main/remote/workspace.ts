// A desk joined to a team workspace: its main process forwards each call of its windows to
// tandem-server, and passes on the events the server streams to the person signed in. The
// renderer does not change: it talks to `window.api` as on a solo desk, and this stands where the
// local services stood (the same `dispatch` and `events` a transport binds).
//
// The session's token is kept in the OS keychain, so the desk's person stays signed in across a
// restart until the session ends (sign-out, expiry, revoked on the server). What the server
// refuses comes back as the server said it; a server that cannot be reached is said so
// (`workspace.unreachable`), never as a crash.
//
// Offline (remote/offline.ts), the desk answers from its copy: drafting and translating go on and
// are queued; the queue, "Waiting for me" and one pair are read from the copy; approving,
// scheduling, rescheduling, duplicating and publishing say they need the workspace. Back online, the
// queue is sent in order, each change once, then the copy is brought up to date.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import type { Outbox, Result } from '../../shared/contract';
import { isEventName, isMethod, publicMethods, type Method } from '../../shared/methods';
import { OfflineCopyStore } from '../db/offlineCopy';
import { OfflineDesk, offlineMethods, Refusal } from './offline';
import { errorCodes, type ErrorInfo } from '../../shared/domain';
import { EventBus } from '../events';
import { readEventStream } from './eventStream';
import { readJsonAnswer } from './answer';
import { parseInput } from '../services/input';
import type { Caller, ClientId } from '../services/context';
import { createLogger, type Logger } from '../log';

/** Where the desk keeps its session token: the OS keychain, one entry per workspace address. */
export interface TokenStore {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
  delete(): Promise<void>;
}

export function keychainTokenStore(workspaceUrl: string, service = 'ca.gc.tandem.workspace'): TokenStore {
  const account = `session:${new URL(workspaceUrl).origin}`;
  return {
    get: () => keytar.getPassword(service, account),
    set: (token) => keytar.setPassword(service, account, token),
    delete: async () => {
      await keytar.deletePassword(service, account);
    },
  };
}

export interface WorkspaceOptions {
  /** The server's address (`https://…`; `http://` only for 127.0.0.1). */
  url: string;
  tokens: TokenStore;
  /** A certificate authority to trust for the server (a department's own), beside the system's. */
  ca?: string | Buffer;
  log?: Logger;
  /** How long a call may take before the server counts as unreachable. */
  timeoutMs?: number;
  /**
   * The desk's own folder for this workspace: its offline copy and outbox (`copy.db`). Without
   * one they are kept in memory (tests), and lost when the desk closes.
   */
  dataDir?: string;
  /** How often a desk that lost its workspace tries again. */
  retryMs?: number;
}

interface Answer {
  status: number;
  body: Result<unknown>;
}

const unreachable: ErrorInfo = { code: 'workspace.unreachable' };

export class WorkspaceDesk {
  /** The events each window may see, as the server streamed them to its person. */
  readonly events = new EventBus();
  private readonly base: URL;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private token: string | null | undefined;
  /** One event stream per window, open while its person is signed in. */
  private readonly streams = new Map<ClientId, () => void>();
  private readonly offline: OfflineDesk;
  private online = true;
  private probe: NodeJS.Timeout | null = null;
  /** Sending the outbox and pulling the copy: one at a time, in order. */
  private syncing: Promise<unknown> = Promise.resolve();
  private pullSoon: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: WorkspaceOptions) {
    this.base = new URL(options.url);
    if (this.base.protocol !== 'https:' && this.base.hostname !== '127.0.0.1') {
      throw new Error(`a workspace is reached over HTTPS (${this.base.origin} is not)`);
    }
    this.log = options.log ?? createLogger();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
    this.offline = new OfflineDesk(new OfflineCopyStore(options.dataDir ? path.join(options.dataDir, 'copy.db') : ':memory:'), this.log);
  }

  /** Whether the workspace answered the last time the desk asked. */
  get reachable(): boolean {
    return this.online;
  }

  /** What the windows' transport calls, as it calls the local services on a solo desk. */
  dispatch = async (caller: Caller, method: unknown, input?: unknown): Promise<Result<unknown>> => {
    if (!isMethod(method)) return fail({ code: 'input.invalid' });
    if (method === 'users.bootstrap') return fail({ code: 'auth.bootstrapLocalOnly' });
    if (method === 'session.signIn') return this.signIn(caller, input);
    const token = await this.currentToken();
    if (method === 'session.signOut') return this.signOut(token);
    if (token === null && !publicMethods.has(method)) return fail({ code: 'auth.required' });
    if (method === 'outbox.list') return { ok: true, value: this.outbox() };
    if (method === 'outbox.resolve') return this.resolve(input);
    if (token === null && method === 'session.current' && !this.online) return { ok: true, value: { user: null, needsBootstrap: false } };
    // A change made while earlier ones still wait is queued behind them: the workspace gets them in order.
    if (offlineMethods.has(method) && token !== null && (!this.online || this.offline.hasWaiting())) return this.queued(method, input);
    if (!this.online && token !== null) return this.offline.answer(method, input);
    // The desk names a new pair and each change, so that an answer lost on the way can be asked again.
    if (method === 'pairs.create' && isRecord(input) && input['id'] === undefined) input = { ...input, id: randomUUID() };
    const mutationId = offlineMethods.has(method) ? randomUUID() : undefined;
    const answer = await this.request('POST', `/api/call/${method}`, input ?? null, publicMethods.has(method) && token === null ? null : token, mutationId);
    if (answer === null) {
      this.wentOffline();
      if (token === null) return fail(unreachable);
      // Perhaps applied, perhaps not: queued with the same id, so sending it again is harmless.
      if (offlineMethods.has(method)) return this.queued(method, input, mutationId);
      const local = this.offline.answer(method, input);
      return !local.ok && local.error.code === 'workspace.offline' && !isRead(method) ? fail(unreachable) : local;
    }
    if (answer.status === 401) {
      // Ended on the server (signed out elsewhere, expired, a role revoked): signed out here too.
      await this.forgetToken();
      return fail({ code: 'auth.required' });
    }
    this.offline.remember(method, input, answer.body);
    if (method === 'session.current') {
      this.follow(caller.client);
      if (answer.body.ok && (answer.body.value as { user: unknown }).user) this.syncSoon(0);
    }
    return answer.body;
  };

  /** Stops every event stream (the desk is closing or leaving the workspace). */
  close(): void {
    this.closed = true;
    for (const stop of this.streams.values()) stop();
    this.streams.clear();
    if (this.probe) clearInterval(this.probe);
    if (this.pullSoon) clearTimeout(this.pullSoon);
  }

  /** Closes the desk's copy too, once what was under way has finished (before its folder is removed). */
  async shutdown(): Promise<void> {
    this.close();
    await this.syncing.catch(() => undefined);
    this.offline.close();
  }

  /** Changes made here that are not yet in the workspace (leaving would lose them). */
  get unsent(): number {
    // Everyone's: a person who signed out keeps their changes here until they sign in again.
    return this.offline.unsentCount();
  }

  /** Brings the copy up to date now (and sends what waits first); resolves when done or unreachable. */
  sync(): Promise<void> {
    const run = this.syncing.then(async () => {
      if (this.closed || (await this.currentToken()) === null) return;
      const sent = await this.offline.flush(this.send);
      if (sent === 'unreachable') return this.wentOffline();
      const changed = await this.offline.pull(this.send);
      if (changed === null) return this.wentOffline();
      this.emitStatus();
      if (changed.length > 0) this.events.emit('pairs.changed', { pairIds: changed });
    });
    this.syncing = run.catch((error: unknown) => this.log.warn('workspace.syncFailed', { error: error instanceof Error ? error.message : String(error) }));
    return this.syncing as Promise<void>;
  }

  private syncSoon(delayMs = 200): void {
    if (this.pullSoon || this.closed) return;
    this.pullSoon = setTimeout(() => {
      this.pullSoon = null;
      void this.sync();
    }, delayMs);
    this.pullSoon.unref?.();
  }

  /** One call for the outbox and the copy: the answer, or null when the workspace cannot be reached. */
  private send = async (method: Method, input: unknown, mutationId?: string): Promise<Result<unknown> | null> => {
    const token = await this.currentToken();
    if (token === null) return null;
    const answer = await this.request('POST', `/api/call/${method}`, input ?? null, token, mutationId);
    if (answer === null) return null;
    if (answer.status === 401) {
      await this.forgetToken();
      return null;
    }
    return answer.body;
  };

  private queued(method: Method, input: unknown, mutationId?: string): Result<unknown> {
    const result = this.offline.answer(method, input, mutationId);
    if (result.ok && method !== 'media.upload') this.events.emit('pairs.changed', { pairIds: [(result.value as { id: string }).id] });
    this.emitStatus();
    if (this.online) void this.sync();
    return result;
  }

  private outbox(): Outbox {
    return { status: this.offline.status(this.online), entries: this.offline.entries() };
  }

  private async resolve(input: unknown): Promise<Result<unknown>> {
    const parsed = parseInput('outbox.resolve', input);
    if (!parsed.ok) return parsed;
    try {
      this.offline.resolve(parsed.value.id, parsed.value.keep);
    } catch (error) {
      if (error instanceof Refusal) return fail(error.info);
      throw error;
    }
    this.emitStatus();
    this.events.emit('pairs.changed', { pairIds: [] });
    if (this.online) await this.sync();
    return { ok: true, value: this.outbox() };
  }

  private emitStatus(): void {
    this.events.emit('desk.status', this.offline.status(this.online));
  }

  /** The workspace did not answer: work from the copy, and ask again every few seconds. */
  private wentOffline(): void {
    if (this.closed) return;
    if (this.online) {
      this.online = false;
      this.log.warn('workspace.offline', {});
      this.emitStatus();
    }
    if (this.probe) return;
    this.probe = setInterval(() => {
      void this.health().then((up) => {
        if (up) this.backOnline();
      });
    }, this.options.retryMs ?? 2_000);
    this.probe.unref?.();
  }

  /**
   * The workspace answered (the probe, or any call such as a sign-in): the desk works through it
   * again, sends what waits and brings its copy up to date.
   */
  private backOnline(): void {
    if (this.online || this.closed) return;
    this.online = true;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    this.log.info('workspace.online', {});
    this.emitStatus();
    void this.sync();
  }

  /** Asks the workspace whether it is there (its event stream just dropped); offline if not. */
  private checkReachable(): void {
    if (!this.online || this.closed) return;
    void this.health().then((up) => {
      if (!up) this.wentOffline();
    });
  }

  private health(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = this.transport().get(new URL('/health', this.base), { ca: this.options.ca, timeout: 5_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }

  private async signIn(caller: Caller, input: unknown): Promise<Result<unknown>> {
    const answer = await this.request('POST', '/api/session', input ?? null, null);
    if (answer === null) return fail(unreachable);
    if (!answer.body.ok) return answer.body;
    const { token, user } = answer.body.value as { token: string; user: unknown };
    this.token = token;
    await this.options.tokens.set(token);
    this.events.emit('session.changed', {});
    this.follow(caller.client);
    this.syncSoon(0);
    return { ok: true, value: user };
  }

  private async signOut(token: string | null): Promise<Result<unknown>> {
    if (token === null) return fail({ code: 'auth.required' });
    const answer = await this.request('DELETE', '/api/session', undefined, token);
    // Signed out here whatever the server said: the token is forgotten, and ended there if it could be.
    await this.forgetToken();
    if (answer === null) this.log.warn('workspace.signOutUnsent', {});
    return { ok: true, value: null };
  }

  private async currentToken(): Promise<string | null> {
    if (this.token === undefined) {
      try {
        this.token = await this.options.tokens.get();
      } catch {
        this.token = null;
      }
    }
    return this.token;
  }

  private async forgetToken(): Promise<void> {
    const had = this.token !== null && this.token !== undefined;
    this.token = null;
    await this.options.tokens.delete().catch(() => undefined);
    for (const stop of this.streams.values()) stop();
    this.streams.clear();
    // The copy was that person's view; changes they made here and did not send stay for their return.
    this.offline.forget();
    if (had) this.events.emit('session.changed', {});
  }

  /** Opens this window's event stream from the server, if its person is signed in and it has none. */
  private follow(client: ClientId): void {
    const token = this.token;
    if (!token || this.streams.has(client)) return;
    let stopped = false;
    let request: http.ClientRequest | undefined;
    const connect = () => {
      if (stopped || this.token !== token) return;
      const url = new URL('/api/events', this.base);
      request = this.transport().get(url, { headers: { authorization: `Bearer ${token}` }, ca: this.options.ca }, (res) => {
        if (res.statusCode === 401) {
          res.resume();
          void this.forgetToken();
          return;
        }
        readEventStream(res, {
          message: (event, payload) => {
            if (isEventName(event)) this.events.emit(event, payload as never, client);
            // The copy follows: what changed is pulled shortly (many changes, one pull).
            if (event === 'pairs.changed' || event === 'session.changed') this.syncSoon();
          },
          malformed: () => this.log.warn('workspace.badEvent', {}),
        });
        // The stream ended or broke (the server restarted, the network dropped): open it again
        // shortly. 'close', not 'end': a connection cut off mid-stream is aborted and never ends.
        // If the workspace is gone, the person is told now rather than at their next call; if it
        // is there, the copy is brought up to date, since events were missed meanwhile.
        res.on('close', () => {
          if (stopped) return;
          this.checkReachable();
          setTimeout(connect, 1_000).unref();
          this.syncSoon(1_000);
        });
      });
      request.on('error', () => setTimeout(connect, 1_000).unref());
    };
    this.streams.set(client, () => {
      stopped = true;
      request?.destroy();
    });
    connect();
  }

  private transport(): typeof https | typeof http {
    return this.base.protocol === 'https:' ? https : http;
  }

  /** One call to the server; null when it could not be reached or did not answer in time. */
  private request(method: 'POST' | 'DELETE', path: string, body: unknown, token: string | null, mutationId?: string): Promise<Answer | null> {
    return new Promise((resolve) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = this.transport().request(
        new URL(path, this.base),
        {
          method,
          ca: this.options.ca,
          timeout: this.timeoutMs,
          headers: {
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(mutationId ? { 'idempotency-key': mutationId } : {}),
          },
        },
        (res) => {
          void readJsonAnswer(res).then((body) => {
            if (body === null) return resolve(null);
            this.backOnline();
            // Checked where it arrives: a result, or a refusal with a code the desk can say.
            if (isResult(body)) resolve({ status: res.statusCode ?? 0, body });
            else {
              this.log.warn('workspace.badAnswer', { status: res.statusCode ?? 0 });
              resolve({ status: res.statusCode ?? 0, body: fail({ code: 'internal' }) });
            }
          });
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end(payload);
    });
  }
}

function isResult(body: unknown): body is Result<unknown> {
  if (typeof body !== 'object' || body === null) return false;
  const { ok, error } = body as { ok?: unknown; error?: { code?: unknown; params?: unknown } };
  if (ok === true) return 'value' in body;
  if (ok !== false || typeof error !== 'object' || error === null) return false;
  const params = error.params;
  return (
    (errorCodes as readonly unknown[]).includes(error.code) &&
    (params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params)))
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Methods that only read: offline, the copy's answer (or "needs the workspace") rather than "cannot reach it". */
function isRead(method: Method): boolean {
  return (
    method.endsWith('.list') ||
    method.endsWith('.query') ||
    method.endsWith('.get') ||
    method.endsWith('.current') ||
    method === 'pairs.open' ||
    method === 'pairs.waiting' ||
    method === 'media.read' ||
    method === 'pii.requests' ||
    method === 'storage.problem'
  );
}

function fail(error: ErrorInfo): Result<never> {
  return { ok: false, error };
}
