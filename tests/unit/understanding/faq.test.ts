import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerFromFaq, understand, type FaqEntry } from '#bots/engine/understanding/index.ts';

const faq: FaqEntry[] = [
  { question: 'ส่งกี่วันถึง', questionEn: 'How long does delivery take?', answer: 'ส่งภายใน 1 วัน ได้รับใน 1–3 วันค่ะ', answerEn: 'We ship within a day; it arrives in 1–3 days.' },
  { question: 'ร้านเปิดกี่โมง', answer: 'เปิดทุกวัน 9:00–18:00 น.' },
  { question: 'คืนสินค้ายังไง', answer: 'คืนได้ภายใน 7 วันหลังได้รับของค่ะ' },
  { question: 'มีหน้าร้านไหม\nร้านอยู่ที่ไหน', answer: 'มีหน้าร้านที่ตลาดนัดจตุจักร โครงการ 2 ซอย 3 ค่ะ' },
];

/** What the chat does: the layer reads the message, the FAQ answers a question. */
function ask(text: string): string | undefined {
  const read = understand(text, { catalog: [] });
  if (read.intent !== 'question') return `(${read.intent})`;
  return answerFromFaq(text, faq, read.topic)?.answer;
}

describe('answers from the shop FAQ', () => {
  it('finds the entry on the same topic, however it is worded', () => {
    expect(ask('ส่งกี่วันคะ')).toBe(faq[0]!.answer);
    expect(ask('สั่งวันนี้ได้ของวันไหนคะ')).toBe(faq[0]!.answer);
    expect(ask('จัดส่งนานไหมครับ')).toBe(faq[0]!.answer);
    expect(ask('how many days to deliver?')).toBe(faq[0]!.answer);
    expect(ask('ร้านเปิดกี่โมงคะ')).toBe(faq[1]!.answer);
    expect(ask('วันหยุดร้านวันไหน')).toBe(faq[1]!.answer);
    expect(ask('ถ้าจะคืนสินค้าต้องทำยังไงคะ')).toBe(faq[2]!.answer);
  });

  it('matches other questions on their words, in any of the phrasings given', () => {
    expect(ask('มีหน้าร้านมั้ยคะ')).toBe(faq[3]!.answer);
    expect(ask('ร้านอยู่ไหนคะ')).toBe(faq[3]!.answer);
  });

  it('leaves a question it has no answer for to a person', () => {
    expect(ask('มีใบกำกับภาษีไหมคะ')).toBeUndefined();
    expect(ask('จ่ายปลายทางได้ไหม')).toBeUndefined();
    expect(ask('ห่อของขวัญให้ได้ไหมคะ')).toBeUndefined();
    // One word in common (ร้าน) is not the same question.
    expect(answerFromFaq('ร้านมีที่จอดรถไหม', faq, 'other')).toBeUndefined();
    expect(answerFromFaq('ส่งกี่วันคะ', [], 'shipping_time')).toBeUndefined();
  });
});

describe('any FAQ question asked with any polite wording finds its answer (fast-check)', () => {
  it('with a request word before and particles after, spaced or not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: faq.length - 1 }),
        fc.constantFrom('', 'ขอถาม', 'สอบถาม', 'อยากทราบว่า', 'แอดมิน'),
        fc.constantFrom('', 'คะ', 'ค่ะ', 'ครับ', 'นะคะ', 'คับ', 'จ้า', '?'),
        fc.boolean(),
        (i, before, after, spaced) => {
          const entry = faq[i]!;
          const asked = entry.question.split('\n')[0]!;
          const text = [before, asked, after].filter(Boolean).join(spaced ? ' ' : '');
          const read = understand(text, { catalog: [] });
          const topic = read.intent === 'question' ? read.topic : undefined;
          expect(answerFromFaq(text, faq, topic)?.answer, text).toBe(entry.answer);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS) || 200 },
    );
  });
});
