// The Electron entry point (src/main/index.ts) as a packaged app and in development, with
// Electron mocked: the menu, developer tools, and which pages may call the API. The services run
// for real on a temporary data folder; the keychain is replaced by memory.
import fs from 'node:fs';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support';

const electron = vi.hoisted(() => {
  const state = { isPackaged: true, locale: 'en-US', userData: '' };
  // Where a packaged Electron finds its extra resources (the app icon).
  (process as { resourcesPath?: string }).resourcesPath = '/opt/Tandem/resources';
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  class FakeBrowserWindow {
    static instances: FakeBrowserWindow[] = [];
    static getAllWindows = () => FakeBrowserWindow.instances;
    readonly webContents = { id: 1, send: () => undefined };
    readonly once = () => undefined;
    readonly loadURL = vi.fn(() => Promise.resolve());
    readonly isDestroyed = () => false;
    constructor(readonly options: { webPreferences: Record<string, unknown>; icon?: string }) {
      FakeBrowserWindow.instances.push(this);
    }
  }
  return {
    state,
    listeners,
    FakeBrowserWindow,
    app: {
      get isPackaged() {
        return state.isPackaged;
      },
      getLocale: () => state.locale,
      getVersion: () => '0.1.0',
      setAboutPanelOptions: vi.fn(),
      setPath: (_name: string, value: string) => {
        state.userData = value;
      },
      getPath: () => state.userData,
      requestSingleInstanceLock: () => true,
      exit: vi.fn(),
      quit: vi.fn(),
      whenReady: () => Promise.resolve(),
      on: (event: string, listener: (...args: unknown[]) => void) => {
        listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      },
    },
    Menu: { buildFromTemplate: vi.fn((template: unknown) => ({ template })), setApplicationMenu: vi.fn() },
    ipcMain: { handle: vi.fn() },
  };
});

vi.mock('electron', () => ({
  app: electron.app,
  BrowserWindow: electron.FakeBrowserWindow,
  Menu: electron.Menu,
  ipcMain: electron.ipcMain,
  powerMonitor: { on: () => undefined },
  session: {
    defaultSession: { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined },
  },
  shell: { openExternal: () => undefined },
  protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
  net: { fetch: () => undefined },
}));

vi.mock('../../src/main/secrets', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/main/secrets')>();
  class MemorySecrets {
    private readonly values = new Map<string, unknown>();
    get = async (id: string) => this.values.get(id) ?? null;
    set = async (id: string, value: unknown) => void this.values.set(id, value);
    delete = async (id: string) => void this.values.delete(id);
    getAuditKey = async () => (this.values.get('audit') as Buffer | undefined) ?? null;
    setAuditKey = async (key: Buffer) => void this.values.set('audit', key);
  }
  return { ...original, KeytarSecretStore: MemorySecrets };
});

const dirs: string[] = [];

/** Loads index.ts afresh as a packaged or development app, and waits until it is ready. */
async function start(options: { isPackaged: boolean; locale: string }, existing?: string) {
  vi.resetModules();
  electron.listeners.clear();
  electron.FakeBrowserWindow.instances.length = 0;
  vi.clearAllMocks();
  Object.assign(electron.state, options);
  const dir = existing ?? tempDir('tandem-entry-');
  if (!existing) dirs.push(dir);
  vi.stubEnv('TANDEM_USER_DATA', dir);
  vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173');
  await import('../../src/main/index');
  await vi.waitFor(() => expect(electron.FakeBrowserWindow.instances).toHaveLength(1));
  const window = electron.FakeBrowserWindow.instances[0]!;
  const template = electron.Menu.setApplicationMenu.mock.calls[0]![0] as { template: MenuItemConstructorOptions[] };
  const handler = electron.ipcMain.handle.mock.calls[0]![1] as (
    event: unknown,
    method: unknown,
    input?: unknown,
  ) => Promise<unknown>;
  const call = (url: string, method: string, input?: unknown) =>
    handler({ senderFrame: { url }, sender: window.webContents }, method, input);
  return { window, menu: template.template, call, dir };
}

/** Quits as Electron would: before-quit, whose handler closes the services, then app.quit. */
async function quit() {
  const event = { preventDefault: vi.fn() };
  for (const listener of electron.listeners.get('before-quit') ?? []) listener(event);
  await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalled());
}

/** The handlers index.ts attached to a new web page's contents. */
function contentsListeners() {
  const attached = new Map<string, (...args: unknown[]) => void>();
  const contents = {
    on: (event: string, listener: (...args: unknown[]) => void) => {
      attached.set(event, listener);
      return contents;
    },
    setWindowOpenHandler: () => undefined,
  };
  for (const listener of electron.listeners.get('web-contents-created') ?? []) listener({}, contents);
  return attached;
}

const roles = (menu: MenuItemConstructorOptions[]): unknown[] =>
  menu.flatMap((item) => [item.role, ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])]).filter(Boolean);

afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the packaged app', () => {
  it('has no developer tools, sets its own menu in the system language, and trusts no dev server', async () => {
    const { window, menu, call } = await start({ isPackaged: true, locale: 'fr-CA' });
    expect(window.options.webPreferences.devTools).toBe(false);
    expect(window.loadURL).toHaveBeenCalledWith('app://tandem/index.html');

    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledTimes(1);
    expect(menu.map((item) => item.label)).toContain('Édition');
    expect(roles(menu)).not.toContain('toggleDevTools');
    expect(roles(menu)).not.toContain('reload');
    // The About box in the same language, and the app icon from beside the app's archive.
    expect(electron.app.setAboutPanelOptions).toHaveBeenLastCalledWith(
      expect.objectContaining({ applicationName: 'Tandem', applicationVersion: '0.1.0', iconPath: '/opt/Tandem/resources/icon.png' }),
    );
    expect(vi.mocked(electron.app.setAboutPanelOptions).mock.lastCall?.[0]).toMatchObject({ credits: expect.stringMatching(/anglais et en français/) });
    expect(window.options.icon).toBe('/opt/Tandem/resources/icon.png');

    // ELECTRON_RENDERER_URL is set, yet a page from it is refused like any other.
    expect(await call('http://localhost:5173/', 'desk.state')).toEqual({
      ok: false,
      error: { code: 'ipc.untrusted' },
    });
    expect(await call('app://tandem/index.html', 'desk.state')).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });

    const attached = contentsListeners();
    const beforeInput = attached.get('before-input-event')!;
    const event = { preventDefault: vi.fn() };
    beforeInput(event, {
      type: 'keyDown',
      key: 'F12',
      code: 'F12',
      control: false,
      meta: false,
      shift: false,
      alt: false,
    });
    expect(event.preventDefault).toHaveBeenCalledTimes(1);
    beforeInput(event, {
      type: 'keyDown',
      key: 'v',
      code: 'KeyV',
      control: true,
      meta: false,
      shift: false,
      alt: false,
    });
    expect(event.preventDefault).toHaveBeenCalledTimes(1);
    await quit();
  });
});

describe('development (npm run dev)', () => {
  it('keeps the developer tools and reload, and lets the dev server call the API', async () => {
    const { window, menu, call } = await start({ isPackaged: false, locale: 'en-US' });
    expect(window.options.webPreferences.devTools).toBe(true);
    expect(window.loadURL).toHaveBeenCalledWith('http://localhost:5173');
    expect(menu.map((item) => item.label)).toContain('Edit');
    expect(roles(menu)).toEqual(expect.arrayContaining(['toggleDevTools', 'reload']));
    expect(await call('http://localhost:5173/', 'desk.state')).toEqual({ ok: true, value: { mode: 'unchosen', url: null } });
    expect(contentsListeners().has('before-input-event')).toBe(false);
    await quit();
  });
});

describe('the first start of a desk', () => {
  const page = 'app://tandem/index.html';

  it('offers the choice before anything else, and a desk that chose this computer starts as one after a restart', async () => {
    const { call, dir } = await start({ isPackaged: true, locale: 'en-US' });
    expect(await call(page, 'session.current')).toEqual({ ok: false, error: { code: 'desk.notChosen' } });
    // Plain HTTP to another computer is refused before anything is sent or saved.
    expect(await call(page, 'desk.join', { url: 'http://tandem.example.gc.ca' })).toEqual({
      ok: false,
      error: { code: 'desk.insecureAddress' },
    });
    expect(fs.existsSync(path.join(dir, 'desk.json'))).toBe(false);

    expect(await call(page, 'desk.useHere')).toEqual({ ok: true, value: { mode: 'solo', url: null } });
    expect(await call(page, 'session.current')).toEqual({ ok: true, value: { user: null, needsBootstrap: true } });
    expect(fs.existsSync(path.join(dir, 'tandem.db'))).toBe(true);
    await quit();

    const again = await start({ isPackaged: true, locale: 'en-US' }, dir);
    expect(await again.call(page, 'desk.state')).toEqual({ ok: true, value: { mode: 'solo', url: null } });
    expect(await again.call(page, 'startup.problem')).toEqual({ ok: true, value: null });
    await quit();
  });
});
