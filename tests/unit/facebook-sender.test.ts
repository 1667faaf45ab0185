import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFacebookSender, messagingTypeFor } from '#bots/facebook/facebook.sender.ts';
import { clip, fitLabels, toMessengerMessages } from '#bots/facebook/facebook.render.ts';
import { createGraphClient } from '#bots/facebook/graph.client.ts';
import { GRAPH_API_VERSION } from '#src/config.ts';
import { SendError, type DeliveryPurpose, type OutboundDelivery } from '#src/ports/channel.ts';
import type { Button, OutMessage, ProductCard } from '#src/ports/messages.ts';
import { psid, startFakeGraphApi, type FakeGraphApi } from '../fakes/graph-api.ts';

const HOUR = 3_600_000;
let fake: FakeGraphApi;
let graph: ReturnType<typeof createGraphClient>;
let nextId = 1;

beforeAll(async () => {
  fake = await startFakeGraphApi();
  graph = createGraphClient({ pageAccessToken: fake.pageAccessToken, graphApiBaseUrl: fake.baseUrl, graphApiVersion: GRAPH_API_VERSION });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

/** A person who last wrote `hoursAgo` hours ago, as far as Meta knows. */
function personWho(hoursAgo: number, seed = `p${nextId}`): string {
  const id = psid(seed);
  fake.personWrote(id, Date.now() - hoursAgo * HOUR);
  return id;
}

function delivery(recipient: string, messages: OutMessage[], extra: Partial<OutboundDelivery> = {}): OutboundDelivery {
  return { id: nextId++, recipient, messages, retryKey: '00000000-0000-4000-8000-000000000000', attempt: 1, ...extra };
}

async function sendError(p: Promise<unknown>): Promise<SendError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SendError);
    return err as SendError;
  }
  throw new Error('expected a SendError');
}

const card = (i: number, extra: Partial<ProductCard> = {}): ProductCard => ({
  sku: `SKU-${i}`,
  title: `สินค้าหมายเลข ${i}`,
  price: '฿120.00',
  inStock: true,
  stockLabel: 'มีสินค้า',
  buttons: [{ label: 'ใส่ตะกร้า', command: `SKU-${i} x1` }],
  ...extra,
});

describe('Messenger sender against the Graph API fake', () => {
  const sender = () => createFacebookSender(graph);

  it('sends a text with its buttons as quick replies whose payload is the command', async () => {
    const ann = personWho(0.1);
    await sender().send(delivery(ann, [{ type: 'text', text: 'สวัสดีค่ะ', buttons: [{ label: 'เมนู', command: 'menu' }, { label: 'ตะกร้า', command: 'cart' }] }]));
    expect(fake.sent(ann)).toMatchObject([
      {
        messagingType: 'RESPONSE',
        tag: undefined,
        message: { text: 'สวัสดีค่ะ', quick_replies: [{ content_type: 'text', title: 'เมนู', payload: 'menu' }, { content_type: 'text', title: 'ตะกร้า', payload: 'cart' }] },
      },
    ]);
    expect(fake.calls.at(-1)).toMatchObject({ path: `/${GRAPH_API_VERSION}/me/messages`, query: { access_token: fake.pageAccessToken } });
  });

  it('sends a product carousel as generic templates of at most 10 cards with postback buttons', async () => {
    const ann = personWho(1);
    const cards = Array.from({ length: 12 }, (_, i) => card(i, i === 0 ? { imageUrl: 'https://shop.example.com/p/0.jpg', subtitle: 'คั่วกลาง หอมกรุ่น' } : {}));
    await sender().send(delivery(ann, [{ type: 'products', altText: 'เมนู', cards, buttons: [{ label: 'ตะกร้า', command: 'cart' }] }]));
    const [first, second] = fake.sent(ann).map((s) => s.message);
    expect(first?.attachment?.payload.elements).toHaveLength(10);
    expect(second?.attachment?.payload.elements).toHaveLength(2);
    expect(first?.attachment?.payload.elements?.[0]).toEqual({
      title: 'สินค้าหมายเลข 0',
      subtitle: '฿120.00 · มีสินค้า\nคั่วกลาง หอมกรุ่น',
      image_url: 'https://shop.example.com/p/0.jpg',
      buttons: [{ type: 'postback', title: 'ใส่ตะกร้า', payload: 'SKU-0 x1' }],
    });
    // The carousel's own buttons ride on its last piece.
    expect(first?.quick_replies).toBeUndefined();
    expect(second?.quick_replies).toEqual([{ content_type: 'text', title: 'ตะกร้า', payload: 'cart' }]);
  });

  it('sends the PromptPay QR as an image by URL, then its caption', async () => {
    const ann = personWho(1);
    const qr = 'https://shop.example.com/pay/TL-10001.png?sig=abc';
    await sender().send(delivery(ann, [{ type: 'image', url: qr, altText: 'QR', caption: 'สแกนเพื่อจ่าย ฿320.00' }, { type: 'image', url: 'data:image/png;base64,AAAA', altText: 'inline' }]));
    expect(fake.sent(ann).map((s) => s.message)).toEqual([{ attachment: { type: 'image', payload: { url: qr, is_reusable: true } } }, { text: 'สแกนเพื่อจ่าย ฿320.00' }]);
  });

  it('sends several messages in order, a long text in pieces of at most 2,000 characters', async () => {
    const ann = personWho(1);
    const long = Array.from({ length: 120 }, (_, i) => `บรรทัดที่ ${i} ข้อความยาวสำหรับทดสอบการแบ่งข้อความ`).join('\n');
    await sender().send(delivery(ann, [{ type: 'text', text: 'หนึ่ง' }, { type: 'text', text: long, buttons: [{ label: 'ยืนยัน', command: 'confirm' }] }, { type: 'text', text: 'สาม' }]));
    const texts = fake.sentTexts(ann);
    expect(texts[0]).toBe('หนึ่ง');
    expect(texts.at(-1)).toBe('สาม');
    const pieces = texts.slice(1, -1);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((p) => p.length <= 2000)).toBe(true);
    expect(pieces.join('\n')).toBe(long);
    expect(fake.sent(ann).at(-2)?.message.quick_replies).toEqual([{ content_type: 'text', title: 'ยืนยัน', payload: 'confirm' }]);
  });

  it("keeps within every limit, so Meta never refuses what the engine says", async () => {
    const ann = personWho(1);
    const long = (s: string, n: number) => s.repeat(n);
    const many: Button[] = Array.from({ length: 20 }, (_, i) => ({ label: `กาแฟดอยช้าง คั่วกลาง 250 กรัม แบบที่ ${i}`, command: `COF-${i} x1` }));
    const messages: OutMessage[] = [
      { type: 'text', text: long('ก่', 1500), buttons: many },
      {
        type: 'products',
        altText: 'x',
        cards: Array.from({ length: 25 }, (_, i) =>
          card(i, {
            title: long('ชาไทยตรามือ 🍵 ', 12),
            subtitle: long('หอม ', 40),
            stockLabel: 'เหลือน้อย',
            buttons: [1, 2, 3, 4, 5].map((n) => ({ label: long('ใส่ตะกร้าเลย ', 3), command: `TEA-${i}-${n} x1` })),
          }),
        ),
        buttons: many,
      },
    ];
    await sender().send(delivery(ann, messages));
    expect(fake.calls.filter((c) => c.status !== 200)).toEqual([]);
    const sent = fake.sent(ann);
    expect(sent.length).toBeGreaterThanOrEqual(5);
    const quick = sent[1]!.message.quick_replies!;
    expect(quick).toHaveLength(13);
    // Cut labels still tell the buttons apart.
    expect(new Set(quick.map((q) => q.title)).size).toBe(13);
    const elements = sent.flatMap((s) => s.message.attachment?.payload.elements ?? []);
    expect(elements).toHaveLength(25);
    expect(elements.every((e) => e.buttons!.length === 3 && e.title.length <= 80 && (e.subtitle ?? '').length <= 80)).toBe(true);
  });

  it('does not send again what went out before a failure when the delivery is retried', async () => {
    const bob = personWho(1, 'bob');
    const d = delivery(bob, [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'text', text: 'c' }]);
    // The connection drops on the second message: "a" is out, "b" is not.
    let calls = 0;
    const flaky = createFacebookSender({
      ...graph,
      sendMessage: async (body) => {
        if (++calls === 2) throw new Error('socket hang up');
        return graph.sendMessage(body);
      },
    });
    expect((await sendError(flaky.send(d))).opts.retryable).toBe(true);
    expect(fake.sentTexts(bob)).toEqual(['a']);
    await flaky.send({ ...d, attempt: 2 });
    expect(fake.sentTexts(bob)).toEqual(['a', 'b', 'c']);
  });
});

describe('the 24-hour rule', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);

  it.each<[DeliveryPurpose, number | undefined, ReturnType<typeof messagingTypeFor>]>([
    ['response', 2, { messaging_type: 'RESPONSE' }],
    ['human', 2, { messaging_type: 'RESPONSE' }],
    ['update', 2, { messaging_type: 'UPDATE' }],
    ['promotional', 23.9, { messaging_type: 'UPDATE' }],
    ['update', 30, { messaging_type: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' }],
    ['human', 30, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }],
    ['human', 24 * 7 + 1, { skip: 'outside_human_agent_window' }],
    ['promotional', 30, { skip: 'outside_messaging_window' }],
    ['response', 30, { skip: 'outside_messaging_window' }],
    ['response', undefined, { messaging_type: 'RESPONSE' }],
    ['update', undefined, { messaging_type: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' }],
    ['human', undefined, { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }],
  ])('%s, last message %s hours ago → %j', (purpose, hours, expected) => {
    expect(messagingTypeFor(purpose, hours === undefined ? undefined : ago(hours), now)).toEqual(expected);
  });

  it('sends a shipping update 30 hours after the last message tagged POST_PURCHASE_UPDATE, and Meta takes it', async () => {
    const ann = personWho(30, 'ship');
    await createFacebookSender(graph).send(delivery(ann, [{ type: 'text', text: 'พัสดุออกแล้ว' }], { purpose: 'update', lastInboundAt: new Date(Date.now() - 30 * HOUR) }));
    expect(fake.sent(ann)).toMatchObject([{ messagingType: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE', message: { text: 'พัสดุออกแล้ว' } }]);
  });

  it('sends a staff reply after 30 hours tagged HUMAN_AGENT', async () => {
    const ann = personWho(30, 'staff');
    await createFacebookSender(graph).send(delivery(ann, [{ type: 'text', text: 'ขอโทษที่ตอบช้าค่ะ' }], { purpose: 'human', lastInboundAt: new Date(Date.now() - 30 * HOUR) }));
    expect(fake.sent(ann)).toMatchObject([{ messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }]);
  });

  it('does not send a reorder reminder 30 hours after the last message: skipped with the reason, Meta never asked', async () => {
    const ann = personWho(30, 'reorder');
    const err = await sendError(createFacebookSender(graph).send(delivery(ann, [{ type: 'text', text: 'กาแฟใกล้หมดหรือยังคะ' }], { purpose: 'promotional', lastInboundAt: new Date(Date.now() - 30 * HOUR) })));
    expect(err.opts).toMatchObject({ retryable: false, skipped: 'outside_messaging_window' });
    expect(err.message).toMatch(/24 hours/);
    expect(fake.calls).toHaveLength(0);
  });

  it("records Meta's own window refusal (2018278) as skipped, never retried", async () => {
    const ann = personWho(30, 'unknown-window');
    const err = await sendError(createFacebookSender(graph).send(delivery(ann, [{ type: 'text', text: 'late answer' }])));
    expect(err.opts).toMatchObject({ retryable: false, skipped: 'outside_messaging_window' });
    expect(err.message).toMatch(/2018278/);
  });
});

describe('Send API errors as SendError', () => {
  it.each([
    ['rate-limit', { retryable: true, retryAfterMs: 60_000 }],
    ['app-rate-limit', { retryable: true, retryAfterMs: 300_000 }],
    ['permission', { retryable: false }],
    ['permission-200', { retryable: false }],
    ['user-unavailable', { retryable: false }],
  ] as const)('%s → %j', async (refusal, expected) => {
    const ann = personWho(1, `err-${refusal}`);
    fake.refuseNext(1, refusal);
    const err = await sendError(createFacebookSender(graph).send(delivery(ann, [{ type: 'text', text: 'x' }])));
    expect(err.opts).toMatchObject(expected);
    expect(err.opts.skipped).toBeUndefined();
    expect(err.message).not.toContain(fake.pageAccessToken);
  });

  it.each([500, 'reset', 'timeout'] as const)('a %s from the network or Meta is retryable', async (kind) => {
    const ann = personWho(1, `net-${kind}`);
    fake.failNext(1, kind, { hangMs: 200 });
    const quick = createFacebookSender(createGraphClient({ pageAccessToken: fake.pageAccessToken, graphApiBaseUrl: fake.baseUrl, graphApiVersion: GRAPH_API_VERSION }, { sendTimeoutMs: 5_000 }));
    expect((await sendError(quick.send(delivery(ann, [{ type: 'text', text: 'x' }])))).opts.retryable).toBe(true);
  });

  it('a wrong page token is not retried', async () => {
    const ann = personWho(1, 'bad-token');
    const bad = createGraphClient({ pageAccessToken: 'EAAwrong', graphApiBaseUrl: fake.baseUrl, graphApiVersion: GRAPH_API_VERSION });
    const err = await sendError(createFacebookSender(bad).send(delivery(ann, [{ type: 'text', text: 'x' }])));
    expect(err.opts.retryable).toBe(false);
    expect(err.message).toMatch(/#190/);
    expect(err.message).not.toContain('EAAwrong');
  });
});

describe('labels and text cut to Meta’s limits', () => {
  it('cuts between whole Thai characters, never between a consonant and its tone mark', () => {
    // A plain cut at 19 would keep "น" and drop its "้".
    const original = 'Aผลิตภัณฑ์ดูแลผิวหน้าสูตรอ่อนโยน';
    const cut = clip(original, 20);
    expect(cut).toBe('Aผลิตภัณฑ์ดูแลผิวห…');
    expect(original.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('keeps what tells two long labels apart', () => {
    const [a, b] = fitLabels(['ชาไทยตรามือ สูตรดั้งเดิม ถุงเล็ก', 'ชาไทยตรามือ สูตรดั้งเดิม ถุงใหญ่'], 20);
    expect(a).not.toBe(b);
    expect(a!.length).toBeLessThanOrEqual(20);
    expect(a).toContain('ถุงเล็ก');
    expect(b).toContain('ถุงใหญ่');
    expect(fitLabels(['เมนู', 'ตะกร้า'], 20)).toEqual(['เมนู', 'ตะกร้า']);
  });

  it('never sends an empty text', () => {
    expect(toMessengerMessages([{ type: 'text', text: '   ' }])).toEqual([]);
  });
});
