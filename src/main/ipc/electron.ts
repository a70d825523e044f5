// Binds the dispatch table to ipcMain behind a sender check.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Result } from '../../shared/contract';
import type { Dispatch } from './handlers';
import type { Logger } from '../log';
import { ipcChannels } from '../../shared/methods';

export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle'>,
  dispatch: Dispatch,
  isTrusted: (frameUrl: string | undefined) => boolean,
  log: Logger,
): void {
  ipcMain.handle(ipcChannels.call, (event: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<Result<unknown>> => {
    const frameUrl = event.senderFrame?.url;
    if (!isTrusted(frameUrl)) {
      log.warn('ipc.untrustedSender', { method: typeof method === 'string' ? method : typeof method });
      return Promise.resolve({ ok: false, error: { code: 'ipc.untrusted' } });
    }
    return dispatch(method, input);
  });
}
