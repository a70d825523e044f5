// The real Electron app, where Electron's binary is installed (`npm run test:electron`; it is
// not part of `npm test`, which runs where the binary cannot be downloaded). It starts the built
// app on a fresh data folder and checks the window a user gets and the security settings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const binary = (() => {
  try {
    return require('electron') as unknown as string;
  } catch {
    return null;
  }
})();
const hasBinary = binary !== null && fs.existsSync(binary);

// Skipped only where Electron's binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD).
describe.skipIf(!hasBinary)('the Electron app', () => {
  it('opens on the first-run screen, sandboxed, with only window.api exposed', async () => {
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: [path.resolve('out/main/index.js')],
      env: { ...process.env, TANDEM_USER_DATA: userData },
    });
    try {
      const window = await app.firstWindow();
      await window.getByRole('heading', { name: /Set up Tandem|Configurer Tandem/ }).waitFor();
      expect(await window.title()).toBe('Tandem');
      expect(window.url()).toBe('app://tandem/index.html');
      const exposed = await window.evaluate(() => ({
        api: Object.keys((globalThis as unknown as { api: object }).api).sort(),
        require: typeof (globalThis as unknown as { require?: unknown }).require,
        process: typeof (globalThis as unknown as { process?: unknown }).process,
      }));
      expect(exposed).toEqual({ api: ['call', 'on'], require: 'undefined', process: 'undefined' });
      const state = await window.evaluate(() =>
        (globalThis as unknown as { api: { call(m: string): Promise<unknown> } }).api.call('session.current'),
      );
      expect(state).toEqual({ ok: true, value: { user: null, needsBootstrap: true } });
      // Sandboxed, isolated, no Node in the page: checked from the page above (no require, no process).
      // Navigation away from the app is refused.
      await window.evaluate(() => {
        (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(window.url()).toBe('app://tandem/index.html');
      expect(fs.existsSync(path.join(userData, 'tandem.db'))).toBe(true);
    } finally {
      await app.close();
      fs.rmSync(userData, { recursive: true, force: true });
    }
  }, 60_000);
});
