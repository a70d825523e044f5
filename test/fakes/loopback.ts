// What every loopback fake shares: an HTTP server on 127.0.0.1 (never anything else), on a free
// port unless told otherwise, that drops open connections when stopped.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class LoopbackServer {
  private server: http.Server | undefined;
  url = '';

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): void | Promise<void>;

  async start(port = 0): Promise<string> {
    const server = http.createServer((req, res) => {
      // A client that dies mid-request (the crash tests kill it on purpose) aborts the body
      // being read: drop that connection, as a real server would, rather than fail the run.
      Promise.resolve()
        .then(() => this.handle(req, res))
        .catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
