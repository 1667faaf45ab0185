import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#src/config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.shop).toMatchObject({ name: 'Talad Shop', timeZone: 'Asia/Bangkok', currency: 'THB', locale: 'th' });
    expect(c.telegram).toBeUndefined();
    expect(c.line).toBeUndefined();
    expect(c.seedDemo).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', API_TOKEN: '' }).databaseUrl).toBeUndefined();
  });

  it('does not seed demo data into a real database unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', SEED_DEMO: 'true' }).seedDemo).toBe(true);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TZ_SHOP: 'Mars/Olympus', LINE_CHANNEL_SECRET: 'abc' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('DATABASE_URL');
    expect(problems).toContain('TZ_SHOP');
    expect(problems).toContain('LINE_CHANNEL_ACCESS_TOKEN is required when the LINE channel is switched on');
  });

  it('requires the webhook secret only when Telegram runs by webhook', () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '123:abc' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_MODE: 'polling' }).telegram?.mode).toBe('polling');
  });

  it('switches Messenger and Instagram on only with the app secret, the page token and the verify token together', () => {
    expect(loadConfig({}).facebook).toBeUndefined();
    const on = loadConfig({ FACEBOOK_APP_SECRET: 'app-secret', FACEBOOK_PAGE_ACCESS_TOKEN: 'EAAB-token', FACEBOOK_VERIFY_TOKEN: 'verify-me' }).facebook;
    expect(on).toEqual({
      appSecret: 'app-secret',
      pageAccessToken: 'EAAB-token',
      verifyToken: 'verify-me',
      graphApiBaseUrl: 'https://graph.facebook.com',
      graphApiVersion: expect.stringMatching(/^v\d+\.0$/),
    });
    expect(() => loadConfig({ FACEBOOK_APP_SECRET: 'app-secret' })).toThrow(
      /FACEBOOK_PAGE_ACCESS_TOKEN is required when Messenger and Instagram are switched on[\s\S]*FACEBOOK_VERIFY_TOKEN is required/,
    );
    expect(loadConfig({ FACEBOOK_APP_SECRET: 's', FACEBOOK_PAGE_ACCESS_TOKEN: 't', FACEBOOK_VERIFY_TOKEN: 'v', FACEBOOK_GRAPH_API_BASE_URL: 'http://127.0.0.1:9/' }).facebook?.graphApiBaseUrl).toBe(
      'http://127.0.0.1:9',
    );
  });

  it('normalises the PromptPay id and refuses one that is not a phone or tax id', () => {
    expect(loadConfig({ PROMPTPAY_ID: '081-222-3333' }).promptPayId).toBe('0812223333');
    expect(() => loadConfig({ PROMPTPAY_ID: '12345' })).toThrow(/PROMPTPAY_ID/);
  });

  it('leaves the carrier APIs off by default with the production hosts ready', () => {
    const c = loadConfig({});
    expect(c.carrierApis).toEqual({ flash: undefined, thaipost: undefined });
    expect(c.settingsKey).toBeUndefined();
  });

  it('switches Flash on with both its merchant id and secret key, and Thailand Post with its API key', () => {
    const c = loadConfig({ FLASH_MCH_ID: 'AA0001', FLASH_SECRET_KEY: 'flash-secret-key', THAIPOST_API_KEY: 'thaipost-key-123' });
    expect(c.carrierApis.flash).toEqual({ mchId: 'AA0001', secretKey: 'flash-secret-key', baseUrl: 'https://open-api.flashexpress.com' });
    expect(c.carrierApis.thaipost).toEqual({ apiKey: 'thaipost-key-123', baseUrl: 'https://trackapi.thailandpost.co.th' });
    const fake = loadConfig({ FLASH_MCH_ID: 'AA0001', FLASH_SECRET_KEY: 'flash-secret-key', FLASH_API_BASE_URL: 'http://127.0.0.1:4100' });
    expect(fake.carrierApis.flash?.baseUrl).toBe('http://127.0.0.1:4100');
  });

  it('requires the other Flash secret when only one is set, and a settings key of 32 characters', () => {
    expect(() => loadConfig({ FLASH_MCH_ID: 'AA0001' })).toThrow(/FLASH_SECRET_KEY is required when Flash Express is switched on/);
    expect(() => loadConfig({ FLASH_SECRET_KEY: 'flash-secret-key' })).toThrow(/FLASH_MCH_ID is required/);
    expect(() => loadConfig({ SETTINGS_KEY: 'short' })).toThrow(/SETTINGS_KEY/);
    expect(loadConfig({ SETTINGS_KEY: 'k'.repeat(32) }).settingsKey).toBe('k'.repeat(32));
  });
});
