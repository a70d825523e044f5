// Electron's security checklist, as small functions the tests can call directly.
import type { Session, WebContents } from 'electron';

export const appOrigin = 'app://tandem';

/** Hosts of the platforms' post pages, which the queue may open in the user's browser. */
const externalHosts = new Set([
  'x.com',
  'www.x.com',
  'twitter.com',
  'bsky.app',
  'facebook.com',
  'www.facebook.com',
  'linkedin.com',
  'www.linkedin.com',
]);

/**
 * Whether a link may leave the app for the user's browser: https, no credentials in it, and
 * either on a platform's own host or exactly a post link Tandem recorded (a Mastodon instance can
 * be any host, so its posts are allowed one by one). Nothing else leaves the app.
 */
export function isAllowedExternalUrl(raw: string, isRecordedPostUrl: (url: string) => boolean = () => false): boolean {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
    return externalHosts.has(url.hostname) || isRecordedPostUrl(url.href);
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

export function hardenWebContents(
  contents: WebContents,
  openExternal: (url: string) => void,
  isRecordedPostUrl: (url: string) => boolean = () => false,
): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url, isRecordedPostUrl)) openExternal(url);
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
