/**
 * Token buckets that make callers wait rather than fail: a burst is spread out to what a channel
 * allows (Telegram: 30 messages/s overall, 1/s per chat), never dropped.
 */
export interface Rate {
  perSecond: number;
  /** How many may go at once after a quiet spell. */
  burst?: number;
}

class Bucket {
  private tokens: number;
  private last = Date.now();
  private queue: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly rate: Rate) {
    this.tokens = rate.burst ?? 1;
  }

  take(): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.drain();
    });
  }

  get idle() {
    return this.queue.length === 0 && this.tokens >= (this.rate.burst ?? 1);
  }

  private drain() {
    const now = Date.now();
    const cap = this.rate.burst ?? 1;
    this.tokens = Math.min(cap, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
    this.last = now;
    while (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.queue.shift()!();
    }
    if (this.queue.length > 0 && !this.timer) {
      const wait = Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, wait);
    }
  }
}

export function createRateLimiter(limits: { overall: Rate; perKey?: Rate }) {
  const overall = new Bucket(limits.overall);
  const perKey = new Map<string, Bucket>();
  return {
    /** Resolves when one more message to `key` may go. */
    async take(key: string): Promise<void> {
      if (limits.perKey) {
        let b = perKey.get(key);
        if (!b) {
          if (perKey.size > 10_000) for (const [k, v] of perKey) if (v.idle) perKey.delete(k);
          b = new Bucket(limits.perKey);
          perKey.set(key, b);
        }
        await b.take();
      }
      await overall.take();
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
