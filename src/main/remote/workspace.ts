// A desk joined to a team workspace: its main process forwards each call of its windows to
// tandem-server, and passes on the events the server streams to the person signed in. The
// renderer does not change: it talks to `window.api` as on a solo desk, and this stands where the
// local services stood (the same `dispatch` and `events` a transport binds).
//
// The session's token is kept in the OS keychain, so the desk's person stays signed in across a
// restart until the session ends (sign-out, expiry, revoked on the server). What the server
// refuses comes back as the server said it; a server that cannot be reached is said so
// (`workspace.unreachable`), never as a crash.
import http from 'node:http';
import https from 'node:https';
import keytar from 'keytar';
import type { Result } from '../../shared/contract';
import { isEventName, isMethod, publicMethods } from '../../shared/methods';
import { errorCodes, type ErrorInfo } from '../../shared/domain';
import { EventBus } from '../events';
import { readEventStream } from './eventStream';
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

  constructor(private readonly options: WorkspaceOptions) {
    this.base = new URL(options.url);
    if (this.base.protocol !== 'https:' && this.base.hostname !== '127.0.0.1') {
      throw new Error(`a workspace is reached over HTTPS (${this.base.origin} is not)`);
    }
    this.log = options.log ?? createLogger();
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** What the windows' transport calls, as it calls the local services on a solo desk. */
  dispatch = async (caller: Caller, method: unknown, input?: unknown): Promise<Result<unknown>> => {
    if (!isMethod(method)) return fail({ code: 'input.invalid' });
    if (method === 'users.bootstrap') return fail({ code: 'auth.bootstrapLocalOnly' });
    if (method === 'session.signIn') return this.signIn(caller, input);
    const token = await this.currentToken();
    if (method === 'session.signOut') return this.signOut(token);
    if (token === null && !publicMethods.has(method)) return fail({ code: 'auth.required' });
    const answer = await this.request('POST', `/api/call/${method}`, input ?? null, publicMethods.has(method) && token === null ? null : token);
    if (answer === null) return fail(unreachable);
    if (answer.status === 401) {
      // Ended on the server (signed out elsewhere, expired, a role revoked): signed out here too.
      await this.forgetToken();
      return fail({ code: 'auth.required' });
    }
    if (method === 'session.current') this.follow(caller.client);
    return answer.body;
  };

  /** Stops every event stream (the desk is closing or leaving the workspace). */
  close(): void {
    for (const stop of this.streams.values()) stop();
    this.streams.clear();
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
    this.close();
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
          },
          malformed: () => this.log.warn('workspace.badEvent', {}),
        });
        // The stream ended (the server restarted, the network dropped): open it again shortly.
        res.on('end', () => setTimeout(connect, 1_000).unref());
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
  private request(method: 'POST' | 'DELETE', path: string, body: unknown, token: string | null): Promise<Answer | null> {
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
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
            // Checked where it arrives: a result, or a refusal with a code the desk can say.
            if (isResult(body)) resolve({ status: res.statusCode ?? 0, body });
            else {
              this.log.warn('workspace.badAnswer', { status: res.statusCode ?? 0 });
              resolve({ status: res.statusCode ?? 0, body: fail({ code: 'internal' }) });
            }
          });
          res.on('error', () => resolve(null));
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

function fail(error: ErrorInfo): Result<never> {
  return { ok: false, error };
}
