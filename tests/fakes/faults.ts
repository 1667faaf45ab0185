import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

// Failure injection shared by the fakes: a budget of next failures, or a seeded rate. A fake with failures of
// its own (Flash's `code 0` answer) names its kinds as the type parameter.

/**
 * How an injected failure looks to the client.
 * - `500`, `429`: an error answer (429 carries a retry hint) and nothing is delivered.
 * - `'timeout'`: no answer; the socket is destroyed after `hangMs` (or when the client gives up).
 * - `'reset'`: the socket is destroyed at once, nothing is delivered.
 * - `'lost-response'`: the request IS delivered, then the socket is destroyed before the answer goes out.
 */
export type FailureKind = 500 | 429 | 'timeout' | 'reset' | 'lost-response';

export interface FailureOptions {
  /** Only matching calls fail (exact string or RegExp, on the path or method); others pass and do not use up the budget. */
  only?: string | RegExp;
  /** For `'timeout'`: how long to hang before destroying the socket. */
  hangMs?: number;
  /** For `429`: the retry hint in seconds. */
  retryAfterSeconds?: number;
}

interface FaultRule<K> {
  remaining: number;
  kind: K;
  opts: FailureOptions;
}

export interface PickedFault<K = FailureKind> {
  kind: K;
  opts: FailureOptions;
}

/** mulberry32: tiny, seedable, good enough to make a failure pattern repeatable. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(only: string | RegExp | undefined, target: string): boolean {
  if (only === undefined) return true;
  return typeof only === 'string' ? only === target : only.test(target);
}

export function createFaults<K = FailureKind>() {
  let rules: FaultRule<K>[] = [];
  let rate: { p: number; kinds: readonly K[]; random: () => number; opts: FailureOptions } | undefined;
  return {
    failNext(n: number, kind: K, opts: FailureOptions = {}): void {
      if (n > 0) rules.push({ remaining: n, kind, opts });
    },
    setRate(p: number, kinds: readonly K[], seed: number | undefined, opts: FailureOptions = {}): void {
      if (p <= 0 || kinds.length === 0) {
        rate = undefined;
        return;
      }
      rate = { p, kinds: [...kinds], random: seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32)), opts };
    },
    pick(target: string): PickedFault<K> | undefined {
      const rule = rules.find((r) => matches(r.opts.only, target));
      if (rule) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) rules = rules.filter((r) => r !== rule);
        return { kind: rule.kind, opts: rule.opts };
      }
      if (rate && matches(rate.opts.only, target) && rate.random() < rate.p) {
        const kind = rate.kinds[Math.floor(rate.random() * rate.kinds.length)]!;
        return { kind, opts: rate.opts };
      }
      return undefined;
    },
    clear(): void {
      rules = [];
      rate = undefined;
    },
  };
}

/** A call that never answers: the socket is destroyed after `ms` unless the client gives up first. */
export function hang(reply: FastifyReply, ms: number, hanging: Set<NodeJS.Timeout>): void {
  reply.hijack();
  const timer = setTimeout(() => reply.raw.destroy(), ms);
  hanging.add(timer);
  reply.raw.on('close', () => {
    clearTimeout(timer);
    hanging.delete(timer);
  });
}

/**
 * A fake API's server: closes without waiting on hanging, long-polling or keep-alive sockets; reads JSON
 * itself (an empty body is no body; a broken one is a 400 with the real API's wording) and any other body
 * as bytes.
 */
export function fakeServer(opts: { badJson: string; bodyLimit?: number }): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}) });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    try {
      done(null, text.trim() === '' ? undefined : JSON.parse(text));
    } catch {
      done(Object.assign(new Error(opts.badJson), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  return app;
}
