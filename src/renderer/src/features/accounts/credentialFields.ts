// What the add and renew forms ask for on each platform. `shared`: asked once for both
// accounts of a pair (X's app key, a Bluesky PDS); otherwise asked per account.
import type { Credentials } from '../../../../shared/credentials';
import type { Platform } from '../../../../shared/domain';

export interface FieldSpec {
  name: string;
  secret: boolean;
  shared: boolean;
  initial?: string;
}

const secret = (name: string, shared = false): FieldSpec => ({ name, secret: true, shared });
const plain = (name: string, shared = false, initial?: string): FieldSpec => ({ name, secret: false, shared, ...(initial ? { initial } : {}) });

export const credentialFields: Record<Platform, FieldSpec[]> = {
  x: [secret('appKey', true), secret('appSecret', true), secret('accessToken'), secret('accessSecret')],
  bluesky: [plain('service', true, 'https://bsky.social'), secret('appPassword')],
  mastodon: [plain('instance'), secret('accessToken')],
  facebook: [plain('pageId'), secret('pageAccessToken')],
  linkedin: [plain('organizationId'), secret('accessToken')],
};

export type FieldValues = Record<string, string>;

export function initialValues(platform: Platform, shared: boolean): FieldValues {
  return Object.fromEntries(credentialFields[platform].filter((f) => f.shared === shared).map((f) => [f.name, f.initial ?? '']));
}

/**
 * The credentials object main expects. Main validates it against the platform's schema; this
 * only assembles it. A Bluesky account signs in with its handle.
 */
export function toCredentials(platform: Platform, values: FieldValues, handle: string): Credentials {
  const picked = Object.fromEntries(credentialFields[platform].map((f) => [f.name, values[f.name] ?? '']));
  const extra = platform === 'bluesky' ? { identifier: handle.trim().replace(/^@/, '') } : {};
  return { platform, ...picked, ...extra } as Credentials;
}
