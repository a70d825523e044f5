// A loopback stand-in for Bluesky's public AppView, for reading engagement only: answers
// GET /xrpc/app.bsky.feed.getPosts?uris=... with post views whose counts the test sets, leaves
// out posts it does not know (as the AppView does for deleted or not yet indexed posts), and can
// be told to fail the next request. Everything else is 501, as an XRPC server answers for a
// method it does not implement.
import http from 'node:http';
import { LoopbackServer } from './loopback';

export interface FakePostCounts {
  likeCount?: number;
  repostCount?: number;
  quoteCount?: number;
  replyCount?: number;
}

export interface FakeAppViewFault {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A valid CID, for posts whose real one the test does not bother to pass. */
const SOME_CID = 'bafyreiaw7xohjrezdnpfkkpur67nrpje2pn3ve7ykztu6wbzivrpltfdwa';

export class FakeAppView extends LoopbackServer {
  readonly requests: { path: string; uris: string[]; authorization: string | undefined; status: number }[] = [];
  private readonly posts = new Map<string, FakePostCounts & { cid: string; handle: string }>();
  private readonly faults: FakeAppViewFault[] = [];

  /** Makes the AppView know this post (an at:// URI), with these counts. */
  setPost(uri: string, counts: FakePostCounts, options: { cid?: string; handle?: string } = {}): void {
    this.posts.set(uri, { ...counts, cid: options.cid ?? SOME_CID, handle: options.handle ?? 'handle.invalid' });
  }

  failNext(fault: FakeAppViewFault): void {
    this.faults.push(fault);
  }



  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://appview.invalid');
    const uris = url.searchParams.getAll('uris');
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: url.pathname, uris, authorization: req.headers.authorization, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    const fault = this.faults.shift();
    if (fault) {
      answer(fault.status, fault.body ?? { error: 'InternalServerError', message: 'Internal Server Error' }, fault.headers);
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/xrpc/app.bsky.feed.getPosts') {
      answer(501, { error: 'MethodNotImplemented', message: 'Method Not Implemented' });
      return;
    }
    if (uris.length === 0 || uris.length > 25) {
      answer(400, { error: 'InvalidRequest', message: 'Error: uris must have between 1 and 25 items' });
      return;
    }
    const posts = uris.flatMap((uri) => {
      const post = this.posts.get(uri);
      if (!post) return [];
      const did = uri.replace(/^at:\/\//, '').split('/')[0] ?? '';
      return [
        {
          uri,
          cid: post.cid,
          author: { did, handle: post.handle },
          record: { $type: 'app.bsky.feed.post', text: '', createdAt: new Date(0).toISOString() },
          replyCount: post.replyCount ?? 0,
          repostCount: post.repostCount ?? 0,
          likeCount: post.likeCount ?? 0,
          quoteCount: post.quoteCount ?? 0,
          indexedAt: new Date().toISOString(),
          labels: [],
        },
      ];
    });
    answer(200, { posts });
  }
}
