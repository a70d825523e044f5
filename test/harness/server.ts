// The web harness: serves the built renderer and the same dispatch table Electron's ipcMain
// serves, over loopback HTTP, so a real browser can drive the real app without Electron.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Tandem } from '../../src/main/app';
import { maxUploadBytes } from '../../src/shared/contract';

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

export interface Harness {
  url: string;
  close(): Promise<void>;
}

/** The services (a Tandem) or a host that may be showing a start-up problem instead (host.ts). */
export type HarnessApp = Pick<Tandem, 'dispatch' | 'events'>;

export async function startHarness(tandem: HarnessApp, rendererDir: string, port = 0): Promise<Harness> {
  const streams = new Set<http.ServerResponse>();
  const unsubscribe = tandem.events.subscribe((event, payload) => {
    for (const stream of streams) stream.write(`data: ${JSON.stringify({ event, payload })}\n\n`);
  });
  let origin = '';

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      // Like the IPC sender check: only the harness's own page may call the API.
      if (req.headers.host !== new URL(origin).host) return end(res, 403, 'forbidden');
      if (url.pathname === '/api/call' && req.method === 'POST') {
        if (req.headers.origin !== origin) {
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
        return json(res, 200, await tandem.dispatch(message.method, message.input));
      }
      if (url.pathname === '/api/events') {
        // The page's own EventSource sends no Origin (same origin) or the harness's own; a page of
        // any other site never gets the stream.
        if (req.headers.origin !== undefined && req.headers.origin !== origin) return end(res, 403, 'forbidden');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (url.pathname === '/__harness/shim.js') {
        return file(res, shimFile);
      }
      if (url.pathname === '/' || url.pathname === '/index.html') {
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
  return {
    url: origin,
    async close() {
      unsubscribe();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The request's body, or null as soon as it passes `limit` bytes. Nothing more is kept then, and
 * the request is not destroyed, so the caller can still answer it.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', reject);
      resolve(null);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
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

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function end(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
