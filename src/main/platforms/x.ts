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
import { PlatformError, type Identity, type PlatformAdapter, type Published, type PublishRequest } from './types';

export interface XAdapterOptions {
  /**
   * Send every request to this origin instead of https://api.x.com (loopback fakes in tests
   * and the web harness). Never set in the packaged app.
   */
  apiBase?: string;
  timeoutMs?: number;
}

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
        () => reject(new PlatformError({ code: 'platform.network' }, 'retryable')),
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
  return new PlatformError({ code: 'platform.badResponse' }, 'retryable');
}

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
    if (status >= 500) return new PlatformError({ code: 'platform.server', params: { status } }, 'retryable');
    const detail = describe(error.data);
    if (/duplicate/i.test(detail)) return new PlatformError({ code: 'platform.duplicate' }, 'permanent');
    return new PlatformError({ code: 'platform.rejected', params: { status, detail } }, 'permanent');
  }
  if (error instanceof ApiPartialResponseError) return badResponse();
  if (error instanceof ApiRequestError) return new PlatformError({ code: 'platform.network' }, 'retryable');
  if (error instanceof SyntaxError || error instanceof TypeError) return badResponse();
  return new PlatformError({ code: 'platform.network' }, 'retryable');
}

function describe(data: unknown): string {
  if (data && typeof data === 'object') {
    const record = data as { detail?: unknown; title?: unknown };
    const text = record.detail ?? record.title;
    if (typeof text === 'string') return text.slice(0, 200);
  }
  return '';
}
