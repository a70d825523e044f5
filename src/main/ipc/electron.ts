// Binds the dispatch table to ipcMain behind a sender check. Each window is one client: its
// webContents, whose id names the session signed in there and the events sent to it.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Result } from '../../shared/contract';
import type { ClientDispatch } from './handlers';
import type { ClientId } from '../services/context';
import type { Logger } from '../log';
import { ipcChannels } from '../../shared/methods';

export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle'>,
  dispatch: ClientDispatch,
  isTrusted: (frameUrl: string | undefined) => boolean,
  log: Logger,
): void {
  ipcMain.handle(ipcChannels.call, (event: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<Result<unknown>> => {
    const frameUrl = event.senderFrame?.url;
    if (!isTrusted(frameUrl)) {
      log.warn('ipc.untrustedSender', { method: typeof method === 'string' ? method : typeof method });
      return Promise.resolve({ ok: false, error: { code: 'ipc.untrusted' } });
    }
    return dispatch({ client: windowClient(event.sender.id) }, method, input);
  });
}

/** The client a window is: the same for its calls (ipcMain) and its events (webContents.send). */
export function windowClient(webContentsId: number): ClientId {
  return `window:${webContentsId}`;
}
