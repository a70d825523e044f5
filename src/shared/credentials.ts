// What each platform needs to publish as an account, and what an account's handle looks like
// there. Credentials are validated here on the way in (IPC) and on the way out of the keychain.
import { z } from 'zod';
import type { Platform } from './domain';

const secret = z.string().trim().min(1).max(2_000);
/** An https origin (or http on loopback, for the test fakes and the web harness). */
const serviceUrl = z
  .string()
  .trim()
  .max(300)
  .pipe(z.url({ protocol: /^https?$/ }))
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  }, 'https only')
  .transform((value) => new URL(value).origin);

export const xCredentialsSchema = z.strictObject({
  platform: z.literal('x'),
  appKey: secret,
  appSecret: secret,
  accessToken: secret,
  accessSecret: secret,
});

export const blueskyCredentialsSchema = z.strictObject({
  platform: z.literal('bluesky'),
  /** The account's PDS, https://bsky.social for most accounts. */
  service: serviceUrl,
  /** The handle (or DID) to sign in as; the composer fills it from the account's handle. */
  identifier: z.string().trim().min(1).max(253),
  /** An app password (Settings → App passwords), never the account password. */
  appPassword: secret,
});

export const mastodonCredentialsSchema = z.strictObject({
  platform: z.literal('mastodon'),
  /** The instance, e.g. https://social.example.ca. */
  instance: serviceUrl,
  /** A token with write:statuses, write:media and read:accounts, read:statuses. */
  accessToken: secret,
});

export const facebookCredentialsSchema = z.strictObject({
  platform: z.literal('facebook'),
  pageId: z.string().trim().regex(/^\d{1,30}$/),
  /** A Page access token with pages_manage_posts and pages_read_engagement. */
  pageAccessToken: secret,
});

export const linkedinCredentialsSchema = z.strictObject({
  platform: z.literal('linkedin'),
  organizationId: z.string().trim().regex(/^\d{1,30}$/),
  /** An access token with w_organization_social and r_organization_social. */
  accessToken: secret,
});

export const credentialsSchema = z.discriminatedUnion('platform', [
  xCredentialsSchema,
  blueskyCredentialsSchema,
  mastodonCredentialsSchema,
  facebookCredentialsSchema,
  linkedinCredentialsSchema,
]);

export type Credentials = z.infer<typeof credentialsSchema>;
export type CredentialsOf<P extends Platform> = Extract<Credentials, { platform: P }>;
export type XCredentials = CredentialsOf<'x'>;
export type BlueskyCredentials = CredentialsOf<'bluesky'>;
export type MastodonCredentials = CredentialsOf<'mastodon'>;
export type FacebookCredentials = CredentialsOf<'facebook'>;
export type LinkedInCredentials = CredentialsOf<'linkedin'>;

/** How an account is named on each platform (without a leading @). */
export const handlePatterns: Record<Platform, RegExp> = {
  x: /^[A-Za-z0-9_]{1,15}$/,
  // A domain name: statcan.bsky.social, or a department's own domain.
  bluesky: /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/i,
  // user@instance, as Mastodon's acct is written from outside the instance.
  mastodon: /^[A-Za-z0-9_]{1,30}@[a-z0-9.-]{1,253}(:\d{1,5})?$/i,
  // The Page's username, or its numeric id when it has none.
  facebook: /^[A-Za-z0-9.]{1,50}$/,
  // The organization page's vanity name (linkedin.com/company/<name>).
  linkedin: /^[A-Za-z0-9-]{1,100}$/,
};

export function normalizeHandle(handle: string): string {
  return handle.trim().replace(/^@/, '');
}
