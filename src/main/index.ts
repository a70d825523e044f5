// Composition root for the Electron main process: wires the services to Electron and nothing more.
import path from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, powerMonitor, session, shell } from 'electron';
import { createTandem } from './app';
import { TandemHost } from './host';
import { DeskShell, soloDatabaseFile } from './desk';
import { keychainTokenStore, WorkspaceDesk } from './remote/workspace';
import { KeytarSecretStore } from './secrets';
import { XAdapter } from './platforms/x';
import { BlueskyAdapter } from './platforms/bluesky';
import { MastodonAdapter } from './platforms/mastodon';
import { FacebookAdapter } from './platforms/facebook';
import { LinkedInAdapter } from './platforms/linkedin';
import { registerIpc, windowClient } from './ipc/electron';
import { ipcChannels } from '../shared/methods';
import { createLogger } from './log';
import { appOrigin, hardenSession, hardenWebContents, isTrustedSenderUrl } from './security';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { createMainWindow } from './window';
import { aboutPanelOptions, buildMenuTemplate, menuLanguage } from './menu';
import { devServerUrlFor, isDevToolsShortcut } from './production';

const log = createLogger();
const devServerUrl = devServerUrlFor(app.isPackaged, process.env);

// A separate data folder (tests, or a second workspace): TANDEM_USER_DATA=/path/to/folder.
const userDataOverride = process.env['TANDEM_USER_DATA'];
if (userDataOverride) app.setPath('userData', userDataOverride);

// A second copy would run its own publisher on the same database: leave at once.
if (!app.requestSingleInstanceLock()) app.exit(0);
registerAppScheme();

// What this desk is (chosen at its first start): the solo desk's services, or a desk joined to a
// team workspace; until chosen, the window offers the choice. Either way the services, or the
// problem that kept them from starting, answer the window.
const dataDir = app.getPath('userData');
const host = new DeskShell({
  dataDir,
  solo: () =>
    new TandemHost({
      dbFile: path.join(dataDir, soloDatabaseFile),
      create: (options) =>
        createTandem({
          ...options,
          secrets: new KeytarSecretStore(),
          adapters: [
            new XAdapter(),
            new BlueskyAdapter(),
            new MastodonAdapter(),
            new FacebookAdapter(),
            new LinkedInAdapter(),
          ],
          log,
        }),
      log,
    }),
  // The session's token in the OS keychain, one entry per workspace address.
  workspace: (url, dataDir) => new WorkspaceDesk({ url, tokens: keychainTokenStore(url), log, dataDir }),
  log,
});

app.on('web-contents-created', (_event, contents) => {
  hardenWebContents(
    contents,
    (url) => void shell.openExternal(url),
    (url) => host.isRecordedPostUrl(url),
  );
  if (app.isPackaged) {
    // devTools is off in every window's webPreferences; the keys are swallowed as well.
    contents.on('before-input-event', (event, input) => {
      if (isDevToolsShortcut(input)) event.preventDefault();
    });
  }
});

void app.whenReady().then(() => {
  const here = import.meta.dirname;
  hardenSession(session.defaultSession, devServerUrl);
  handleAppProtocol(path.join(here, '../renderer'));
  const lang = menuLanguage(app.getLocale());
  // Packaged, the icon is an extra resource beside the app's archive (electron-builder.json).
  const icon = app.isPackaged ? path.join(process.resourcesPath, 'icon.png') : path.join(here, '../../resources/icon.png');
  app.setAboutPanelOptions(aboutPanelOptions(lang, app.getVersion(), icon));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(buildMenuTemplate({ lang, isPackaged: app.isPackaged, platform: process.platform })),
  );

  // Calls wait for the start to finish; the window need not.
  void host.start();
  registerIpc(ipcMain, host.dispatch, (url) => isTrustedSenderUrl(url, devServerUrl), log);

  const window = createMainWindow({
    preload: path.join(here, '../preload/index.cjs'),
    url: devServerUrl ?? `${appOrigin}/index.html`,
    title: 'Tandem',
    icon,
    devTools: !app.isPackaged,
  });
  // Events for this window only, as far as the person signed in on it may see.
  const unsubscribe = host.events.subscribe(windowClient(window.webContents.id), (event, payload) => {
    if (!window.isDestroyed()) window.webContents.send(ipcChannels.event, event, payload);
  });

  // A laptop that slept past a due time publishes as soon as it wakes.
  powerMonitor.on('resume', () => host.tandem?.publisher.wake());
  powerMonitor.on('unlock-screen', () => host.tandem?.publisher.wake());

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
    void host.close().finally(() => app.quit());
  });
  log.info('app.ready', { windows: BrowserWindow.getAllWindows().length });
});
