import { describe, expect, it } from 'vitest';
import { understand, type UnderstandOptions } from '#bots/engine/understanding/understand.ts';
import { demoCatalogItems } from '#src/db/demo-catalog.ts';

const catalog = demoCatalogItems();
const at = (step: UnderstandOptions['step']) => (text: string) => understand(text, { step, catalog });
const browse = at('browse');
const address = at('address');
const summary = at('summary');
const returning = at('return');

describe('the conversation step changes the reading', () => {
  it('reads "ยกเลิก" as leaving checkout at the address and summary steps, as cancelling an order while browsing', () => {
    expect(address('ยกเลิก')).toEqual({ intent: 'cancel_checkout' });
    expect(summary('ไม่เอาแล้วค่ะ ยกเลิก')).toEqual({ intent: 'cancel_checkout' });
    expect(browse('ยกเลิก')).toEqual({ intent: 'cancel' });
    expect(returning('ยกเลิก')).toEqual({ intent: 'return', action: 'cancel' });
  });

  it('keeps a product line an order at the address step, and a question a question', () => {
    expect(address('กาแฟคั่วกลาง 1')).toEqual({ intent: 'add', items: [{ sku: 'COF-250', qty: 1 }] });
    expect(address('ส่งกี่วันคะ')).toEqual({ intent: 'question', topic: 'shipping_time' });
    expect(address('เก็บเงินปลายทางได้ไหม')).toEqual({ intent: 'question', topic: 'cod' });
    expect(address('ขอคุยกับแอดมิน')).toEqual({ intent: 'human' });
    expect(address('แก้ตะกร้าก่อนค่ะ')).toEqual({ intent: 'cart' });
  });

  it('reads anything else at the address step as delivery details, saying what is missing', () => {
    expect(address('สมชาย ใจดี')).toMatchObject({ intent: 'address', name: 'สมชาย ใจดี', missing: ['phone', 'address', 'postcode', 'province'] });
    expect(browse('สมชาย ใจดี')).not.toMatchObject({ intent: 'address' });
  });

  it('reads "ok" as yes at the summary and as chatter while browsing', () => {
    expect(summary('ok')).toEqual({ intent: 'confirm' });
    expect(summary('ตกลงค่ะ')).toEqual({ intent: 'confirm' });
    expect(browse('ok')).toEqual({ intent: 'smalltalk' });
    expect(browse('โอเคครับ ขอบคุณมาก')).toEqual({ intent: 'smalltalk' });
  });

  it('reads new delivery details typed at the summary as a change of address', () => {
    expect(summary('สมหญิง ใจดี 0812345678 12/3 ซอยอารีย์ กรุงเทพ 10400')).toMatchObject({ intent: 'address', phone: '0812345678' });
    expect(summary('แก้ที่อยู่')).toEqual({ intent: 'edit_address' });
    expect(summary('แก้ไข')).toEqual({ intent: 'back' });
  });

  it('passes free text to the return flow while a return is under way', () => {
    expect(returning('2')).toEqual({ intent: 'return', action: 'reply', text: '2' });
    expect(returning('กล่องบุบมาค่ะ')).toEqual({ intent: 'return', action: 'reply', text: 'กล่องบุบมาค่ะ' });
    expect(returning('done')).toEqual({ intent: 'return', action: 'done' });
    expect(returning('ขอคุยกับแอดมิน')).toEqual({ intent: 'human' });
  });
});

describe('commands buttons send are read as written', () => {
  it('reads menu pages, categories and search', () => {
    expect(browse('menu c3 p2')).toEqual({ intent: 'menu', category: 3, page: 2, search: undefined });
    expect(browse('menu p2 กาแฟ')).toEqual({ intent: 'menu', category: undefined, page: 2, search: 'กาแฟ' });
    expect(browse('เมนู')).toMatchObject({ intent: 'menu' });
  });

  it('reads the commands today’s chat understands', () => {
    expect(browse('COF-250 x1')).toEqual({ intent: 'add', items: [{ sku: 'COF-250', qty: 1 }] });
    expect(browse('/start')).toEqual({ intent: 'greeting' });
    expect(browse('help')).toEqual({ intent: 'help' });
    expect(browse('use saved address')).toEqual({ intent: 'use_saved_address' });
    expect(address('ใช้ที่อยู่เดิม')).toEqual({ intent: 'use_saved_address' });
    expect(browse('back')).toEqual({ intent: 'back' });
    expect(browse('start')).toEqual({ intent: 'start_reminders' });
    expect(browse('stop')).toEqual({ intent: 'stop_reminders' });
    expect(browse('lang th')).toEqual({ intent: 'lang', lang: 'th' });
    expect(browse('clear cart')).toEqual({ intent: 'clear_cart' });
    expect(browse('confirm')).toEqual({ intent: 'confirm' });
    expect(browse('return TL-10001')).toEqual({ intent: 'return', action: 'start', order: 'TL-10001' });
    expect(browse('return item 2')).toEqual({ intent: 'return', action: 'pick', item: 2 });
    expect(browse('reason damaged')).toEqual({ intent: 'return', action: 'reason', reason: 'damaged' });
    expect(browse('cancel return')).toEqual({ intent: 'return', action: 'cancel' });
    expect(returning('send')).toEqual({ intent: 'return', action: 'send' });
  });
});

describe('questions about a product and the shop', () => {
  it('answers price and stock questions with the product', () => {
    expect(browse('กาแฟคั่วกลางราคาเท่าไหร่คะ')).toEqual({ intent: 'price', sku: 'COF-250', candidates: undefined });
    expect(browse('กาแฟราคาเท่าไหร่')).toEqual({ intent: 'price', sku: undefined, candidates: ['COF-250', 'COF-500'] });
    expect(browse('ราคาเท่าไหร่')).toEqual({ intent: 'price' });
    expect(browse('มีข้าวเกรียบกุ้งไหมคะ')).toMatchObject({ intent: 'stock', sku: 'SNK-CHIPS' });
  });

  it('reads asking for a product the shop does not sell as not found', () => {
    expect(browse('มีทุเรียนทอดไหมคะ')).toMatchObject({ intent: 'not_found' });
    expect(browse('ขอนมสด 1 กล่อง')).toMatchObject({ intent: 'not_found', query: 'นมสด', qty: 1 });
  });

  it('sorts shop questions by topic', () => {
    expect(browse('ส่งกี่วันถึงคะ')).toEqual({ intent: 'question', topic: 'shipping_time' });
    expect(browse('ส่งขนส่งอะไรคะ')).toEqual({ intent: 'question', topic: 'carriers' });
    expect(browse('ค่าส่งเท่าไหร่คะ')).toEqual({ intent: 'question', topic: 'shipping_fee' });
    expect(browse('ร้านเปิดกี่โมงคะ')).toEqual({ intent: 'question', topic: 'hours' });
    expect(browse('โอนเข้าบัญชีอะไรคะ')).toEqual({ intent: 'question', topic: 'payment' });
    expect(browse('สินค้าหมดอายุเมื่อไหร่คะ')).toEqual({ intent: 'question', topic: 'other' });
  });

  it('keeps the rest of a message that starts with a greeting', () => {
    expect(browse('สวัสดีค่ะ ขอชาไทย 2 ถุง')).toEqual({ intent: 'add', items: [{ sku: 'TEA-THAI', qty: 2 }] });
    expect(browse('สวัสดีค่ะ')).toEqual({ intent: 'greeting' });
  });

  it('asks about the rest when some lines of an order name no single product', () => {
    expect(browse('ชาไทย 2\nกาแฟ 1\nทุเรียน 3')).toMatchObject({
      intent: 'add',
      items: [{ sku: 'TEA-THAI', qty: 2 }],
      unresolved: [
        { kind: 'choose', query: 'กาแฟ', qty: 1, candidates: ['COF-250', 'COF-500'] },
        { kind: 'not_found', query: 'ทุเรียน', qty: 3 },
      ],
    });
  });
});

describe('every command word of today’s chat keeps its meaning', () => {
  const today: [string, string[]][] = [
    ['greeting', ['hi', 'hello', 'hey', 'สวัสดี', 'สวัสดีครับ', 'สวัสดีค่ะ', 'หวัดดี', '/start']],
    ['help', ['help', '?', 'ช่วยเหลือ', 'วิธีสั่ง', 'วิธีใช้', '/help']],
    ['cart', ['cart', 'basket', 'my cart', 'ตะกร้า', 'ดูตะกร้า', 'ตะกร้าสินค้า', '/cart']],
    ['clear_cart', ['clear cart', 'empty cart', 'clear', 'ล้างตะกร้า', 'ลบทั้งหมด']],
    ['checkout', ['checkout', 'check out', 'order', 'สั่งซื้อ', 'ชำระเงิน', 'สั่งเลย', '/checkout']],
    ['use_saved_address', ['use saved address', 'same address', 'ใช้ที่อยู่เดิม', 'ที่อยู่เดิม']],
    ['confirm', ['confirm', 'ยืนยัน', 'ยืนยันคำสั่งซื้อ']],
    ['back', ['back', 'edit', 'change', 'แก้ไข', 'ย้อนกลับ', 'กลับ']],
    ['status', ['status', 'my orders', 'orders', 'สถานะ', 'ติดตาม', 'คำสั่งซื้อของฉัน', '/status']],
    ['reorder', ['reorder', 'again', 'order again', 'สั่งซ้ำ', 'สั่งอีก', 'สั่งเหมือนเดิม', '/reorder']],
    ['stop_reminders', ['stop', 'unsubscribe', 'หยุด', 'ยกเลิกการแจ้งเตือน', '/stop']],
    ['start_reminders', ['start', 'subscribe', 'เริ่ม', 'รับการแจ้งเตือน']],
  ];
  it.each(today)('%s', (intent, words) => {
    for (const w of words) expect(browse(w).intent, w).toBe(intent);
  });

  it('reads yes, ok, ตกลง and ใช่ as confirming the summary', () => {
    for (const w of ['yes', 'ok', 'ตกลง', 'ใช่', 'confirm', 'ยืนยัน']) expect(summary(w), w).toEqual({ intent: 'confirm' });
  });

  it('keeps "remove <name>" a removal even for a name the shop does not sell', () => {
    expect(browse('remove ทุเรียน')).toEqual({ intent: 'remove', items: [], query: 'ทุเรียน' });
    expect(browse('ลบ ชาไทย')).toEqual({ intent: 'remove', items: [{ sku: 'TEA-THAI' }], query: 'ชาไทย' });
  });
});

describe('names at the address step', () => {
  it('reads a name that is also a product word as a name, and a clear product name as an order', () => {
    expect(address('มะลิ สวยงาม')).toMatchObject({ intent: 'address', name: 'มะลิ สวยงาม' });
    expect(address('ชาเขียวมัทฉะ')).toEqual({ intent: 'add', items: [{ sku: 'TEA-GREEN', qty: 1 }] });
  });
});
