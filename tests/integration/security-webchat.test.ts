// Issue 23, findings 8 and 9 (web chat): limits keyed on the client's address as well as the visitor
// cookie anyone can mint, minting itself limited, and no framing or sniffing of the page and uploads.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'talad-sec-webchat-')), WEBCHAT_FRAME_ORIGINS: 'https://shop.example.com' });
});
afterAll(() => t?.close());

async function newVisitor(remoteAddress: string) {
  const res = await t.app.inject({ method: 'GET', url: '/chat', remoteAddress, headers: { 'accept-language': 'th' } });
  const cookie = res.cookies.find((c) => c.name === 'talad_chat');
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body)?.[1];
  return { res, cookie: cookie ? `talad_chat=${cookie.value}` : '', csrf: csrf ?? '' };
}

describe('web chat limits', () => {
  it('limits minting visitor cookies per address, leaving other addresses alone', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 105; i++) codes.push((await newVisitor('203.0.113.50')).res.statusCode);
    expect(codes.slice(0, 100).every((c) => c === 200)).toBe(true);
    expect(codes.slice(100).every((c) => c === 429)).toBe(true);
    const other = await newVisitor('203.0.113.51');
    expect(other.res.statusCode).toBe(200);
  });

  it('limits an address however many visitor cookies it uses', async () => {
    const visitors = await Promise.all(Array.from({ length: 4 }, () => newVisitor('198.51.100.60')));
    let limited = 0;
    for (let i = 0; i < 320; i++) {
      const v = visitors[i % visitors.length]!;
      const res = await t.app.inject({ method: 'GET', url: '/chat/api/messages', remoteAddress: '198.51.100.60', headers: { cookie: v.cookie, 'x-csrf-token': v.csrf } });
      if (res.statusCode === 429) limited++;
    }
    expect(limited).toBeGreaterThan(0);
    expect((await newVisitor('198.51.100.61')).res.statusCode).toBe(200);
  });
});

describe('web chat headers', () => {
  it('may be framed only by the shop’s listed site, and nothing it serves is sniffed', async () => {
    const page = await newVisitor('192.0.2.70');
    expect(page.res.headers['x-content-type-options']).toBe('nosniff');
    expect(String(page.res.headers['content-security-policy'])).toContain("frame-ancestors 'self' https://shop.example.com");
    const png = await sharp({ create: { width: 30, height: 40, channels: 3, background: '#c33' } }).png().toBuffer();
    const boundary = '----talad-sec';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n0b7c3c53-5a77-4a52-9a5e-0d6b5d2b1c11\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const up = await t.app.inject({ method: 'POST', url: '/chat/api/images', remoteAddress: '192.0.2.70', payload, headers: { cookie: page.cookie, 'x-csrf-token': page.csrf, 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(up.statusCode, up.body).toBe(202);
    const msgs = await t.app.inject({ method: 'GET', url: '/chat/api/messages', remoteAddress: '192.0.2.70', headers: { cookie: page.cookie, 'x-csrf-token': page.csrf } });
    const url = JSON.stringify(msgs.json()).match(/\/chat\/api\/uploads\/[0-9a-f-]+\.png/)?.[0];
    expect(url).toBeDefined();
    const image = await t.app.inject({ method: 'GET', url: url!, remoteAddress: '192.0.2.70', headers: { cookie: page.cookie } });
    expect(image.statusCode).toBe(200);
    expect(image.headers['x-content-type-options']).toBe('nosniff');
    expect(String(image.headers['content-security-policy'])).toContain('frame-ancestors');
  });

  it('sends security headers with the API docs', async () => {
    for (const url of ['/docs', '/docs/json', '/docs/static/swagger-ui.css']) {
      const docs = await t.app.inject({ method: 'GET', url });
      expect(docs.statusCode, url).toBeLessThan(400);
      expect(docs.headers['x-frame-options'], url).toBe('DENY');
      expect(docs.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });
});
