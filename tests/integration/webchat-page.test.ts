import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '#templates/messages/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-webchat-page-'));
  t = await buildTestApp({ DATA_DIR: dataDir, SHOP_NAME: 'ร้าน <ป้า> & "ลุง"' });
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function openPage(language: string) {
  const res = await t.app.inject({ method: 'GET', url: '/chat', headers: { 'accept-language': language } });
  expect(res.statusCode).toBe(200);
  const texts = /<script type="application\/json" id="chat-texts">([^<]*)<\/script>/.exec(res.body)?.[1];
  const cookie = res.cookies.find((c) => c.name === 'talad_chat');
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body)?.[1];
  return { html: res.body, texts: texts === undefined ? undefined : JSON.parse(texts), cookie: `talad_chat=${cookie?.value}`, csrf: csrf ?? '' };
}

describe('the web chat page', () => {
  it('carries its own texts in the visitor language, from templates/messages', async () => {
    const th = await openPage('th-TH,th;q=0.9');
    expect(th.html).toContain('<html lang="th">');
    expect(th.texts).toEqual(messages.th.webchat.page);
    expect(th.texts.placeholder).toBe('พิมพ์ข้อความ…');

    const en = await openPage('en-GB,en;q=0.9');
    expect(en.html).toContain('<html lang="en">');
    expect(en.texts).toEqual(messages.en.webchat.page);
    expect(en.texts.placeholder).toBe('Type a message…');
  });

  it('writes the shop name as text, never as markup', async () => {
    const { html } = await openPage('th');
    expect(html).toContain('<title>ร้าน &lt;ป้า&gt; &amp; &quot;ลุง&quot;</title>');
    expect(html).not.toContain('<ป้า>');
  });

  it('refuses an upload without a picture, and a stale page, with the texts of templates/messages', async () => {
    const { cookie, csrf } = await openPage('en');
    const boundary = '----talad-test';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n6f1c1f8e-3b8a-4c51-9d38-2f4a0b6f2a11\r\n--${boundary}--\r\n`;
    const noFile = await t.app.inject({
      method: 'POST',
      url: '/chat/api/images',
      headers: { cookie, 'x-csrf-token': csrf, 'accept-language': 'en', 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json()).toEqual({ error: { code: 'NO_FILE', message: messages.en.webchat.refused.NO_FILE } });

    const stale = await t.app.inject({
      method: 'POST',
      url: '/chat/api/messages',
      headers: { cookie, 'x-csrf-token': 'not-the-token', 'accept-language': 'th' },
      payload: { id: '6f1c1f8e-3b8a-4c51-9d38-2f4a0b6f2a12', text: 'สวัสดี' },
    });
    expect(stale.statusCode).toBe(403);
    expect(stale.json()).toEqual({ error: { code: 'BAD_TOKEN', message: messages.th.webchat.refused.BAD_TOKEN } });
  });
});
