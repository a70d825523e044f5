// Timestamp identifiers (TIDs) as the AT Protocol defines them: 53 bits of microseconds since
// the epoch and 10 bits of clock id, in 13 sortable base32 characters. One is given to each
// delivery at its first claim and kept: Bluesky's record key, Mastodon's Idempotency-Key.
import { randomInt } from 'node:crypto';

const alphabet = '234567abcdefghijklmnopqrstuvwxyz';
const clockId = BigInt(randomInt(1024));
let last = 0n;

export function newTid(nowMs: number): string {
  // Strictly increasing within the process, even for several claims in one millisecond.
  let micros = BigInt(nowMs) * 1000n;
  if (micros <= last) micros = last + 1n;
  last = micros;
  let value = (micros << 10n) | clockId;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = alphabet[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

export const tidPattern = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
