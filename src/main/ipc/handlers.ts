// The one handler table behind both transports (Electron IPC and the web harness):
// every input is parsed with the contract's schema, every result is wrapped, and every handler
// is told who calls (the client, its session and its person) beside the input.
import { contract, type Output, type ParsedInput, type Result } from '../../shared/contract';
import { isMethod, type Method } from '../../shared/methods';
import type { ErrorInfo, StorageFaultCode } from '../../shared/domain';
import { AppError } from '../errors';
import { KeychainUnavailableError } from '../secrets';
import { storageFaultOf } from '../db/faults';
import type { Logger } from '../log';
import type { CallContext, Caller } from '../services/context';

export type Handlers = { [M in Method]: (ctx: CallContext, input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

/** Some of the contract's methods: what one domain registers. */
export type HandlersOf<M extends Method> = Pick<Handlers, M>;

export type Dispatch = (ctx: CallContext, method: unknown, input: unknown) => Promise<Result<unknown>>;

/** What a transport calls with: the client a call came from; main finds its session and person. */
export type ClientDispatch = (caller: Caller, method: unknown, input: unknown) => Promise<Result<unknown>>;

export function createDispatch(
  handlers: Handlers,
  log: Logger,
  /** Told when a call failed because the database cannot be written. */
  onStorageFault: (code: StorageFaultCode) => void = () => undefined,
): Dispatch {
  return async (ctx, method, rawInput) => {
    if (!isMethod(method)) return fail({ code: 'input.invalid' });
    // Checked before the schema so the person learns what is wrong with what they typed or pasted.
    const unstorable = unstorableText(rawInput);
    if (unstorable !== null) {
      log.warn('ipc.invalidCharacters', { method, field: unstorable });
      return fail({ code: 'input.invalidCharacters', params: { field: unstorable } });
    }
    const parsed = contract[method].input.safeParse(rawInput ?? undefined);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') ?? '';
      log.warn('ipc.invalidInput', { method, field });
      return fail({ code: 'input.invalid', params: { field } });
    }
    try {
      const handler = handlers[method] as (ctx: CallContext, input: unknown) => Promise<unknown> | unknown;
      return { ok: true, value: await handler(ctx, parsed.data) };
    } catch (error) {
      if (error instanceof AppError) return fail(error.info);
      if (error instanceof KeychainUnavailableError) {
        log.error('keychain.unavailable', { method });
        return fail({ code: 'keychain.unavailable' });
      }
      // Disk full, read-only, locked by another program: the person can act on it, so say which.
      const fault = storageFaultOf(error);
      if (fault !== null) {
        log.warn('storage.fault', { method, code: fault });
        onStorageFault(fault);
        return fail({ code: fault });
      }
      log.error('ipc.internal', { method, error: error instanceof Error ? error.message : String(error) });
      return fail({ code: 'internal' });
    }
  };
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
