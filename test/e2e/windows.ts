// The app's window in Chromium, as the e2e tests open it: the built renderer served by the web
// harness over a test app, one browser for the file, each window in a context of its own (its own
// cookies, language and time zone), and every console error or uncaught exception any window
// shows kept, for the test to say there were none.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startHarness } from '../harness/server';
import type { TestApp } from '../support';
import { launchBrowser } from './browser';

export interface WindowOptions {
  locale?: string;
  timezoneId?: string;
  /** Opened with the test client's session (whoever `t.signInAs` signed in last); else at the sign-in screen. */
  signedIn?: boolean;
  acceptDownloads?: boolean;
  /** A script run in the page before the app's (a string: the tests have no DOM types). */
  init?: string;
}

export interface Windows {
  open(options?: WindowOptions): Promise<Page>;
  /** Where the harness serves the app. */
  url: string;
  /** Every console error and uncaught exception of every window opened. */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** Starts the harness over `t` and a browser (the renderer must be built: `electron-vite build`). */
export async function startWindows(t: TestApp): Promise<Windows> {
  const harness = await startHarness(t.tandem, path.resolve('out/renderer'));
  const { browser, close } = await launchBrowser();
  const consoleErrors: string[] = [];
  return {
    consoleErrors,
    url: harness.url,
    async open({ locale = 'en-CA', timezoneId = 'America/Toronto', signedIn = true, acceptDownloads = false, init } = {}) {
      const context = await browser.newContext({ locale, timezoneId, acceptDownloads });
      if (signedIn) await context.addCookies([harness.cookieFor(t.caller.client)]);
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      if (init) await page.addInitScript({ content: init });
      await page.goto(harness.url);
      return page;
    },
    async close() {
      await close();
      await harness.close();
    },
  };
}
