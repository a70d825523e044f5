// The one handler table behind both transports (Electron IPC and the web harness):
// every input is parsed with the contract's schema, every result is wrapped.
import { contract, type Output, type ParsedInput, type Result } from '../../shared/contract';
import { isMethod, type Method } from '../../shared/methods';
import type { ErrorInfo } from '../../shared/domain';
import { AppError } from '../errors';
import { KeychainUnavailableError } from '../secrets';
import type { Logger } from '../log';

export type Handlers = { [M in Method]: (input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

export type Dispatch = (method: unknown, input: unknown) => Promise<Result<unknown>>;

export function createDispatch(handlers: Handlers, log: Logger): Dispatch {
  return async (method, rawInput) => {
    if (!isMethod(method)) return fail({ code: 'input.invalid' });
    const parsed = contract[method].input.safeParse(rawInput ?? undefined);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') ?? '';
      log.warn('ipc.invalidInput', { method, field });
      return fail({ code: 'input.invalid', params: { field } });
    }
    try {
      const handler = handlers[method] as (input: unknown) => Promise<unknown> | unknown;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof AppError) return fail(error.info);
      if (error instanceof KeychainUnavailableError) {
        log.error('keychain.unavailable', { method });
        return fail({ code: 'keychain.unavailable' });
      }
      log.error('ipc.internal', { method, error: error instanceof Error ? error.message : String(error) });
      return fail({ code: 'internal' });
    }
  };
}

function fail(error: ErrorInfo): Result<never> {
  return { ok: false, error };
}
