import type { ErrorCode, ErrorInfo } from '../shared/domain';

/** An error the user can act on; its code is a key in the renderer's `errors.` catalogue. */
export class AppError extends Error {
  readonly info: ErrorInfo;
  constructor(code: ErrorCode, params?: ErrorInfo['params']) {
    super(code);
    this.info = params ? { code, params } : { code };
  }
}
