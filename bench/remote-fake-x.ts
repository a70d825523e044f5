// The parent's side of bench/fake-x-process.ts: the same fake X, answering from another process.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeXAccount } from '../test/fakes/x-api';

export interface ReceivedByFake {
  posts: { text: string; username: string; receivedAt: number }[];
  /** The HTTP status of every request, in order. */
  statuses: number[];
}

const here = path.dirname(fileURLToPath(import.meta.url));

export class RemoteFakeX {
  url = '';
  private child: ChildProcess | undefined;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  async start(): Promise<void> {
    const child = fork(path.join(here, 'fake-x-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(m.error));
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the fake X exited (${code})`));
      this.waiting.clear();
    });
    this.url = ((await this.ask({ op: 'start' })) as { url: string }).url;
  }

  /** Registers the account with the fake, as `fakeAccount` does in-process. */
  async addAccount(account: FakeXAccount): Promise<void> {
    await this.ask({ op: 'addAccount', account });
  }

  /** Every post the fake received, with the time it arrived (wall clock, the same on both sides). */
  async received(): Promise<ReceivedByFake> {
    return (await this.ask({ op: 'received' })) as ReceivedByFake;
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    await this.ask({ op: 'stop' });
    this.child.disconnect();
    this.child = undefined;
  }

  private ask(command: Record<string, unknown>): Promise<unknown> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child!.send({ id, ...command });
    });
  }
}
