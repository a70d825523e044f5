// The web harness answers only its own page, like Electron's sender check: a call body larger
// than any call needs is refused without being kept, and another site's page gets no event stream.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxBodyBytes, startHarness, type Harness } from '../harness/server';
import { startTestApp, tempDir, type TestApp } from '../support';

let t: TestApp;
let harness: Harness;
beforeAll(async () => {
  t = await startTestApp();
  harness = await startHarness(t.tandem, tempDir('tandem-renderer-'));
});
afterAll(async () => {
  await harness?.close();
  await t?.cleanup();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over loopback, with exactly these headers; `chunks` are written one by one (no length). */
interface Sent {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  chunks?: Buffer[];
}

function request(path: string, { method = 'GET', headers = {}, body, chunks }: Sent): Promise<Answer> {
  const url = new URL(path, harness.url);
  return new Promise((resolve, reject) => {
    const target = { host: url.hostname, port: url.port, path: url.pathname, method, headers, agent: false };
    const req = http.request(target, (res) => {
      const parts: Buffer[] = [];
      // The event stream never ends by itself: its first lines are enough.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        res.once('data', (chunk: Buffer) => {
          resolve({ status: res.statusCode!, headers: res.headers, body: chunk.toString('utf8') });
          res.destroy();
        });
        return;
      }
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') });
      });
    });
    // Writing may fail once the server has answered and closed; the answer is what counts.
    req.on('error', reject);
    if (chunks) {
      const writeNext = (i: number): void => {
        if (i === chunks.length) return void req.end();
        if (req.write(chunks[i]!)) writeNext(i + 1);
        else req.once('drain', () => writeNext(i + 1));
      };
      writeNext(0);
    } else {
      req.end(body);
    }
  });
}

const own = () => ({ host: new URL(harness.url).host, origin: harness.url, 'content-type': 'application/json' });
const callAs = (headers: Record<string, string>, method: string, input?: unknown) =>
  request('/api/call', { method: 'POST', headers, body: JSON.stringify({ method, input }) });

describe('the web harness', () => {
  it('answers its own page', async () => {
    const answer = await callAs(own(), 'session.current');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: true, value: { user: { username: 'admin' } } });
  });

  it('refuses a call body larger than the limit with 413, and keeps serving', async () => {
    const tooLarge = JSON.stringify({ method: 'media.upload', input: { data: 'A'.repeat(maxBodyBytes) } });
    const declared = await request('/api/call', { method: 'POST', headers: own(), body: tooLarge });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ ok: false, error: { code: 'input.tooLarge' } });

    // Without a declared length, counted as it arrives.
    const chunk = Buffer.alloc(1024 * 1024, 'A');
    const streamed = await request('/api/call', {
      method: 'POST',
      headers: { ...own(), 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: Math.ceil(maxBodyBytes / chunk.length) + 2 }, () => chunk),
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({ ok: false, error: { code: 'input.tooLarge' } });

    expect((await callAs(own(), 'session.current')).status).toBe(200);
  });

  it('lets an image at the upload limit through (refused by main for what it is, not by the harness)', async () => {
    const data = Buffer.alloc(16 * 1024 * 1024, 1).toString('base64');
    const answer = await callAs(own(), 'media.upload', { data });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'media.unreadable' } });
  });

  it('gives the event stream to its own page only', async () => {
    const { host } = own();
    const sameOrigin = await request('/api/events', { headers: { host } });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.body).toContain(': connected');
    expect((await request('/api/events', { headers: { host, origin: harness.url } })).status).toBe(200);

    const otherSite = await request('/api/events', { headers: { host, origin: 'http://attacker.example' } });
    expect(otherSite.status).toBe(403);
    expect(otherSite.headers['content-type']).not.toContain('text/event-stream');
    expect((await request('/api/events', { headers: { host, origin: 'null' } })).status).toBe(403);
    // A page served under another name for this address (DNS rebinding) gets nothing either.
    expect((await request('/api/events', { headers: { host: 'attacker.example' } })).status).toBe(403);
  });

  it('refuses calls from another site, as before', async () => {
    const answer = await callAs({ ...own(), origin: 'http://attacker.example' }, 'session.current');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'ipc.untrusted' } });
  });
});
