// The web harness: serves the built renderer and the same dispatch table Electron's ipcMain
// serves, over loopback HTTP, so a real browser can drive the real app without Electron.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Tandem } from '../../src/main/app';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const shimFile = path.join(import.meta.dirname, 'shim.js');

export interface Harness {
  url: string;
  close(): Promise<void>;
}

export async function startHarness(tandem: Tandem, rendererDir: string, port = 0): Promise<Harness> {
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
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        let message: { method?: unknown; input?: unknown };
        try {
          message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof message;
        } catch {
          return json(res, 400, { ok: false, error: { code: 'input.invalid' } });
        }
        return json(res, 200, await tandem.dispatch(message.method, message.input));
      }
      if (url.pathname === '/api/events') {
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
