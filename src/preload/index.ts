// Exposes exactly the API contract as window.api: one call() for contract methods and one
// on() for contract events. No raw ipcRenderer reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Api, Result } from '../shared/contract';
import { ipcChannels, isEventName, isMethod } from '../shared/methods';

const api: Api = {
  call(method, input) {
    if (!isMethod(method)) {
      return Promise.resolve({ ok: false, error: { code: 'input.invalid' } } satisfies Result<never>);
    }
    return ipcRenderer.invoke(ipcChannels.call, method, input);
  },
  on(event, listener) {
    if (!isEventName(event)) throw new Error(`unknown event ${String(event)}`);
    const forward = (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload as Parameters<typeof listener>[0]);
    };
    ipcRenderer.on(ipcChannels.event, forward);
    return () => {
      ipcRenderer.removeListener(ipcChannels.event, forward);
    };
  },
};

contextBridge.exposeInMainWorld('api', api);
