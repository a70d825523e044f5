// Electron's security checklist, as small functions the tests can call directly.
import type { Session, WebContents } from 'electron';

export const appOrigin = 'app://tandem';

/**
 * The post pages Tandem links to, per platform host: exactly the shapes the adapters record
 * (x.ts, bluesky.ts, facebook.ts, linkedin.ts `remoteUrl`). Anything else on those hosts — their
 * redirectors above all (facebook.com/l.php, linkedin.com/redir/…, x.com/i/redirect, t.co) — could
 * send the person anywhere, so it never leaves the app.
 */
const postPages: ReadonlyMap<string, RegExp> = new Map([
  ...['x.com', 'www.x.com', 'twitter.com'].map((host) => [host, /^\/[A-Za-z0-9_]{1,15}\/status\/\d{1,20}$/] as const),
  ['bsky.app', /^\/profile\/[A-Za-z0-9.:-]{1,253}\/post\/[a-z2-7]{13}$/],
  ...['facebook.com', 'www.facebook.com'].map((host) => [host, /^\/\d{1,20}(?:_\d{1,20})?$/] as const),
  ...['linkedin.com', 'www.linkedin.com'].map((host) => [host, /^\/feed\/update\/urn:li:(?:share|ugcPost|activity):\d{1,25}$/] as const),
]);

/**
 * The link to hand to the browser, or null if it may not leave the app: https, no credentials,
 * and either a post page on a platform's own host or exactly a post link Tandem recorded (a
 * Mastodon instance can be any host, so its posts are allowed one by one). What is opened is the
 * parsed URL's `href`, never the string as given, so what was checked is what opens.
 */
/** Whether Tandem recorded this exact link as a post it published (asks the database: may be async). */
export type RecordedPostCheck = (url: string) => boolean | Promise<boolean>;

export function externalUrl(raw: string, isRecordedPostUrl: RecordedPostCheck = () => false): string | null | Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return null;
  const page = postPages.get(url.hostname);
  if (page) return page.test(url.pathname) && url.search === '' ? url.href : null;
  const recorded = isRecordedPostUrl(url.href);
  if (typeof recorded === 'boolean') return recorded ? url.href : null;
  return recorded.then((yes) => (yes ? url.href : null), () => null);
}

/** Whether a link on a platform's own host may open in the browser (recorded Mastodon links aside). */
export function isAllowedExternalUrl(raw: string): boolean {
  return externalUrl(raw) !== null;
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
  isRecordedPostUrl: RecordedPostCheck = () => false,
): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // The window is always denied at once; a link Tandem must look up opens when the answer comes.
    const href = externalUrl(url, isRecordedPostUrl);
    if (typeof href === 'string') openExternal(href);
    else if (href !== null) void href.then((checked) => checked !== null && openExternal(checked));
    return { action: 'deny' };
  });
}

/**
 * What the app's own pages may use: desktop notifications (published / failed alerts) and writing
 * text to the clipboard ("Copy link" of a published post; Chromium asks for it before every
 * `navigator.clipboard.writeText`). Reading the clipboard and everything else is refused.
 */
const appPermissions: ReadonlySet<string> = new Set(['notifications', 'clipboard-sanitized-write']);

/**
 * Every permission is refused except those above, for the app's own pages only. `devServerUrl`
 * is trusted the same way as for IPC during `npm run dev`.
 */
export function hardenSession(target: Session, devServerUrl?: string): void {
  const allowed = (permission: string, url: string | undefined) =>
    appPermissions.has(permission) && isTrustedSenderUrl(url, devServerUrl);
  target.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowed(permission, details.requestingUrl)),
  );
  target.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowed(permission, requestingOrigin));
}
