export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** Exponential backoff with full jitter: a random wait in [base, min(cap, base·2^(attempt-1))]. */
export function backoffDelay(attempt: number, { baseMs, capMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(baseMs + random() * Math.max(0, ceiling - baseMs));
}
