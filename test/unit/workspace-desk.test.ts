// A desk's client of a workspace takes nothing from the network on trust: an answer that is not a
// result, or a refusal with a code Tandem does not know, becomes "internal" (and is logged); a
// server that cannot be reached is said so; a workspace is reached over HTTPS, or on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkspaceDesk, type TokenStore } from '../../src/main/remote/workspace';
import { createLogger } from '../../src/main/log';

const memoryTokens = (token: string | null = 'a'.repeat(43)): TokenStore => {
  let held = token;
  return { get: async () => held, set: async (t) => void (held = t), delete: async () => void (held = null) };
};

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function answering(body: string, status = 200): Promise<string> {
  server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('a desk joined to a workspace', () => {
  it.each([
    ['not JSON', '<html>proxy error</html>'],
    ['not a result', '{"value": 1}'],
    ['a refusal with a code Tandem does not know', '{"ok": false, "error": {"code": "<script>"}}'],
    ['a refusal whose details are not an object', '{"ok": false, "error": {"code": "internal", "params": "x"}}'],
  ])('turns an answer that is %s into "internal", and logs it', async (_what, body) => {
    const lines: string[] = [];
    const desk = new WorkspaceDesk({ url: await answering(body), tokens: memoryTokens(), log: createLogger((line) => lines.push(line)) });
    expect(await desk.dispatch({ client: 'w' }, 'pairs.list', { limit: 1 })).toEqual({ ok: false, error: { code: 'internal' } });
    expect(lines.join('\n')).toContain('workspace.badAnswer');
  });

  it('passes a result and a known refusal on as the server gave them', async () => {
    const desk = new WorkspaceDesk({ url: await answering('{"ok": false, "error": {"code": "pair.stale", "params": {"version": 3}}}'), tokens: memoryTokens() });
    expect(await desk.dispatch({ client: 'w' }, 'pairs.list', { limit: 1 })).toEqual({ ok: false, error: { code: 'pair.stale', params: { version: 3 } } });
  });

  it('says the workspace cannot be reached when nothing answers', async () => {
    const url = await answering('{}');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const desk = new WorkspaceDesk({ url, tokens: memoryTokens(), timeoutMs: 2_000 });
    expect(await desk.dispatch({ client: 'w' }, 'pairs.list', { limit: 1 })).toEqual({ ok: false, error: { code: 'workspace.unreachable' } });
  });

  it('refuses a workspace address without TLS anywhere but 127.0.0.1, and the first administrator from a desk', async () => {
    expect(() => new WorkspaceDesk({ url: 'http://tandem.example.ca', tokens: memoryTokens() })).toThrow(/HTTPS/);
    const desk = new WorkspaceDesk({ url: 'https://tandem.example.ca', tokens: memoryTokens(null) });
    expect(await desk.dispatch({ client: 'w' }, 'users.bootstrap', {})).toEqual({ ok: false, error: { code: 'auth.bootstrapLocalOnly' } });
    expect(await desk.dispatch({ client: 'w' }, 'pairs.list', { limit: 1 })).toEqual({ ok: false, error: { code: 'auth.required' } });
    expect(await desk.dispatch({ client: 'w' }, 'no.such.method', null)).toEqual({ ok: false, error: { code: 'input.invalid' } });
  });
});
