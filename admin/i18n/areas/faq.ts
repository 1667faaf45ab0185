import { defineTexts } from '../define.ts';

/** Texts of Settings → FAQ: the shop's answers the chat gives to customers' usual questions. */
export const faqTexts = defineTexts({
  en: {
    'settings.tab.faq': 'FAQ',
    'settings.faq.help':
      'The chat answers customers from these before passing a question to you. Write a question the way customers ask it (several ways, one a line); the chat also recognises other wordings of the same topic. A question it finds nothing for still comes to you.',
    'settings.faq.entry': 'Question {n}',
    'settings.faq.question': 'Question (Thai)',
    'settings.faq.questionEn': 'Question in English (optional)',
    'settings.faq.answer': 'Answer (Thai)',
    'settings.faq.answerEn': 'Answer in English (optional; else the Thai one)',
    'settings.faq.more': 'Save to get more empty rows. Clear a question and its answer to remove it.',
    'settings.error.faqTooMany': 'At most 50 questions.',
  },
  th: {
    'settings.tab.faq': 'คำถามที่พบบ่อย',
    'settings.faq.help':
      'แชทจะตอบลูกค้าจากคำตอบเหล่านี้ก่อนส่งคำถามต่อให้ร้าน พิมพ์คำถามแบบที่ลูกค้าถามจริง (หลายแบบได้ บรรทัดละแบบ) แชทจะจับคำถามเรื่องเดียวกันที่พิมพ์ต่างกันได้ด้วย คำถามที่ไม่ตรงกับข้อใดจะส่งต่อให้ร้านเหมือนเดิม',
    'settings.faq.entry': 'คำถามที่ {n}',
    'settings.faq.question': 'คำถาม (ภาษาไทย)',
    'settings.faq.questionEn': 'คำถามภาษาอังกฤษ (ไม่บังคับ)',
    'settings.faq.answer': 'คำตอบ (ภาษาไทย)',
    'settings.faq.answerEn': 'คำตอบภาษาอังกฤษ (ไม่บังคับ ถ้าว่างจะตอบเป็นภาษาไทย)',
    'settings.faq.more': 'บันทึกแล้วจะมีแถวว่างเพิ่ม ลบคำถามและคำตอบออกเพื่อเอาข้อนั้นออก',
    'settings.error.faqTooMany': 'ใส่ได้ไม่เกิน 50 คำถาม',
  },
});
