// Composition root for the Electron main process: wires the services to Electron and nothing more.
import path from 'node:path';
import { app, BrowserWindow, ipcMain, powerMonitor, session, shell } from 'electron';
import { createTandem } from './app';
import { KeytarSecretStore } from './secrets';
import { XAdapter } from './platforms/x';
import { BlueskyAdapter } from './platforms/bluesky';
import { MastodonAdapter } from './platforms/mastodon';
import { FacebookAdapter } from './platforms/facebook';
import { LinkedInAdapter } from './platforms/linkedin';
import { registerIpc } from './ipc/electron';
import { ipcChannels } from '../shared/methods';
import { createLogger } from './log';
import { appOrigin, hardenSession, hardenWebContents, isTrustedSenderUrl } from './security';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { createMainWindow } from './window';

const log = createLogger();
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;

// A separate data folder (tests, or a second workspace): TANDEM_USER_DATA=/path/to/folder.
const userDataOverride = process.env['TANDEM_USER_DATA'];
if (userDataOverride) app.setPath('userData', userDataOverride);

// A second copy would run its own publisher on the same database: leave at once.
if (!app.requestSingleInstanceLock()) app.exit(0);
registerAppScheme();

// Set once the services are up; until then only the platforms' own hosts may be opened.
let isRecordedPostUrl: (url: string) => boolean = () => false;
app.on('web-contents-created', (_event, contents) => {
  hardenWebContents(contents, (url) => void shell.openExternal(url), (url) => isRecordedPostUrl(url));
});

void app.whenReady().then(() => {
  const here = import.meta.dirname;
  hardenSession(session.defaultSession, devServerUrl);
  handleAppProtocol(path.join(here, '../renderer'));

  const tandem = createTandem({
    dbFile: path.join(app.getPath('userData'), 'tandem.db'),
    secrets: new KeytarSecretStore(),
    adapters: [new XAdapter(), new BlueskyAdapter(), new MastodonAdapter(), new FacebookAdapter(), new LinkedInAdapter()],
    log,
  });
  isRecordedPostUrl = (url) => tandem.isRecordedPostUrl(url);
  registerIpc(ipcMain, tandem.dispatch, (url) => isTrustedSenderUrl(url, devServerUrl), log);

  const window = createMainWindow({
    preload: path.join(here, '../preload/index.cjs'),
    url: devServerUrl ?? `${appOrigin}/index.html`,
    title: 'Tandem',
  });
  const unsubscribe = tandem.events.subscribe((event, payload) => {
    if (!window.isDestroyed()) window.webContents.send(ipcChannels.event, event, payload);
  });

  // A laptop that slept past a due time publishes as soon as it wakes.
  powerMonitor.on('resume', () => tandem.publisher.wake());
  powerMonitor.on('unlock-screen', () => tandem.publisher.wake());

  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    unsubscribe();
    void tandem.close().finally(() => app.quit());
  });
  log.info('app.ready', { windows: BrowserWindow.getAllWindows().length });
});
