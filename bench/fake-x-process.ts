// The fake X for the publishing benchmark, in a process of its own: X's servers are not on the
// publisher's event loop, and a fake answering two thousand requests there takes a quarter of the
// time the benchmark is meant to measure. Driven by its parent over IPC (bench/remote-fake-x.ts).
import { FakeX, type FakeXAccount } from '../test/fakes/x-api';

type Command =
  | { id: number; op: 'start' }
  | { id: number; op: 'addAccount'; account: FakeXAccount }
  | { id: number; op: 'received' }
  | { id: number; op: 'stop' };

const fake = new FakeX();

process.on('message', (message: Command) => {
  void (async () => {
    switch (message.op) {
      case 'start':
        return { url: await fake.start() };
      case 'addAccount':
        fake.addAccount(message.account);
        return {};
      case 'received':
        return {
          posts: fake.posts.map((p) => ({ text: p.text, username: p.username, receivedAt: p.receivedAt })),
          statuses: fake.requests.map((r) => r.status),
        };
      case 'stop':
        await fake.stop();
        return {};
    }
  })().then(
    (result) => process.send!({ id: message.id, ok: true, result }),
    (error: unknown) => process.send!({ id: message.id, ok: false, error: String(error) }),
  );
});
