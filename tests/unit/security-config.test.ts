// Issue 23, finding 9 (configuration): TRUST_PROXY names the proxy, a Telegram webhook secret is long.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#src/config.ts';

describe('TRUST_PROXY', () => {
  it('takes the reverse proxy’s addresses as a list, and refuses what is not an address', () => {
    expect(loadConfig({ TRUST_PROXY: '172.28.0.10' }).trustProxy).toEqual(['172.28.0.10']);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.0/8', 'fd00::/8', 'loopback']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.com' })).toThrow(/TRUST_PROXY must be false, true, or the reverse proxy's addresses/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/40' })).toThrow(/TRUST_PROXY/);
  });
});

describe('TELEGRAM_WEBHOOK_SECRET', () => {
  const env = (secret: string) => ({ TELEGRAM_BOT_TOKEN: '123456:ABC-def_ghi', TELEGRAM_WEBHOOK_SECRET: secret });
  it('is at least 32 characters', () => {
    expect(() => loadConfig(env('x'))).toThrow(/TELEGRAM_WEBHOOK_SECRET must be at least 32 characters/);
    expect(() => loadConfig(env('a'.repeat(31)))).toThrow(/at least 32/);
    expect(loadConfig(env('0123456789abcdef0123456789abcdef')).telegram?.webhookSecret).toHaveLength(32);
  });
});
