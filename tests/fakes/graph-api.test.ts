import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fbEcho, fbRead, fbText, FAKE_INSTAGRAM_ID, psid, startFakeGraphApi, type FakeGraphApi } from './graph-api.ts';

const HOUR = 3_600_000;

describe('fake Graph API (Send API, profiles, CDN)', () => {
  let fake: FakeGraphApi;
  const ann = psid('ann');

  beforeEach(async () => {
    fake = await startFakeGraphApi({ profiles: { [ann]: { first_name: 'สมศรี', last_name: 'ใจดี' } } });
    fake.personWrote(ann, Date.now());
  });
  afterEach(async () => {
    await fake.close();
  });

  async function sendApi(body: unknown, token = fake.pageAccessToken) {
    const res = await fetch(`${fake.baseUrl}/v23.0/me/messages?access_token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as { error?: { message: string; type: string; code: number; error_subcode?: number; fbtrace_id: string }; message_id?: string } };
  }
  const text = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ recipient: { id: ann }, messaging_type: 'RESPONSE', message, ...extra });
  const quick = (n: number, title = 'ok') => Array.from({ length: n }, (_, i) => ({ content_type: 'text', title: `${title}${i}`.slice(0, Math.max(title.length, 1) + 2), payload: `cmd ${i}` }));
  const card = (i: number, extra: Record<string, unknown> = {}) => ({ title: `สินค้า ${i}`, subtitle: '฿100.00', buttons: [{ type: 'postback', title: 'ใส่ตะกร้า', payload: `SKU-${i} x1` }], ...extra });
  const carousel = (elements: unknown[]) => ({ attachment: { type: 'template', payload: { template_type: 'generic', elements } } });

  it('accepts a text with quick replies and answers recipient_id and message_id', async () => {
    const res = await sendApi(text({ text: 'สวัสดีค่ะ', quick_replies: quick(13) }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ recipient_id: ann, message_id: expect.stringMatching(/^m_/) });
    expect(fake.sent(ann)).toMatchObject([{ messagingType: 'RESPONSE', message: { text: 'สวัสดีค่ะ' } }]);
    expect(fake.calls.at(-1)?.version).toBe('v23.0');
  });

  it.each([
    ['a 21-character quick-reply title', text({ text: 'hi', quick_replies: [{ content_type: 'text', title: 'x'.repeat(21), payload: 'menu' }] }), /quick_replies\]\[0\]\[title\] must be at most 20/],
    ['14 quick replies', text({ text: 'hi', quick_replies: quick(14) }), /at most 13/],
    ['an 11-card carousel', text(carousel(Array.from({ length: 11 }, (_, i) => card(i)))), /elements\] must contain at most 10/],
    ['4 buttons on a card', text(carousel([card(1, { buttons: [1, 2, 3, 4].map((n) => ({ type: 'postback', title: `b${n}`, payload: `p${n}` })) })])), /buttons\] must contain at most 3/],
    ['an 81-character card title', text(carousel([card(1, { title: 'ก'.repeat(81) })])), /\[title\] must be at most 80/],
    ['an 81-character subtitle', text(carousel([card(1, { subtitle: 's'.repeat(81) })])), /\[subtitle\] must be at most 80/],
    ['a 21-character button title', text(carousel([card(1, { buttons: [{ type: 'postback', title: 'b'.repeat(21), payload: 'x' }] })])), /\[buttons\]\[0\]\[title\] must be at most 20/],
    ['a 2,001-character text', text({ text: 'a'.repeat(2001) }), /less than or equal to 2000/],
    ['text and attachment together', text({ text: 'a', attachment: { type: 'image', payload: { url: 'https://x.test/a.png' } } }), /Only one of text or attachment/],
    ['an empty message', text({}), /Message cannot be empty/],
    ['MESSAGE_TAG without a tag', text({ text: 'a' }, { messaging_type: 'MESSAGE_TAG' }), /param tag must be one of/],
    ['no messaging_type', { recipient: { id: ann }, message: { text: 'a' } }, /messaging_type must be one of/],
  ])('refuses %s as Meta does: 400, code 100, OAuthException, nothing delivered', async (_name, body, message) => {
    const res = await sendApi(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ message: expect.stringMatching(message), type: 'OAuthException', code: 100, fbtrace_id: expect.any(String) });
    expect(res.json.error!.message).toMatch(/^\(#100\) /);
    expect(fake.sent()).toHaveLength(0);
  });

  it('enforces the 24-hour window from the last message the person sent', async () => {
    fake.personWrote(ann, Date.now() - 30 * HOUR);
    for (const type of ['RESPONSE', 'UPDATE']) {
      const res = await sendApi(text({ text: 'late' }, { messaging_type: type }));
      expect(res.json.error).toMatchObject({ code: 10, error_subcode: 2018278, message: expect.stringContaining('outside of allowed window') });
    }
    expect((await sendApi(text({ text: 'shipped' }, { messaging_type: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' }))).status).toBe(200);
    expect((await sendApi(text({ text: 'staff' }, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }))).status).toBe(200);

    fake.personWrote(ann, Date.now() - 8 * 24 * HOUR);
    expect((await sendApi(text({ text: 'staff, too late' }, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }))).json.error).toMatchObject({ code: 10, error_subcode: 2018278 });
    expect(fake.sentTexts(ann)).toEqual(['shipped', 'staff']);
  });

  it('learns when people wrote from the webhooks it signs, but not from echoes or receipts', async () => {
    const bob = psid('bob');
    const wroteAt = Date.now() - 2 * HOUR;
    const { body, headers } = fake.webhookRequest('instagram', [fbText({ from: bob, to: FAKE_INSTAGRAM_ID, text: 'สวัสดี', timestamp: wroteAt }), fbRead({ from: ann, timestamp: Date.now() + HOUR }), fbEcho({ to: ann, text: 'x', timestamp: Date.now() + HOUR })]);
    expect(headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', fake.appSecret).update(body).digest('hex')}`);
    expect(JSON.parse(body)).toMatchObject({ object: 'instagram', entry: [{ id: FAKE_INSTAGRAM_ID, messaging: [{ sender: { id: bob } }, {}, {}] }] });
    expect(fake.lastInboundAt(bob)).toBe(wroteAt);
    expect(fake.lastInboundAt(ann)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses a person who never wrote, and a wrong token', async () => {
    expect((await sendApi({ ...text({ text: 'hi' }), recipient: { id: psid('stranger') } })).json.error).toMatchObject({ code: 100, error_subcode: 2018001 });
    expect((await sendApi(text({ text: 'hi' }), 'EAAwrong')).json.error).toMatchObject({ code: 190, type: 'OAuthException' });
  });

  it('fails on demand with rate-limit, permission and unavailable-person errors, then recovers', async () => {
    fake.refuseNext(1, 'rate-limit');
    fake.refuseNext(1, 'permission');
    fake.refuseNext(1, 'user-unavailable');
    expect((await sendApi(text({ text: '1' }))).json.error).toMatchObject({ code: 613 });
    expect((await sendApi(text({ text: '2' }))).json.error).toMatchObject({ code: 10 });
    expect((await sendApi(text({ text: '3' }))).json.error).toMatchObject({ code: 551 });
    expect((await sendApi(text({ text: '4' }))).status).toBe(200);
    fake.failNext(1, 500);
    const res = await sendApi(text({ text: '5' }));
    expect(res.status).toBe(500);
    expect(res.json.error).toMatchObject({ code: 2 });
    expect(fake.sentTexts(ann)).toEqual(['4']);
  });

  it('keeps to about 200 calls per person per hour', async () => {
    const small = await startFakeGraphApi({ callsPerPersonPerHour: 2 });
    small.personWrote(ann, Date.now());
    const post = () =>
      fetch(`${small.baseUrl}/v23.0/me/messages?access_token=${small.pageAccessToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(text({ text: 'x' })) }).then((r) => r.json());
    await post();
    await post();
    expect(await post()).toMatchObject({ error: { code: 613 } });
    await small.close();
  });

  it('answers profile look-ups with the fields asked for', async () => {
    const res = await fetch(`${fake.baseUrl}/v23.0/${ann}?fields=first_name,last_name,profile_pic&access_token=${fake.pageAccessToken}`);
    expect(await res.json()).toEqual({ id: ann, first_name: 'สมศรี', last_name: 'ใจดี' });
    const unknown = await fetch(`${fake.baseUrl}/v23.0/${psid('nobody')}?fields=first_name&access_token=${fake.pageAccessToken}`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 100, error_subcode: 33 } });
  });

  it('serves attachments at CDN URLs that expire', async () => {
    const url = fake.cdnUrl(Buffer.from('jpeg bytes'), { ttlMs: 60 * HOUR });
    expect(url).toMatch(/\/cdn\/[0-9a-f]+\?oe=[0-9a-f]+&oh=/);
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).toString()).toBe('jpeg bytes');
    fake.expireAttachments();
    const late = await fetch(url);
    expect(late.status).toBe(403);
    expect(await late.text()).toBe('URL signature expired');
  });
});
