import type { Api, Input, Output, Result } from '../../../shared/contract';
import type { ErrorInfo } from '../../../shared/domain';
import type { Method } from '../../../shared/methods';

declare global {
  interface Window {
    api: Api;
  }
}

export const api: Api = window.api;

/** Calls the main process; unwraps the result or throws the user-facing error. */
export async function call<M extends Method>(method: M, input?: Input<M>): Promise<Output<M>> {
  const result: Result<Output<M>> = await window.api.call(method, input);
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}

export class ApiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.code);
  }
}

export function toErrorInfo(error: unknown): ErrorInfo {
  return error instanceof ApiError ? error.info : { code: 'internal' };
}
