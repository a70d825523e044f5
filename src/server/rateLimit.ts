// A fixed allowance per key (a remote address) per window: sign-in attempts beyond it are refused
// until the window moves on. Bounded: keys whose window has passed are forgotten, and at most
// 10,000 keys are kept (the oldest go first), so a flood of addresses cannot grow it.
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly allowance: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one attempt; 0 if allowed, else how many ms until the key's window ends. */
  take(key: string): number {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      this.windows.delete(key);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
      this.prune(now);
    }
    if (window.count >= this.allowance) return window.start + this.windowMs - now;
    window.count += 1;
    return 0;
  }

  private prune(now: number): void {
    if (this.windows.size <= 10_000) return;
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
    while (this.windows.size > 10_000) this.windows.delete(this.windows.keys().next().value!);
  }
}
