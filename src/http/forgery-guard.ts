/**
 * Counts webhook requests with bad signatures per client address, so a flood of forgeries is refused
 * with 429 instead of 401. It is asked only after the signature or secret was checked and found wrong:
 * the channel's own (signed) deliveries are never counted nor refused, however many forgeries come from
 * the same address (behind a proxy that may be every request).
 */
export function createForgeryGuard(opts: { limit?: number; windowMs?: number } = {}) {
  const limit = opts.limit ?? 30;
  const windowMs = opts.windowMs ?? 60_000;
  const forgeries = new Map<string, { count: number; resetAt: number }>();
  return {
    /** Counts one forgery from this address; true when it sent too many lately (answer 429). */
    refuse(ip: string): boolean {
      const now = Date.now();
      const entry = forgeries.get(ip);
      if (!entry || entry.resetAt <= now) {
        if (forgeries.size > 10_000) forgeries.clear();
        forgeries.set(ip, { count: 1, resetAt: now + windowMs });
        return false;
      }
      entry.count++;
      return entry.count > limit;
    },
  };
}
