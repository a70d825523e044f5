// A call's input as the contract reads it, checked wherever a call arrives: the services' dispatch
// (ipc/handlers.ts), a desk answering offline (remote/offline.ts), a change sent once (services/sync.ts).
import { contract, type ParsedInput, type Result } from '../../shared/contract';
import type { ErrorInfo } from '../../shared/domain';
import type { Method } from '../../shared/methods';

/**
 * The input as the contract reads it, or why not, wherever a call arrives (the services' dispatch,
 * a desk answering offline): text that cannot be stored is told apart first, so the person learns
 * what is wrong with what they typed or pasted; then the contract's schema.
 */
export function parseInput<M extends Method>(method: M, rawInput: unknown): Result<ParsedInput<M>> {
  const unstorable = unstorableText(rawInput);
  if (unstorable !== null) return fail({ code: 'input.invalidCharacters', params: { field: unstorable } });
  const parsed = contract[method].input.safeParse(rawInput ?? undefined);
  if (!parsed.success) return fail({ code: 'input.invalid', params: { field: parsed.error.issues[0]?.path.join('.') ?? '' } });
  return { ok: true, value: parsed.data as ParsedInput<M> };
}

/**
 * The path of the first string in the input that holds NUL or half of a surrogate pair (a
 * broken emoji from a bad paste), or null. Neither can be stored, compared or posted faithfully:
 * SQLite and the platforms cut text at NUL, and a lone surrogate becomes U+FFFD on the way out.
 */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unstorableText(value: unknown, path: readonly (string | number)[] = []): string | null {
  if (typeof value === 'string') return value.includes('\0') || loneSurrogate.test(value) ? path.join('.') : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableText(item, [...path, index]);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = unstorableText(item, [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}

function fail(error: ErrorInfo): Result<never> {
  return { ok: false, error };
}
