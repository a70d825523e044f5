// The one window factory: every window the app opens gets these settings.
import { BrowserWindow } from 'electron';

export interface WindowOptions {
  preload: string;
  url: string;
  title: string;
  /** The app icon (the taskbar and window on Linux and Windows; macOS takes the bundle's). */
  icon?: string;
  /** Developer tools: off unless asked for (development only), whatever keys are pressed. */
  devTools?: boolean;
}

export const secureWebPreferences = (preload: string, devTools = false) =>
  ({
    preload,
    devTools,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: true,
  }) as const;

export function createMainWindow({ preload, url, title, icon, devTools = false }: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title,
    ...(icon ? { icon } : {}),
    show: false,
    webPreferences: secureWebPreferences(preload, devTools),
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(url);
  return window;
}
