/**
 * Counts webhook requests with bad signatures per client address, so a flood of forgeries is refused
 * early; the channel's own (signed) deliveries are never counted, however busy the shop is.
 */
export function createForgeryGuard(opts: { limit?: number; windowMs?: number } = {}) {
  const limit = opts.limit ?? 30;
  const windowMs = opts.windowMs ?? 60_000;
  const forgeries = new Map<string, { count: number; resetAt: number }>();
  return {
    /** This address sent too many forgeries lately. */
    blocked(ip: string): boolean {
      const entry = forgeries.get(ip);
      return entry !== undefined && entry.resetAt > Date.now() && entry.count >= limit;
    },
    count(ip: string): void {
      const now = Date.now();
      const entry = forgeries.get(ip);
      if (!entry || entry.resetAt <= now) {
        if (forgeries.size > 10_000) forgeries.clear();
        forgeries.set(ip, { count: 1, resetAt: now + windowMs });
      } else entry.count++;
    },
  };
}
