// Electron's security checklist, as small functions the tests can call directly.
import type { Session, WebContents } from 'electron';

export const appOrigin = 'app://tandem';

/** Post links the queue may open in the user's browser. Nothing else leaves the app. */
const externalHosts = new Set(['x.com', 'twitter.com', 'www.x.com']);

export function isAllowedExternalUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && externalHosts.has(url.hostname) && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** Only the app's own pages (and the dev server during `npm run dev`) may call the API. */
export function isTrustedSenderUrl(frameUrl: string | undefined, devServerUrl?: string): boolean {
  if (!frameUrl) return false;
  try {
    const url = new URL(frameUrl);
    // Node's URL (used in the main process) gives every non-special scheme such as app: the
    // opaque origin 'null', so the app origin is matched on scheme and host instead.
    const app = new URL(appOrigin);
    if (url.protocol === app.protocol && url.host === app.host) return true;
    if (devServerUrl === undefined || url.origin === 'null') return false;
    return url.origin === new URL(devServerUrl).origin;
  } catch {
    return false;
  }
}

export function hardenWebContents(contents: WebContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * Every permission is refused except desktop notifications for the app's own pages (published /
 * failed alerts). `devServerUrl` is trusted the same way as for IPC during `npm run dev`.
 */
export function hardenSession(target: Session, devServerUrl?: string): void {
  const allowed = (permission: string, url: string | undefined) =>
    permission === 'notifications' && isTrustedSenderUrl(url, devServerUrl);
  target.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowed(permission, details.requestingUrl)),
  );
  target.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowed(permission, requestingOrigin));
}
