/**
 * Settings → FAQ: the questions and answers the merchant saves in the back office are what the chat
 * answers with, through LINE, on the customer's wording; a question the FAQ does not cover still goes
 * to the merchant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeUser, signIn, TEST_PASSWORD, type AdminClient } from '../helpers/admin.ts';
import { lineCustomer, lineEnv } from '../helpers/chat.ts';
import { makeProduct } from '../helpers/factories.ts';
import { lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

const MERCHANT_GROUP = `C${'0a1b2c3d4e5f6789'.repeat(2)}`;
const SHIPPING_ANSWER = 'ร้านส่งทุกวันจันทร์–เสาร์ ได้รับของภายใน 2–3 วันทำการค่ะ';
const HOURS_ANSWER = 'ร้านตอบแชท 8:00–20:00 น. ทุกวันค่ะ';
let line: FakeLineApi;
let t: TestApp;
let owner: AdminClient;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp({ ...lineEnv(line), SHOP_NAME: 'ร้านข้าวหอม', SHIPPING_FLAT_FEE: '45', MERCHANT_LINE_TO: MERCHANT_GROUP });
  await makeProduct(t.database.db, { sku: 'RICE-HOM5', nameTh: 'ข้าวหอมมะลิ 5 กก.', nameEn: 'Jasmine rice 5 kg', price: 21_500, stock: { MAIN: 30 } });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
});
afterAll(async () => {
  await t?.close();
  await line?.close();
});

const say = lineCustomer(() => t.app, () => line);

const toMerchant = () => JSON.stringify(line.pushes().filter((p) => p.to === MERCHANT_GROUP).map((p) => p.messages));

describe('Settings → FAQ answers in chat', () => {
  it('is a settings page for the owner and admins only, refused to staff', async () => {
    const page = await owner.get('/admin/settings/faq');
    expect(page.statusCode).toBe(200);
    // The usual questions are offered as examples in the empty rows.
    expect(decodeEntities(page.body)).toContain('placeholder="ส่งกี่วันถึง"');
    const admin = await makeUser(t.database.db, 'admin');
    expect((await (await signIn(t.app, admin.email, TEST_PASSWORD)).get('/admin/settings/faq')).statusCode).toBe(200);
    const staff = await makeUser(t.database.db, 'staff');
    const staffClient = await signIn(t.app, staff.email, TEST_PASSWORD);
    expect((await staffClient.get('/admin/settings/faq')).statusCode).toBe(403);
    expect((await staffClient.post('/admin/settings/faq', { faqQuestion: 'x', faqAnswer: 'y' })).statusCode).toBe(403);
  });

  it('refuses a question without its answer, keeping what was typed', async () => {
    const res = await owner.post('/admin/settings/faq', { faqQuestion: ['มีหน้าร้านไหม'], faqQuestionEn: [''], faqAnswer: [''], faqAnswerEn: [''] });
    expect(res.statusCode).toBe(400);
    expect(decodeEntities(res.body)).toContain('มีหน้าร้านไหม');
    expect(res.body).toContain('aria-invalid="true"');
    expect(t.config.shop.faq).toEqual([]);
  });

  it('answers "ส่งกี่วันคะ" with what the merchant saved, at any step, and sends other questions to the merchant', async () => {
    const u = lineUserId('faq-customer');
    // Before any FAQ: the question goes to the merchant.
    expect(await say(u, 'ส่งกี่วันคะ')).toContain('ส่งคำถามให้ทางร้านแล้ว');
    expect(toMerchant()).toContain('ส่งกี่วันคะ');

    const saved = await owner.post('/admin/settings/faq', {
      faqQuestion: ['ส่งกี่วันถึง\nจัดส่งนานไหม', 'ร้านเปิดกี่โมง', ''],
      faqQuestionEn: ['How long does delivery take?', '', ''],
      faqAnswer: [SHIPPING_ANSWER, HOURS_ANSWER, ''],
      faqAnswerEn: ['We ship Monday to Saturday; it arrives in 2–3 working days.', '', ''],
    });
    expect(saved.statusCode).toBe(303);
    expect(t.config.shop.faq).toHaveLength(2);
    const page = decodeEntities((await owner.get('/admin/settings/faq')).body);
    expect(page).toContain(SHIPPING_ANSWER);

    const pushes = line.pushes().filter((p) => p.to === MERCHANT_GROUP).length;
    const answer = await say(u, 'ส่งกี่วันคะ');
    expect(answer).toContain(SHIPPING_ANSWER);
    expect(answer).not.toContain('ส่งคำถามให้ทางร้านแล้ว');
    expect(await say(u, 'ร้านเปิดกี่โมงคะ')).toContain(HOURS_ANSWER);
    // Answered by the bot: the merchant is not bothered.
    expect(line.pushes().filter((p) => p.to === MERCHANT_GROUP)).toHaveLength(pushes);

    // At the address step the answer comes and the step is kept.
    await say(u, 'ข้าวหอมมะลิ 2 ถุง');
    expect(await say(u, 'สั่งซื้อ')).toContain('ชื่อผู้รับ');
    const during = await say(u, 'จัดส่งนานไหมคะ');
    expect(during).toContain(SHIPPING_ANSWER);
    expect(during).toContain('ชื่อผู้รับ');
    expect(await say(u, 'ชื่อ มาลี ศรีสุข โทร 0876543210 ที่อยู่ 8 ถ.ราชดำเนิน ต.ในเมือง อ.เมืองนครศรีธรรมราช จ.นครศรีธรรมราช 80000')).toContain('สรุปคำสั่งซื้อ');

    // A question the FAQ does not cover still goes to a person.
    const other = await say(u, 'ออกใบกำกับภาษีได้ไหมคะ');
    expect(other).toContain('ส่งคำถามให้ทางร้านแล้ว');
    expect(toMerchant()).toContain('ออกใบกำกับภาษีได้ไหมคะ');
  });

  it('answers in English from the English answer', async () => {
    const u = lineUserId('faq-english');
    line.setProfile(u, { displayName: 'Anna', language: 'en' });
    expect(await say(u, 'how many days does shipping take?')).toContain('We ship Monday to Saturday');
  });
});
