// What every adapter does with HTTP failures, whatever client it uses: a refused connection is
// "offline" (nothing reached the platform), a timeout or 5xx is "ambiguous" (it may have acted),
// 401 is "unauthorized", 429 is "rateLimited", other 4xx are "permanent".
import type { ZodType } from 'zod';
import { PlatformError } from './types';

/** Errors raised before a single byte reached the platform: sending again cannot duplicate. */
const unreachable = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);

export function isUnreachable(code: unknown): boolean {
  return typeof code === 'string' && unreachable.has(code);
}

export function badResponse(): PlatformError {
  return new PlatformError({ code: 'platform.badResponse' }, 'ambiguous');
}

/**
 * A thrown fetch (undici) error: `TypeError('fetch failed')` with the socket error as its cause,
 * or an AbortError/TimeoutError from our own timeout.
 */
export function fromNetworkError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (isUnreachable(code)) return new PlatformError({ code: 'platform.network' }, 'offline');
    cause = cause.cause;
  }
  return new PlatformError({ code: 'platform.network' }, 'ambiguous');
}

/** A platform's answer read against the shape Tandem relies on; anything else is unreadable. */
export function parseAnswer<T>(schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badResponse();
  return result.data;
}

/** JSON text, or undefined when it is not JSON (an HTML error page from a proxy, say). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One request over fetch with its whole exchange, body included, under `timeoutMs` (a reply
 * that stalls halfway is as unknown as none). Failures before an answer become PlatformErrors.
 */
export async function exchange(url: URL, init: RequestInit, timeoutMs: number): Promise<{ response: Response; text: string }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { response, text: await response.text() };
  } catch (error) {
    throw fromNetworkError(error);
  }
}

/**
 * An HTTP answer that is not a success. `detail` is the platform's own explanation, kept short;
 * `retryAfter` is when a 429 says to come back (epoch ms).
 */
export function fromStatus(status: number, detail: string, retryAfter?: number): PlatformError {
  if (status === 429) return new PlatformError({ code: 'platform.rateLimited' }, 'rateLimited', retryAfter);
  if (status === 401) return new PlatformError({ code: 'account.unauthorized' }, 'unauthorized');
  if (status >= 500) return new PlatformError({ code: 'platform.server', params: { status } }, 'ambiguous');
  if (/duplicate/i.test(detail)) return new PlatformError({ code: 'platform.duplicate' }, 'permanent');
  return new PlatformError({ code: 'platform.rejected', params: { status, detail: detail.slice(0, 200) } }, 'permanent');
}

/** Retry-After (seconds or an HTTP date) or a reset timestamp header, as epoch ms. */
export function retryAtFrom(headers: Headers, now = Date.now()): number | undefined {
  const after = headers.get('retry-after');
  if (after) {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return now + seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return date;
  }
  // X, Mastodon, and Bluesky's (IETF draft) reset headers: epoch seconds, ms or an ISO date.
  for (const name of ['x-rate-limit-reset', 'x-ratelimit-reset', 'ratelimit-reset']) {
    const value = headers.get(name);
    if (!value) continue;
    const parsed = Number(value);
    if (Number.isFinite(parsed)) return parsed > 1e12 ? parsed : parsed * 1000;
    const date = Date.parse(value);
    if (Number.isFinite(date)) return date;
  }
  return undefined;
}

/**
 * Text as a platform returns it, for comparing with what was sent after an unknown outcome:
 * links replaced by one placeholder (shortened or expanded differently), HTML entities and
 * tags gone (Mastodon returns HTML), whitespace collapsed.
 */
export function comparable(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/https?:\/\/\S+/g, '<link>')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim();
}
