// X (Twitter) through twitter-api-v2 with OAuth 1.0a user-context credentials.
import http from 'node:http';
import {
  ApiPartialResponseError,
  ApiRequestError,
  ApiResponseError,
  TwitterApi,
  type ITwitterApiClientPlugin,
} from 'twitter-api-v2';
import type { Lang } from '../../shared/domain';
import type { XCredentials } from '../../shared/contract';
import { measureText } from '../../shared/limits';
import {
  PlatformError,
  type Identity,
  type LookupRequest,
  type PlatformAdapter,
  type Published,
  type PublishRequest,
} from './types';

export interface XAdapterOptions {
  /**
   * Send every request to this origin instead of https://api.x.com (loopback fakes in tests
   * and the web harness). Never set in the packaged app.
   */
  apiBase?: string;
  timeoutMs?: number;
}

/** Pages of 100 posts read when looking for a post whose outcome is unknown. */
const X_LOOKUP_PAGES = 10;

export class XAdapter implements PlatformAdapter {
  readonly platform = 'x' as const;
  private readonly timeoutMs: number;

  constructor(private readonly options: XAdapterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  validate(lang: Lang, text: string) {
    return measureText('x', lang, text);
  }

  async verify(credentials: XCredentials): Promise<Identity> {
    const me = await this.request(() => this.client(credentials).v2.me());
    if (!me?.data?.id || !me.data.username) throw badResponse();
    return { remoteUserId: me.data.id, handle: me.data.username };
  }

  async publish({ text, handle, credentials }: PublishRequest): Promise<Published> {
    const result = await this.request(() => this.client(credentials).v2.tweet(text));
    const id = result?.data?.id;
    if (typeof id !== 'string' || !/^\d+$/.test(id)) throw badResponse();
    return { remoteId: id, remoteUrl: `https://x.com/${handle}/status/${id}` };
  }

  async findPublished({ text, handle, remoteUserId, credentials, since }: LookupRequest): Promise<Published | null> {
    // The account's own posts since a minute before the claim (clock skew), newest first, page
    // by page: a busy account can have more than one page of posts in that window, and a post
    // missed on page two would be sent again.
    const startTime = new Date(since - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const wanted = comparable(text);
    let token: string | undefined;
    for (let pages = 0; pages < X_LOOKUP_PAGES; pages++) {
      const page = await this.request(() =>
        this.client(credentials).v2.get<{ data?: { id?: unknown; text?: unknown }[]; meta?: { next_token?: unknown } }>(
          'users/:id/tweets',
          { start_time: startTime, max_results: 100, 'tweet.fields': 'created_at', ...(token ? { pagination_token: token } : {}) },
          { params: { id: remoteUserId } },
        ),
      );
      if (page === null || typeof page !== 'object') throw badResponse();
      const match = (page.data ?? []).find((post) => typeof post.text === 'string' && comparable(post.text) === wanted);
      if (match) {
        if (typeof match.id !== 'string' || !/^\d+$/.test(match.id)) throw badResponse();
        return { remoteId: match.id, remoteUrl: `https://x.com/${handle}/status/${match.id}` };
      }
      const next = page.meta?.next_token;
      if (typeof next !== 'string' || next === '') return null;
      token = next;
    }
    // Too many posts to read them all: not knowing is not the same as not found.
    throw new PlatformError({ code: 'platform.lookupIncomplete' }, 'ambiguous');
  }

  private client(credentials: XCredentials): TwitterApi {
    const plugins: ITwitterApiClientPlugin[] = [];
    let httpAgent: http.Agent | undefined;
    const base = this.options.apiBase;
    if (base) {
      const target = new URL(base);
      plugins.push({
        onBeforeRequestConfig({ params }) {
          const url = new URL(params.url.startsWith('http') ? params.url : `https://${params.url}`);
          url.protocol = target.protocol;
          url.host = target.host;
          params.url = url.toString();
        },
      });
      if (target.protocol === 'http:') httpAgent = new http.Agent();
    }
    return new TwitterApi(
      {
        appKey: credentials.appKey,
        appSecret: credentials.appSecret,
        accessToken: credentials.accessToken,
        accessSecret: credentials.accessSecret,
      },
      { plugins, httpAgent },
    );
  }

  private async request<T>(operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PlatformError({ code: 'platform.network' }, 'ambiguous')),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([operation(), timeout]);
    } catch (error) {
      throw toPlatformError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function badResponse(): PlatformError {
  return new PlatformError({ code: 'platform.badResponse' }, 'ambiguous');
}

/**
 * X returns a post's text with links shortened to t.co and &, <, > escaped; compare texts with
 * every link replaced by one placeholder and entities decoded.
 */
export function comparable(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/https?:\/\/\S+/g, '<link>')
    .normalize('NFC')
    .trim();
}

/** Errors raised before a single byte reached the platform: sending again cannot duplicate. */
const unreachable = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);

/** Maps twitter-api-v2's errors onto what the publisher acts on. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  if (error instanceof ApiResponseError) {
    const status = error.code;
    if (status === 429) {
      const reset = error.rateLimit?.reset;
      return new PlatformError(
        { code: 'platform.rateLimited' },
        'rateLimited',
        reset ? reset * 1000 : undefined,
      );
    }
    if (status === 401) return new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
    if (status >= 500) return new PlatformError({ code: 'platform.server', params: { status } }, 'ambiguous');
    const detail = describe(error.data);
    if (/duplicate/i.test(detail)) return new PlatformError({ code: 'platform.duplicate' }, 'permanent');
    return new PlatformError({ code: 'platform.rejected', params: { status, detail } }, 'permanent');
  }
  if (error instanceof ApiPartialResponseError) return badResponse();
  if (error instanceof ApiRequestError) {
    // twitter-api-v2 1.29 keeps the socket error under `_options.error`, not `requestError`.
    const cause = (error.requestError ?? (error as unknown as { _options?: { error?: unknown } })._options?.error) as
      | NodeJS.ErrnoException
      | undefined;
    const code = cause?.code;
    return new PlatformError({ code: 'platform.network' }, code && unreachable.has(code) ? 'offline' : 'ambiguous');
  }
  if (error instanceof SyntaxError || error instanceof TypeError) return badResponse();
  return new PlatformError({ code: 'platform.network' }, 'ambiguous');
}

function describe(data: unknown): string {
  if (data && typeof data === 'object') {
    const record = data as { detail?: unknown; title?: unknown };
    const text = record.detail ?? record.title;
    if (typeof text === 'string') return text.slice(0, 200);
  }
  return '';
}
