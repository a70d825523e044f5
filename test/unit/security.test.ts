// Electron security checklist: window settings, navigation and permission lockdown, the IPC
// sender check, input validation at the dispatch boundary, the preload's surface, the app://
// protocol and the CSP. Electron itself is mocked; only the app's own code runs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IpcMain, IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';

const electron = vi.hoisted(() => {
  class FakeBrowserWindow {
    static instances: FakeBrowserWindow[] = [];
    readonly options: unknown;
    readonly once = vi.fn();
    readonly show = vi.fn();
    readonly loadURL = vi.fn(() => Promise.resolve());
    constructor(options: unknown) {
      this.options = options;
      FakeBrowserWindow.instances.push(this);
    }
  }
  return {
    FakeBrowserWindow,
    exposeInMainWorld: vi.fn(),
    invoke: vi.fn(),
    on: vi.fn(),
    removeListener: vi.fn(),
    registerSchemesAsPrivileged: vi.fn(),
    protocolHandle: vi.fn(),
    netFetch: vi.fn(),
  };
});

vi.mock('electron', () => ({
  BrowserWindow: electron.FakeBrowserWindow,
  contextBridge: { exposeInMainWorld: electron.exposeInMainWorld },
  ipcRenderer: { invoke: electron.invoke, on: electron.on, removeListener: electron.removeListener },
  protocol: { registerSchemesAsPrivileged: electron.registerSchemesAsPrivileged, handle: electron.protocolHandle },
  net: { fetch: electron.netFetch },
}));

import { createMainWindow } from '../../src/main/window';
import { hardenSession, hardenWebContents, isAllowedExternalUrl, isTrustedSenderUrl } from '../../src/main/security';
import { contentSecurityPolicy, handleAppProtocol, resolveAppPath } from '../../src/main/protocol';
import { registerIpc, windowClient } from '../../src/main/ipc/electron';
import { createDispatch, type ClientDispatch, type Handlers } from '../../src/main/ipc/handlers';
import type { CallContext } from '../../src/main/services/context';
import { createLogger } from '../../src/main/log';
import { AppError } from '../../src/main/errors';
import { ipcChannels, methods, type EventName, type Method } from '../../src/shared/methods';
import type { Api } from '../../src/shared/contract';

afterEach(() => {
  vi.clearAllMocks();
});

// ---------- helpers ----------

interface LogLine {
  level: string;
  event: string;
  [field: string]: unknown;
}

function collectingLogger() {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const log = createLogger((line) => {
    raw.push(line);
    lines.push(JSON.parse(line) as LogLine);
  });
  return { log, lines, raw };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Parses a CSP string into directive -> sources. */
function parseCsp(csp: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

function expectStrictCsp(csp: string): void {
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-hashes');
  expect(csp).not.toContain('*');
  const directives = parseCsp(csp);
  expect(directives.get('default-src')).toEqual(["'none'"]);
  expect(directives.get('script-src')).toEqual(["'self'"]);
  expect(directives.get('object-src')).toEqual(["'none'"]);
  expect(directives.get('base-uri')).toEqual(["'none'"]);
}

// ---------- 1. window factory ----------

describe('createMainWindow', () => {
  beforeEach(() => {
    electron.FakeBrowserWindow.instances.length = 0;
  });

  it('creates the window with the locked-down webPreferences and the given preload', () => {
    const preload = '/opt/tandem/out/preload/index.mjs';
    const window = createMainWindow({ preload, url: 'app://tandem/index.html', title: 'Tandem' });

    expect(electron.FakeBrowserWindow.instances).toHaveLength(1);
    const instance = electron.FakeBrowserWindow.instances[0]!;
    expect(window).toBe(instance);
    const options = instance.options;
    if (!isRecord(options) || !isRecord(options.webPreferences)) throw new Error('no webPreferences passed');
    const prefs = options.webPreferences;
    expect(prefs).toMatchObject({
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    // Nothing that re-opens the renderer: no experimental or Blink feature toggles.
    for (const risky of ['experimentalFeatures', 'enableBlinkFeatures', 'enableRemoteModule', 'webgl']) {
      expect(prefs[risky], risky).not.toBe(true);
    }
    expect(options.show).toBe(false);
  });

  it('loads the given url and shows the window only once it is ready', () => {
    createMainWindow({ preload: '/p.js', url: 'app://tandem/index.html', title: 'Tandem' });
    const instance = electron.FakeBrowserWindow.instances[0]!;

    expect(instance.loadURL).toHaveBeenCalledTimes(1);
    expect(instance.loadURL).toHaveBeenCalledWith('app://tandem/index.html');
    expect(instance.once).toHaveBeenCalledWith('ready-to-show', expect.any(Function));
    expect(instance.show).not.toHaveBeenCalled();
    const onReady = instance.once.mock.calls.find((call: unknown[]) => call[0] === 'ready-to-show')?.[1];
    if (typeof onReady !== 'function') throw new Error('no ready-to-show handler');
    onReady();
    expect(instance.show).toHaveBeenCalledTimes(1);
  });
});

// ---------- 2. web contents hardening ----------

type NavigationHandler = (event: { preventDefault: () => void }, ...rest: unknown[]) => void;
type WindowOpenHandler = (details: { url: string }) => { action: string };

function fakeWebContents() {
  const handlers = new Map<string, NavigationHandler[]>();
  let windowOpenHandler: WindowOpenHandler | undefined;
  const contents = {
    on(event: string, handler: NavigationHandler) {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      return contents;
    },
    setWindowOpenHandler(fn: WindowOpenHandler) {
      windowOpenHandler = fn;
    },
  };
  return {
    contents: contents as unknown as WebContents,
    handlers,
    openWindow(url: string) {
      if (!windowOpenHandler) throw new Error('no window open handler registered');
      return windowOpenHandler({ url });
    },
  };
}

describe('hardenWebContents', () => {
  it.each(['will-navigate', 'will-redirect', 'will-attach-webview'])('prevents %s', (eventName) => {
    const fake = fakeWebContents();
    hardenWebContents(fake.contents, vi.fn());

    const registered = fake.handlers.get(eventName) ?? [];
    expect(registered.length).toBeGreaterThan(0);
    const event = { preventDefault: vi.fn() };
    for (const handler of registered) handler(event, 'https://evil.example/');
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('opens allowed post links externally and never opens a new app window', () => {
    const fake = fakeWebContents();
    const openExternal = vi.fn();
    hardenWebContents(fake.contents, openExternal);

    const url = 'https://x.com/StatCan_eng/status/123';
    expect(fake.openWindow(url)).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
    expect(openExternal).toHaveBeenCalledWith(url);
  });

  it.each([
    'https://bsky.app/profile/statcan.bsky.social/post/3kabcdefghij2',
    'https://www.facebook.com/100200301_555',
    'https://www.linkedin.com/feed/update/urn:li:share:7000',
  ])('opens a post on a platform\'s own host: %s', (url) => {
    expect(isAllowedExternalUrl(url)).toBe(true);
  });

  it('hands the browser the parsed link, not the string as given', () => {
    const fake = fakeWebContents();
    const openExternal = vi.fn();
    hardenWebContents(fake.contents, openExternal);
    // Upper-case scheme and host, a tab and a stray space: what was checked is what opens.
    expect(fake.openWindow('HTTPS://X.COM/StatCan_eng/status/123')).toEqual({ action: 'deny' });
    expect(fake.openWindow(' https://x.com/StatCan_eng/sta\ttus/124')).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://x.com/StatCan_eng/status/123'], ['https://x.com/StatCan_eng/status/124']]);
  });

  it('opens a post on a Mastodon instance only if it is a link Tandem recorded', () => {
    const recorded = new Set(['https://social.example.ca/@StatCan/113']);
    const fake = fakeWebContents();
    const openExternal = vi.fn();
    hardenWebContents(fake.contents, openExternal, (url) => recorded.has(url));
    expect(fake.openWindow('https://social.example.ca/@StatCan/113')).toEqual({ action: 'deny' });
    expect(fake.openWindow('https://social.example.ca/@StatCan/114')).toEqual({ action: 'deny' });
    expect(fake.openWindow('http://social.example.ca/@StatCan/113')).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://social.example.ca/@StatCan/113']]);
  });

  it('asks the database whether a Mastodon link was recorded, and opens it only when it says yes', async () => {
    const recorded = new Set(['https://social.example.ca/@StatCan/113']);
    let answers: Promise<boolean>[] = [];
    // As the host asks: a look-up that answers later (the database is async).
    const lookUp = (url: string) => {
      const answer = new Promise<boolean>((resolve) => setTimeout(() => resolve(recorded.has(url)), 5));
      answers.push(answer);
      return answer;
    };
    const fake = fakeWebContents();
    const openExternal = vi.fn();
    hardenWebContents(fake.contents, openExternal, lookUp);
    // The window is refused at once, before the answer comes.
    expect(fake.openWindow('https://social.example.ca/@StatCan/113')).toEqual({ action: 'deny' });
    expect(fake.openWindow('https://social.example.ca/@StatCan/114')).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
    await Promise.all(answers);
    await new Promise((resolve) => setImmediate(resolve));
    expect(openExternal.mock.calls).toEqual([['https://social.example.ca/@StatCan/113']]);

    // A look-up that fails opens nothing.
    answers = [];
    const failing = fakeWebContents();
    const opened = vi.fn();
    hardenWebContents(failing.contents, opened, () => Promise.reject(new Error('storage.io')));
    expect(failing.openWindow('https://social.example.ca/@StatCan/113')).toEqual({ action: 'deny' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(opened).not.toHaveBeenCalled();
  });

  it.each([
    'http://x.com/StatCan_eng/status/123',
    'https://evil.example/',
    'https://x.com.evil.example/',
    'https://evilx.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://user:pw@x.com/',
    'https://user@x.com/',
    'data:text/html,<script>alert(1)</script>',
    'not a url',
    // The platforms' own redirectors, and other pages on their hosts, lead anywhere.
    'https://www.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F',
    'https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F',
    'https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fevil.example%2F',
    'https://www.linkedin.com/safety/go?url=https%3A%2F%2Fevil.example%2F',
    'https://x.com/i/redirect?url=https%3A%2F%2Fevil.example%2F',
    'https://t.co/abc123',
    'https://x.com/StatCan_eng/status/123?redirect=https://evil.example/',
    'https://x.com:8443/StatCan_eng/status/123',
    'https://www.facebook.com/settings',
  ])('denies %s without opening it externally', (url) => {
    const fake = fakeWebContents();
    const openExternal = vi.fn();
    hardenWebContents(fake.contents, openExternal);

    expect(fake.openWindow(url)).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
    expect(isAllowedExternalUrl(url)).toBe(false);
  });
});

// ---------- 3. session hardening ----------

describe('hardenSession', () => {
  type RequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
  type CheckHandler = (contents: unknown, permission: string, origin: string, details: unknown) => boolean;

  function fakeSession() {
    let request: RequestHandler | undefined;
    let check: CheckHandler | undefined;
    const session = {
      setPermissionRequestHandler(fn: RequestHandler) {
        request = fn;
      },
      setPermissionCheckHandler(fn: CheckHandler) {
        check = fn;
      },
    };
    return {
      session: session as unknown as Session,
      request: () => request,
      check: () => check,
    };
  }

  it('allows desktop notifications for the app itself, and for no other origin', () => {
    const fake = fakeSession();
    hardenSession(fake.session);
    const request = fake.request()!;
    const check = fake.check()!;
    const granted = vi.fn();
    request(null, 'notifications', granted, { requestingUrl: 'app://tandem/index.html' });
    expect(granted).toHaveBeenCalledWith(true);
    expect(check(null, 'notifications', 'app://tandem', {})).toBe(true);
    const refused = vi.fn();
    request(null, 'notifications', refused, { requestingUrl: 'https://evil.example/' });
    expect(refused).toHaveBeenCalledWith(false);
    expect(check(null, 'notifications', 'https://evil.example', {})).toBe(false);
    expect(check(null, 'notifications', 'file://', {})).toBe(false);
  });

  it('lets the app write text to the clipboard ("Copy link"), and no other origin, and never read it', () => {
    const fake = fakeSession();
    hardenSession(fake.session);
    const request = fake.request()!;
    const check = fake.check()!;
    expect(check(null, 'clipboard-sanitized-write', 'app://tandem', {})).toBe(true);
    const granted = vi.fn();
    request(null, 'clipboard-sanitized-write', granted, { requestingUrl: 'app://tandem/index.html' });
    expect(granted).toHaveBeenCalledWith(true);
    expect(check(null, 'clipboard-sanitized-write', 'https://evil.example', {})).toBe(false);
    const refused = vi.fn();
    request(null, 'clipboard-sanitized-write', refused, { requestingUrl: 'https://evil.example/' });
    expect(refused).toHaveBeenCalledWith(false);
    expect(check(null, 'clipboard-read', 'app://tandem', {})).toBe(false);
  });

  it.each(['media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen', 'midi', 'pointerLock'])(
    'refuses the %s permission request and check',
    (permission) => {
      const fake = fakeSession();
      hardenSession(fake.session);

      const request = fake.request();
      const check = fake.check();
      if (!request || !check) throw new Error('permission handlers not installed');

      const callback = vi.fn();
      request(null, permission, callback, { requestingUrl: 'app://tandem/index.html' });
      expect(callback).toHaveBeenCalledTimes(1);
      expect(callback).toHaveBeenCalledWith(false);

      expect(check(null, permission, 'app://tandem', {})).toBe(false);
    },
  );
});

// ---------- 4. trusted sender ----------

describe('isTrustedSenderUrl', () => {
  it('trusts the app origin', () => {
    expect(isTrustedSenderUrl('app://tandem/index.html')).toBe(true);
    expect(isTrustedSenderUrl('app://tandem/')).toBe(true);
  });

  it.each([
    undefined,
    '',
    'file:///index.html',
    'https://evil.example',
    'app://other/index.html',
    'app://tandem.evil/index.html',
    'app://tandem:1234/index.html',
    'http://localhost:5173/',
    'not a url at all',
    '::::',
    'app:tandem',
  ])('does not trust %s', (url) => {
    expect(isTrustedSenderUrl(url)).toBe(false);
  });

  it('accepts the dev server origin only when it is passed', () => {
    expect(isTrustedSenderUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSenderUrl('http://localhost:5173/some/page', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSenderUrl('http://localhost:5173/')).toBe(false);
    expect(isTrustedSenderUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSenderUrl('https://localhost:5173/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSenderUrl('https://evil.example/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSenderUrl('http://localhost:5173/', 'garbage')).toBe(false);
  });

  it('never matches two opaque origins against each other', () => {
    // file: and other non-special schemes all have origin 'null' in Node's URL.
    expect(isTrustedSenderUrl('file:///tmp/evil.html', 'file:///app/index.html')).toBe(false);
    expect(isTrustedSenderUrl('evil://x/', 'other://y/')).toBe(false);
  });
});

// ---------- 5. IPC sender check ----------

describe('registerIpc', () => {
  type Listener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

  function setup(devServerUrl?: string) {
    const listeners = new Map<string, Listener>();
    const ipcMain: Pick<IpcMain, 'handle'> = {
      handle: (channel, listener) => {
        listeners.set(channel, listener);
      },
    };
    const dispatch = vi.fn<ClientDispatch>(() => Promise.resolve({ ok: true, value: ['pair-1'] }));
    const { log, lines } = collectingLogger();
    registerIpc(ipcMain, dispatch, (url) => isTrustedSenderUrl(url, devServerUrl), log);
    const listener = listeners.get(ipcChannels.call);
    if (!listener) throw new Error(`nothing registered on ${ipcChannels.call}`);
    const invoke = (senderFrame: { url: string } | null, method: unknown, input?: unknown) =>
      listener({ senderFrame, sender: { id: 7 } } as unknown as IpcMainInvokeEvent, method, input);
    return { listeners, dispatch, lines, invoke };
  }

  it('registers exactly one handler, on tandem:call', () => {
    const { listeners } = setup();
    expect(ipcChannels.call).toBe('tandem:call');
    expect([...listeners.keys()]).toEqual(['tandem:call']);
  });

  it('refuses a call from an untrusted frame, without dispatching, and logs it', async () => {
    const { dispatch, lines, invoke } = setup();

    await expect(invoke({ url: 'https://evil.example/' }, 'pairs.list', { limit: 5 })).resolves.toEqual({
      ok: false,
      error: { code: 'ipc.untrusted' },
    });
    expect(dispatch).not.toHaveBeenCalled();
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', event: 'ipc.untrustedSender', method: 'pairs.list' }),
    );
  });

  it('refuses a call whose sender frame is gone', async () => {
    const { dispatch, lines, invoke } = setup();

    await expect(invoke(null, 'pairs.list')).resolves.toEqual({ ok: false, error: { code: 'ipc.untrusted' } });
    expect(dispatch).not.toHaveBeenCalled();
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'ipc.untrustedSender' }));
  });

  it('refuses the dev server origin when no dev server is configured', async () => {
    const { dispatch, invoke } = setup();
    await expect(invoke({ url: 'http://localhost:5173/' }, 'pairs.list')).resolves.toMatchObject({ ok: false });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('logs only the type of a non-string method, not its content', async () => {
    const { lines, invoke } = setup();
    await invoke({ url: 'file:///index.html' }, { evil: 'payload' });
    expect(lines).toContainEqual(expect.objectContaining({ event: 'ipc.untrustedSender', method: 'object' }));
    expect(JSON.stringify(lines)).not.toContain('payload');
  });

  it('forwards a trusted call to dispatch and returns its result', async () => {
    const { dispatch, lines, invoke } = setup();

    await expect(invoke({ url: 'app://tandem/index.html' }, 'pairs.list', { limit: 5 })).resolves.toEqual({
      ok: true,
      value: ['pair-1'],
    });
    expect(dispatch).toHaveBeenCalledTimes(1);
    // As the window it came from: its session and person are main's to find.
    expect(dispatch).toHaveBeenCalledWith({ client: windowClient(7) }, 'pairs.list', { limit: 5 });
    expect(lines.filter((line) => line.event === 'ipc.untrustedSender')).toEqual([]);
  });

  it('forwards calls from the dev server when it is configured', async () => {
    const { dispatch, invoke } = setup('http://localhost:5173');
    await invoke({ url: 'http://localhost:5173/' }, 'pairs.list');
    expect(dispatch).toHaveBeenCalledTimes(1);
    await invoke({ url: 'https://evil.example/' }, 'pairs.list');
    expect(dispatch).toHaveBeenCalledTimes(1);
  });
});

// ---------- 6. dispatch validation ----------

describe('createDispatch', () => {
  const ctx: CallContext = { client: 'window:1', session: null, person: null };
  function setup() {
    const spies = Object.fromEntries(methods.map((method) => [method, vi.fn()])) as Record<Method, Mock>;
    const handlers: Handlers = spies;
    const { log, lines, raw } = collectingLogger();
    const dispatch = createDispatch(handlers, log);
    const noHandlerCalled = () => {
      for (const method of methods) expect(spies[method], method).not.toHaveBeenCalled();
    };
    return { spies, dispatch, lines, raw, noHandlerCalled };
  }

  const validCreate = {
    channelIds: ['channel-1'],
    enText: 'Hello',
    frText: 'Bonjour',
    authorTz: 'America/Toronto',
  };

  it.each<unknown>(['shell.openExternal', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '', 42, null, undefined, {}])(
    'rejects the unknown method %s without calling any handler',
    async (method) => {
      const { dispatch, noHandlerCalled } = setup();
      await expect(dispatch(ctx, method, undefined)).resolves.toEqual({ ok: false, error: { code: 'input.invalid' } });
      noHandlerCalled();
    },
  );

  it.each<[string, unknown]>([
    ['a string instead of an object', 'DROP TABLE pairs'],
    ['a missing field', { ...validCreate, authorTz: undefined }],
    ['a wrongly typed field', { ...validCreate, channelIds: 'all' }],
    ['an unknown action', { ...validCreate, action: 'delete' }],
    ['an extra field', { ...validCreate, isAdmin: true }],
    ['too many channels', { ...validCreate, channelIds: Array.from({ length: 21 }, (_, i) => `c${i}`) }],
    ['a malformed schedule', { ...validCreate, action: 'schedule', scheduledAt: 'tomorrow' }],
  ])('rejects pairs.create with %s without calling the handler', async (_label, input) => {
    const { dispatch, noHandlerCalled } = setup();
    const result = await dispatch(ctx, 'pairs.create', input);
    expect(result).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    noHandlerCalled();
  });

  it('passes valid input, as parsed, to the matching handler only', async () => {
    const { spies, dispatch } = setup();
    spies['pairs.create'].mockResolvedValue({ id: 'pair-1' });

    await expect(dispatch(ctx, 'pairs.create', validCreate)).resolves.toEqual({ ok: true, value: { id: 'pair-1' } });
    expect(spies['pairs.create']).toHaveBeenCalledTimes(1);
    // As parsed: defaults filled in (no images).
    expect(spies['pairs.create']).toHaveBeenCalledWith(ctx, { ...validCreate, media: [] });
    for (const method of methods) if (method !== 'pairs.create') expect(spies[method]).not.toHaveBeenCalled();
  });

  it('returns only "internal" for an unexpected error and keeps the message in the log', async () => {
    const { spies, dispatch, lines, raw } = setup();
    const secretMessage = 'SQLITE_CORRUPT at /home/alice/.config/Tandem/tandem.db';
    spies['pairs.list'].mockRejectedValue(new Error(secretMessage));

    const result = await dispatch(ctx, 'pairs.list', { limit: 5 });
    expect(result).toEqual({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(result)).not.toContain('SQLITE');
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', event: 'ipc.internal', method: 'pairs.list', error: secretMessage }),
    );
    expect(raw.join('\n')).toContain(secretMessage);
  });

  it('handles a synchronous throw the same way', async () => {
    const { spies, dispatch, lines } = setup();
    spies['pairs.cancel'].mockImplementation(() => {
      throw new Error('boom');
    });
    await expect(dispatch(ctx, 'pairs.cancel', { id: 'p1' })).resolves.toEqual({ ok: false, error: { code: 'internal' } });
    expect(lines).toContainEqual(expect.objectContaining({ event: 'ipc.internal', error: 'boom' }));
  });

  it('passes an AppError through as its user-facing code', async () => {
    const { spies, dispatch } = setup();
    spies['pairs.retry'].mockRejectedValue(new AppError('channel.unknown'));
    await expect(dispatch(ctx, 'pairs.retry', { id: 'p1' })).resolves.toEqual({
      ok: false,
      error: { code: 'channel.unknown' },
    });
  });
});

// ---------- 7. preload ----------

describe('preload', () => {
  type LooseApi = {
    call(method: string, input?: unknown): Promise<unknown>;
    on(event: string, listener: (payload: unknown) => void): () => void;
  };
  type EventForward = (event: unknown, name: unknown, payload: unknown) => void;

  async function loadPreload(): Promise<{ api: Api; loose: LooseApi }> {
    vi.resetModules();
    electron.exposeInMainWorld.mockClear();
    await import('../../src/preload/index');
    expect(electron.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const [key, exposed] = electron.exposeInMainWorld.mock.calls[0] ?? [];
    expect(key).toBe('api');
    if (!isRecord(exposed) || typeof exposed.call !== 'function' || typeof exposed.on !== 'function') {
      throw new Error('preload did not expose a call/on api');
    }
    return { api: exposed as unknown as Api, loose: exposed as unknown as LooseApi };
  }

  it('exposes exactly one key, "api", with exactly call and on', async () => {
    const { api } = await loadPreload();
    expect(electron.exposeInMainWorld.mock.calls.map((call: unknown[]) => call[0])).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
  });

  it('forwards a contract call to tandem:call and returns what main answers', async () => {
    const { api } = await loadPreload();
    electron.invoke.mockResolvedValue({ ok: true, value: [] });

    await expect(api.call('pairs.list', { limit: 5 })).resolves.toEqual({ ok: true, value: [] });
    expect(electron.invoke).toHaveBeenCalledTimes(1);
    expect(electron.invoke).toHaveBeenCalledWith('tandem:call', 'pairs.list', { limit: 5 });
  });

  it.each(['shell.openExternal', 'constructor', '__proto__', ''])(
    'refuses the non-contract method %s without reaching main',
    async (method) => {
      const { loose } = await loadPreload();
      await expect(loose.call(method)).resolves.toEqual({ ok: false, error: { code: 'input.invalid' } });
      expect(electron.invoke).not.toHaveBeenCalled();
    },
  );

  it('throws for an unknown event name and registers nothing', async () => {
    const { api } = await loadPreload();
    expect(() => api.on('not.an.event' as EventName, vi.fn())).toThrow();
    expect(electron.on).not.toHaveBeenCalled();
  });

  it('subscribes on tandem:event, forwards only the matching event, and unsubscribes', async () => {
    const { api } = await loadPreload();
    const listener = vi.fn();

    const unsubscribe = api.on('pairs.changed', listener);
    expect(electron.on).toHaveBeenCalledTimes(1);
    const [channel, forward] = electron.on.mock.calls[0] ?? [];
    expect(channel).toBe('tandem:event');
    if (typeof forward !== 'function') throw new Error('no ipcRenderer listener registered');
    const send = forward as EventForward;

    send({ sender: 'ipc' }, 'accounts.changed', {});
    expect(listener).not.toHaveBeenCalled();
    send({ sender: 'ipc' }, 'pairs.changed', { pairIds: ['p1'] });
    expect(listener).toHaveBeenCalledTimes(1);
    // The page gets only the payload, never the raw IpcRendererEvent.
    expect(listener).toHaveBeenCalledWith({ pairIds: ['p1'] });

    expect(electron.removeListener).not.toHaveBeenCalled();
    unsubscribe();
    expect(electron.removeListener).toHaveBeenCalledTimes(1);
    expect(electron.removeListener).toHaveBeenCalledWith('tandem:event', forward);
  });
});

// ---------- 8. app:// protocol ----------

describe('resolveAppPath', () => {
  const root = path.resolve('/srv/tandem/renderer');

  it('maps the app root to index.html', () => {
    expect(resolveAppPath(root, 'app://tandem/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://tandem/index.html')).toBe(path.join(root, 'index.html'));
  });

  it('maps assets to files inside the root', () => {
    expect(resolveAppPath(root, 'app://tandem/assets/a.js')).toBe(path.join(root, 'assets', 'a.js'));
    expect(resolveAppPath(root, 'app://tandem/assets/a.js?v=1#x')).toBe(path.join(root, 'assets', 'a.js'));
    // Absolute-looking paths stay inside the root.
    const absolute = resolveAppPath(root, 'app://tandem/%2Fetc%2Fpasswd');
    expect(absolute).toBe(path.join(root, 'etc', 'passwd'));
  });

  it.each([
    'app://tandem/..%2f..%2fetc%2fpasswd',
    'app://tandem/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'app://tandem/assets/..%2F..%2F..%2Fetc%2Fpasswd',
    'app://tandem/..%2frenderer-evil%2fx.js',
    'app://evil/index.html',
    'app://tandem.evil/index.html',
    'file:///etc/passwd',
    'https://tandem/index.html',
    'app://tandem/index.html%00.png',
    'app://tandem/%00',
    'app://tandem/%E0%A4%A',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });

  it('clamps a %2e%2e segment at the root instead of escaping it', () => {
    // The URL parser treats %2e%2e as '..' and removes it at the root: app://tandem/secret.
    const resolved = resolveAppPath(root, 'app://tandem/%2e%2e/secret');
    expect(resolved).not.toBe(path.resolve(root, '..', 'secret'));
    expect(resolved).toBe(path.join(root, 'secret'));
  });

  it('never resolves outside the root', () => {
    const probes = ['..', '%2e%2e', '.%2e', '%2e.', '..%5c..', 'a/../../b', 'a%2f..%2f..%2fb'];
    for (const probe of probes) {
      const resolved = resolveAppPath(root, `app://tandem/${probe}/x`);
      if (resolved !== null) expect(resolved.startsWith(root + path.sep), `${probe} -> ${resolved}`).toBe(true);
    }
  });
});

describe('handleAppProtocol', () => {
  type ProtocolHandler = (request: { url: string }) => Promise<Response>;

  function install(): ProtocolHandler {
    handleAppProtocol('/srv/tandem/renderer');
    const [scheme, handler] = electron.protocolHandle.mock.calls[0] ?? [];
    expect(scheme).toBe('app');
    if (typeof handler !== 'function') throw new Error('no app:// handler registered');
    return handler as ProtocolHandler;
  }

  it('answers 404 for a path outside the root without reading any file', async () => {
    const handler = install();
    const response = await handler({ url: 'app://tandem/..%2f..%2fetc%2fpasswd' });
    expect(response.status).toBe(404);
    expect(electron.netFetch).not.toHaveBeenCalled();
  });

  it('serves files with the strict CSP and nosniff headers', async () => {
    const handler = install();
    electron.netFetch.mockResolvedValue(
      new Response('console.log(1)', { status: 200, headers: { 'Content-Type': 'text/javascript' } }),
    );
    const response = await handler({ url: 'app://tandem/assets/a.js' });
    expect(electron.netFetch).toHaveBeenCalledWith('file:///srv/tandem/renderer/assets/a.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Security-Policy')).toBe(contentSecurityPolicy);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Content-Type')).toBe('text/javascript');
  });
});

describe('contentSecurityPolicy', () => {
  it('is strict: no unsafe-eval/unsafe-inline, default-src none, script-src self', () => {
    expectStrictCsp(contentSecurityPolicy);
    expect(parseCsp(contentSecurityPolicy).get('frame-ancestors')).toEqual(["'none'"]);
  });
});

// ---------- 9. renderer CSP ----------

describe('renderer index.html', () => {
  const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');

  it('declares a strict CSP meta tag', () => {
    const metas = [...html.matchAll(/<meta\b[^>]*>/gi)].map((match) => match[0]);
    const cspMetas = metas.filter((tag) => /http-equiv\s*=\s*["']Content-Security-Policy["']/i.test(tag));
    expect(cspMetas).toHaveLength(1);
    const content = /\bcontent\s*=\s*"([^"]*)"/i.exec(cspMetas[0]!)?.[1];
    if (content === undefined) throw new Error('CSP meta tag has no content');
    expectStrictCsp(content);
  });

  it('has no inline scripts or inline event handlers', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc\s*=/i);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });
});
