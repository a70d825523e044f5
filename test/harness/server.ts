// The web harness: serves the built renderer and the same dispatch table Electron's ipcMain
// serves, over loopback HTTP, so a real browser can drive the real app without Electron. Each
// browser is one client, as each Electron window is: a cookie set on its first page load names it
// in every call and on its event stream, so several people can be signed in side by side.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { EventBus } from '../../src/main/events';
import type { ClientDispatch } from '../../src/main/ipc/handlers';
import type { ClientId } from '../../src/main/services/context';
import { maxUploadBytes } from '../../src/shared/contract';
import { json, readBody } from '../../src/server/http';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const shimFile = path.join(import.meta.dirname, 'shim.js');

/** The largest call body read: an image at the upload limit, as base64, with room for the JSON around it. */
export const maxBodyBytes = Math.ceil(maxUploadBytes / 3) * 4 + 1024 * 1024;

/** The cookie naming a browser's client: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const clientCookie = 'tandem-client';

export interface Harness {
  url: string;
  /**
   * Lets a browser act as this client (a test's own, signed in from the test): the cookie to give
   * its context before it loads the page.
   */
  cookieFor(client: ClientId): { name: string; value: string; url: string; httpOnly: true; sameSite: 'Strict' };
  close(): Promise<void>;
}

/** The services (a Tandem) or a host that may be showing a start-up problem instead (host.ts). */
export interface HarnessApp {
  dispatch: ClientDispatch;
  events: EventBus;
}

export async function startHarness(tandem: HarnessApp, rendererDir: string, port = 0): Promise<Harness> {
  /** The clients this harness named; a cookie it did not set names nobody (it is replaced at the next page load). */
  const clients = new Set<ClientId>();
  const streams = new Map<http.ServerResponse, () => void>();
  let origin = '';

  const clientOf = (req: http.IncomingMessage): ClientId | null => {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, value] = part.trim().split('=');
      if (name === clientCookie && value !== undefined && clients.has(value)) return value;
    }
    return null;
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      // Like the IPC sender check: only the harness's own page may call the API.
      if (req.headers.host !== new URL(origin).host) return end(res, 403, 'forbidden');
      if (url.pathname === '/api/call' && req.method === 'POST') {
        // No cookie of ours: not a page this harness served.
        const client = clientOf(req);
        if (req.headers.origin !== origin || client === null) {
          return json(res, 403, { ok: false, error: { code: 'ipc.untrusted' } });
        }
        const body = await readBody(req, maxBodyBytes);
        if (body === null) {
          // Answered at once; the rest of the body is let through unkept and the connection closes.
          res.setHeader('connection', 'close');
          return json(res, 413, { ok: false, error: { code: 'input.tooLarge' } });
        }
        let message: { method?: unknown; input?: unknown };
        try {
          message = JSON.parse(body.toString('utf8')) as typeof message;
        } catch {
          return json(res, 400, { ok: false, error: { code: 'input.invalid' } });
        }
        return json(res, 200, await tandem.dispatch({ client }, message.method, message.input));
      }
      if (url.pathname === '/api/events') {
        // The page's own EventSource sends no Origin (same origin) or the harness's own; a page of
        // any other site never gets the stream.
        if (req.headers.origin !== undefined && req.headers.origin !== origin) return end(res, 403, 'forbidden');
        // Each stream carries what the person signed in on its client may see, and nothing else.
        const client = clientOf(req);
        if (client === null) return end(res, 403, 'forbidden');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(': connected\n\n');
        streams.set(
          res,
          tandem.events.subscribe(client, (event, payload) =>
            res.write(`data: ${JSON.stringify({ event, payload })}\n\n`),
          ),
        );
        req.on('close', () => {
          streams.get(res)?.();
          streams.delete(res);
        });
        return;
      }
      if (url.pathname === '/__harness/shim.js') {
        return file(res, shimFile);
      }
      if (url.pathname === '/' || url.pathname === '/index.html') {
        if (clientOf(req) === null) res.setHeader('set-cookie', cookie(newClient()));
        const html = await fs.readFile(path.join(rendererDir, 'index.html'), 'utf8');
        const withShim = html.replace('<script', '<script src="/__harness/shim.js"></script>\n    <script');
        res.writeHead(200, { 'content-type': types['.html']! });
        return res.end(withShim);
      }
      const resolved = path.resolve(rendererDir, '.' + decodeURIComponent(url.pathname));
      if (!resolved.startsWith(path.resolve(rendererDir) + path.sep)) return end(res, 404, 'not found');
      return file(res, resolved);
    } catch (error) {
      end(res, 500, error instanceof Error ? error.message : 'error');
    }
  });

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  function newClient(): ClientId {
    const client = randomBytes(24).toString('base64url');
    clients.add(client);
    return client;
  }
  return {
    url: origin,
    cookieFor(client) {
      clients.add(client);
      return { name: clientCookie, value: client, url: origin, httpOnly: true, sameSite: 'Strict' };
    },
    async close() {
      for (const [stream, unsubscribe] of streams) {
        unsubscribe();
        stream.end();
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sent with every call and the event stream of this browser, never readable by the page's scripts. */
function cookie(client: ClientId): string {
  return `${clientCookie}=${client}; Path=/; HttpOnly; SameSite=Strict`;
}

async function file(res: http.ServerResponse, filePath: string): Promise<void> {
  try {
    const body = await fs.readFile(filePath);
    res.writeHead(200, { 'content-type': types[path.extname(filePath)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    end(res, 404, 'not found');
  }
}

function end(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
