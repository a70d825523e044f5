// tandem-server's transport: the same typed contract the desk's windows use over IPC, over HTTPS
// for desks on other computers. It has no rules of its own: every call goes to the same services
// through the same dispatch, with the caller's session read from the database at each call.
//
//   GET    /health                  is the service up and its database answering (no secrets)
//   POST   /api/session             sign in: { username, passphrase } → { token, expiresAt, user }
//   DELETE /api/session             sign out (this session)
//   POST   /api/bootstrap           first start only, and only from this computer: the first administrator
//   POST   /api/import              a new workspace only, and only from this computer: a solo desk moved in (importDesk.ts)
//   POST   /api/call/<method>       any other method of the contract, its input as the JSON body
//                                    (Idempotency-Key: a desk's own UUID for a change: applied once)
//   GET    /api/events              the person's event stream (server-sent events)
//
// A desk authenticates with `Authorization: Bearer <token>`; the token is random, given once, and
// kept in the database only as its hash. Plain HTTP is served only on a loopback address; anything
// else needs a certificate and key. Bodies are limited, slow requests time out, sign-ins are
// limited per address, and the log names routes, statuses and people's ids, never a token, a
// passphrase or a body.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Tandem } from '../main/app';
import type { ClientId } from '../main/services/context';
import type { Logger } from '../main/log';
import { isMethod, publicMethods, type Method } from '../shared/methods';
import { maxUploadBytes } from '../shared/contract';
import type { ErrorInfo } from '../shared/domain';
import { databaseAnswers } from '../main/db/faults';
import { json, readBody } from './http';
import { importDesk } from './importDesk';
import { maxImportBytes } from '../main/remote/importFormat';
import { AppError } from '../main/errors';
import { RateLimiter } from './rateLimit';

export interface ServerOptions {
  /** Where to listen; plain HTTP only on a loopback address (127.0.0.1, ::1). */
  host: string;
  port: number;
  /** PEM certificate and key: HTTPS. Required unless `host` is a loopback address. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  log: Logger;
  /** Sign-in attempts allowed per remote address per minute (the services also lock a username after 5 wrong passphrases). */
  signInsPerMinute?: number;
  /** How long a request may take to arrive whole. */
  requestTimeoutMs?: number;
}

export interface TandemServer {
  /** `https://host:port` or, on loopback without TLS, `http://…`. */
  url: string;
  close(): Promise<void>;
}

/** The largest body read: an image at the upload limit as base64, with room for the JSON around it. */
export const maxBodyBytes = Math.ceil(maxUploadBytes / 3) * 4 + 1024 * 1024;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

/** Methods with a route of their own (they open a session, which a call made with a session must not). */
const ownRoutes: ReadonlySet<Method> = new Set(['session.signIn', 'users.bootstrap']);

export class InsecureListenError extends Error {
  constructor(host: string) {
    super(`refusing plain HTTP on ${host}: give a certificate and key (TLS_CERT_FILE, TLS_KEY_FILE), or listen on 127.0.0.1`);
  }
}

export async function startServer(tandem: Tandem, options: ServerOptions): Promise<TandemServer> {
  if (!options.tls && !loopback.has(options.host)) throw new InsecureListenError(options.host);
  const { log } = options;
  const signIns = new RateLimiter(options.signInsPerMinute ?? 10, 60_000);
  const streams = new Set<{ res: http.ServerResponse; unsubscribe: () => void }>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<string> => {
    const url = new URL(req.url ?? '/', 'http://server');
    const path = url.pathname;
    if (path === '/health' && req.method === 'GET') {
      const database = (await databaseAnswers(tandem.sql)) ? 'ok' : 'unavailable';
      json(res, database === 'ok' ? 200 : 503, { status: database === 'ok' ? 'ok' : 'degraded', database, engine: tandem.sql.engine });
      return 'health';
    }
    if (path === '/api/session' && req.method === 'POST') {
      const address = req.socket.remoteAddress ?? 'unknown';
      const wait = signIns.take(address);
      if (wait > 0) {
        json(res, 429, failure({ code: 'auth.rateLimited', params: { seconds: Math.ceil(wait / 1000) } }), {
          'retry-after': String(Math.ceil(wait / 1000)),
        });
        return 'session.signIn';
      }
      return openSession(req, res, 'session.signIn');
    }
    if (path === '/api/bootstrap' && req.method === 'POST') {
      // Whoever makes the first profile becomes administrator: only someone at the server itself.
      if (!loopback.has(normalizeAddress(req.socket.remoteAddress))) {
        json(res, 403, failure({ code: 'auth.bootstrapLocalOnly' }));
        return 'users.bootstrap';
      }
      return openSession(req, res, 'users.bootstrap');
    }
    if (path === '/api/import' && req.method === 'POST') {
      // A whole desk, its credentials and its audit key: only from the server's own computer (or an
      // SSH tunnel to it), like the first administrator, and read before the body is.
      if (!loopback.has(normalizeAddress(req.socket.remoteAddress))) {
        res.setHeader('connection', 'close');
        json(res, 403, failure({ code: 'import.localOnly' }));
        return 'import';
      }
      // A limit of its own (a desk's database with its images), read as it streams in.
      const body = await readBody(req, maxImportBytes);
      if (body === null) {
        res.setHeader('connection', 'close');
        json(res, 413, failure({ code: 'input.tooLarge' }));
        return 'import';
      }
      await tandem.ready;
      try {
        const summary = await importDesk(tandem, body);
        // What moved, counted: never a secret (those were sealed, and are not in the summary).
        log.info('workspace.imported', { ...summary });
        json(res, 200, { ok: true, value: summary });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        json(res, statusOf(error.info), failure(error.info));
      }
      return 'import';
    }
    if (path === '/api/session' && req.method === 'DELETE') {
      const client = await authenticate(req, res);
      if (client === null) return 'session.signOut';
      json(res, 200, await tandem.dispatch({ client }, 'session.signOut', null));
      return 'session.signOut';
    }
    if (path.startsWith('/api/call/') && req.method === 'POST') {
      const method = decodeURIComponent(path.slice('/api/call/'.length));
      if (!isMethod(method) || ownRoutes.has(method)) {
        json(res, 404, failure({ code: 'input.invalid', params: { field: 'method' } }));
        return 'call.unknown';
      }
      // A method that works signed out (session.current, storage.problem…) is answered without a
      // session as it would be on a desk: for nobody in particular.
      const client = publicMethods.has(method) && !req.headers.authorization ? `anonymous:${randomUUID()}` : await authenticate(req, res);
      if (client === null) return method;
      // A change a desk made offline carries the desk's own id for it: applied once, however often sent.
      const mutationId = req.headers['idempotency-key'];
      if (mutationId !== undefined && (publicMethods.has(method) || typeof mutationId !== 'string' || !uuidPattern.test(mutationId))) {
        json(res, 400, failure({ code: 'input.invalid', params: { field: 'idempotency-key' } }));
        return method;
      }
      const input = await readJson(req, res);
      if (input === undefined) return method;
      json(res, 200, mutationId === undefined ? await tandem.dispatch({ client }, method, input) : await tandem.dispatchOnce({ client }, mutationId, method, input));
      return method;
    }
    if (path === '/api/events' && req.method === 'GET') {
      const client = await authenticate(req, res);
      if (client === null) return 'events';
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      // Each stream carries what the person signed in with this token may see, and nothing else.
      const stream = {
        res,
        unsubscribe: tandem.events.subscribe(client, (event, payload) => res.write(`data: ${JSON.stringify({ event, payload })}\n\n`)),
      };
      streams.add(stream);
      req.on('close', () => {
        stream.unsubscribe();
        streams.delete(stream);
      });
      return 'events';
    }
    json(res, 404, failure({ code: 'input.invalid', params: { field: 'path' } }));
    return 'unknown';
  };

  /** Sign-in or first administrator: a client of its own for the call, then the session's token. */
  async function openSession(req: http.IncomingMessage, res: http.ServerResponse, method: 'session.signIn' | 'users.bootstrap'): Promise<string> {
    const input = await readJson(req, res);
    if (input === undefined) return method;
    const client: ClientId = `sign-in:${randomUUID()}`;
    tandem.users.expectToken(client);
    const result = await tandem.dispatch({ client }, method, input);
    const issued = tandem.users.takeToken(client);
    if (!result.ok || issued === null) {
      json(res, result.ok ? 500 : statusOf(result.error), result.ok ? failure({ code: 'internal' }) : result);
      return method;
    }
    json(res, 200, { ok: true, value: { token: issued.token, expiresAt: new Date(issued.expiresAt).toISOString(), user: result.value } });
    return method;
  }

  /** The client of this request's session, or null (answered 401) without a live one. */
  async function authenticate(req: http.IncomingMessage, res: http.ServerResponse): Promise<ClientId | null> {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header)?.[1];
    const client = token ? await tandem.users.resume(token) : null;
    if (client === null) json(res, 401, failure({ code: 'auth.required' }), { 'www-authenticate': 'Bearer' });
    return client;
  }

  /** The JSON body, or undefined once answered (too large: 413, not JSON: 400). */
  async function readJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown> {
    const body = await readBody(req, maxBodyBytes);
    if (body === null) {
      // Answered at once; the rest of the body is let through unkept and the connection closes.
      res.setHeader('connection', 'close');
      json(res, 413, failure({ code: 'input.tooLarge' }));
      return undefined;
    }
    if (body.length === 0) return null;
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      json(res, 400, failure({ code: 'input.invalid' }));
      return undefined;
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    handle(req, res)
      .then((route) => {
        // Streams are logged when they open; everything else when answered. Never a header or a body.
        log.info('http', { method: req.method ?? '', route, status: res.statusCode, ms: Math.round(performance.now() - started) });
      })
      .catch((error: unknown) => {
        log.error('http.failed', { route: req.url?.split('?')[0]?.slice(0, 60) ?? '', error: error instanceof Error ? error.message.slice(0, 200) : 'unknown' });
        if (!res.headersSent) json(res, 500, failure({ code: 'internal' }));
        else res.destroy();
      });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, listener) : http.createServer(listener);
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  server.headersTimeout = Math.min(15_000, server.requestTimeout);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}`;
  log.info('server.listening', { url });
  return {
    url,
    async close() {
      for (const stream of streams) {
        stream.unsubscribe();
        stream.res.end();
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function failure(error: ErrorInfo): { ok: false; error: ErrorInfo } {
  return { ok: false, error };
}

/** The HTTP status a refused sign-in is answered with. */
function statusOf(error: ErrorInfo): number {
  if (error.code === 'auth.invalid') return 401;
  if (error.code === 'auth.locked') return 429;
  if (error.code.startsWith('input.') || error.code === 'import.unreadable') return 400;
  if (error.code === 'import.workspaceNotNew' || error.code === 'import.versionMismatch') return 409;
  return 403;
}

const normalizeAddress = (address: string | undefined) => (address?.startsWith('::ffff:') ? address.slice(7) : (address ?? ''));
