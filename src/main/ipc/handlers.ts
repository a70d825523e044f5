// The one handler table behind both transports (Electron IPC and the web harness):
// every input is parsed with the contract's schema, every result is wrapped, and every handler
// is told who calls (the client, its session and its person) beside the input.
import type { Output, ParsedInput, Result } from '../../shared/contract';
import { parseInput } from '../services/input';
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
    const parsed = parseInput(method, rawInput);
    if (!parsed.ok) {
      const event = parsed.error.code === 'input.invalidCharacters' ? 'ipc.invalidCharacters' : 'ipc.invalidInput';
      log.warn(event, { method, field: String(parsed.error.params?.['field'] ?? '') });
      return parsed;
    }
    try {
      const handler = handlers[method] as (ctx: CallContext, input: unknown) => Promise<unknown> | unknown;
      return { ok: true, value: await handler(ctx, parsed.value) };
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

function fail(error: ErrorInfo): Result<never> {
  return { ok: false, error };
}
