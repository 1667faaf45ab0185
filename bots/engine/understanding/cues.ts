/**
 * The words that give a message its intent, in Thai and English. Each pattern is tested on the
 * message with its particles taken out, Thai words run together ("ขอดูสินค้า"), English words
 * spaced. Product names never appear here: they come from the catalog.
 */

/**
 * A pattern that finds any of these words: Thai ones anywhere (Thai has no spaces), Latin ones only
 * as whole words ("in" is not inside "jasmine").
 */
function anyWord(list: string[], flags = 'g'): RegExp {
  const alternatives = [...list]
    .sort((a, b) => b.length - a.length)
    .map((w) => (/^[a-z' ]+$/i.test(w) ? `\\b${w.replace(/'/g, "'?")}\\b` : w));
  return new RegExp(`(?:${alternatives.join('|')})`, flags);
}

export const GREETING = /^(?:สวัสดี|หวัดดี|ฮัลโหล|ฮาโหล|ฮาย|ไฮ(?![\u0E01-\u0E2E])|ดีจ้า|ดีค่ะ|ดีครับ|ดีคะ|ดี(?=$|\s|แอดมิน|admin|ร้าน|คุณ|ครับ|ค่ะ)|(?:hello|hi|hey|hiya|yo|good (?:morning|afternoon|evening|day)|morning|sawas?dee|sawadee)(?![a-z])|\/start)/;
/** Whom a greeting or thanks is addressed to: nothing more is asked. */
export const ADDRESSEE = anyWord(
  ['ตอนเช้า', 'ตอนสาย', 'ตอนบ่าย', 'ตอนเย็น', 'ตอนค่ำ', 'ยามเช้า', 'morning', 'afternoon', 'evening', 'แอดมิน', 'admin', 'ทางร้าน', 'เจ้าของร้าน', 'ร้าน', 'คุณ', 'ทุกคน', 'there', 'everyone', 'shop', 'team', 'พี่', 'น้อง', 'ค่า', 'ka', 'krub', 'kha', 'na', 'จ้า', 'มาก', 'มากๆ', 'so much', 'very much', 'a lot', 'lots', 'again', 'ๆ'],
);

export const THANKS = /(?:ขอบคุณ|ขอบใจ|ขอบคุน|thank|thx|\bty\b|\btq\b)/;
const CHATTER_LIST = [
  'โอเค', 'โอเคร', 'ok', 'okay', 'oke', 'เค', 'ได้เลย', 'ได้', 'รับทราบ', 'ทราบแล้ว', 'เข้าใจแล้ว', 'เข้าใจ', 'lol', 'เยี่ยม', 'สุดยอด',
  'ดีมาก', 'ดีจัง', 'น่ารัก', 'ชอบมาก', 'ชอบ', 'ประทับใจ', 'บาย', 'bye', 'ฝันดี', 'good night', 'goodnight', 'great', 'nice', 'cool',
  'awesome', 'perfect', 'love it', 'อร่อยมาก', 'อร่อย', 'ยินดี', 'ไม่เป็นไร', 'no problem', 'see you', 'แล้วเจอกัน', 'โชคดี', 'อ๋อ',
  'เยส', 'yes', 'ใช่', 'จ้า', 'ค่ะ', 'ครับ', 'เลย', 'แล้ว', 'นะ', 'ที่',
];
/** A message of chatter only: these words, laughter, emoji. */
export const CHATTER = new RegExp(`^(?:${[...CHATTER_LIST].sort((a, b) => b.length - a.length).join('|')}|5{3,}|ฮ่า+|haha\\w*|อืม+|[\\p{Extended_Pictographic}\\s])+$`, 'u');

export const HUMAN = new RegExp(
  [
    '(?:คุย|ติดต่อ|ขอสาย|โอนสาย|ต่อสาย|สนทนา)(?:กับ)?(?:คน|แอด|พนักงาน|เจ้าหน้าที่|เจ้าของ|ร้าน|แม่ค้า|พ่อค้า|ทีมงาน|admin|staff)',
    'โทร(?:กลับ|หา)|call me|คนจริง|ไม่ใช่บอท|ไม่เอาบอท|ไม่อยากคุยกับบอท|เจ้าหน้าที่|พนักงาน(?:ขาย)?|ทีมงาน|call ?center|คอลเซ็นเตอร์',
    '^(?:แอดมิน|admin|แอด)(?:อยู่(?:ไหม|มั้ย|ป่าว|รึเปล่า))?$',
    '(?:ขอ|เรียก|ตาม|ต้องการ|อยากคุยกับ|รอ)(?:แอดมิน|admin|แอด|คน)|(?:ขอ|อยาก)(?:คุย|ปรึกษา|สอบถามกับคน)(?:$|ด้วย|หน่อย|กับ)|(?:แอดมิน|admin).*(?:คุย|ติดต่อ|ตอบ)',
    '(?:talk|speak|chat) (?:to|with) (?:a |an |the |your )?(?:human|person|someone|agent|staff|admin|real|operator|people|owner|seller)',
    '(?:human|real person|live agent|customer service|operator)',
  ].join('|'),
);

export const STOP_REMINDERS = new RegExp(
  [
    '^(?:หยุด|stop|unsubscribe|เลิกส่ง|พอแล้ว)$',
    '(?:ไม่ต้อง|เลิก|หยุด|ปิด|ยกเลิก|ไม่อยากได้|ไม่รับ)(?:การ)?(?:ส่ง)?(?:แจ้งเตือน|เตือน|ข้อความ|ทัก|โปร|สแปม|ส่งข่าว)',
    '(?:stop|no more|don\'?t|do not|turn off|mute)\\b.{0,24}\\b(?:remind|messag|notif|alert|spam|promo|texting)',
    'unsubscribe',
  ].join('|'),
);
export const START_REMINDERS = /^(?:เริ่ม|start|subscribe)$|(?:เปิด|รับ)(?:การ)?แจ้งเตือน|เตือนด้วย|remind me|turn on (?:the )?(?:reminders?|notifications?)/;

export const LANG_EN = /(?:ภาษาอังกฤษ|^(?:english|eng|อังกฤษ)$|(?:in|speak|use|switch to|change to) english|english (?:please|pls)|พูดอังกฤษ|พิมพ์อังกฤษ)/;
export const LANG_TH = /(?:ภาษาไทย|^(?:ไทย|thai)$|(?:in|speak|use|switch to|change to) thai|thai (?:please|pls)|พูดไทย|พิมพ์ไทย)/;

export const ORDER_NUMBER = /(?:^|[^a-z\d])(?:tl\s*-?\s*(\d{4,9})|#\s*(\d{4,9})|(?:ออเดอร์|order|คำสั่งซื้อ|เลขที่)\s*(?:ที่|no\.?|number|#)?\s*(\d{4,9}))(?!\d)/i;

export const CANCEL = /(?:ยกเลิก|cancel|ไม่เอาแล้ว|ไม่สั่งแล้ว|ยังไม่สั่ง|ไม่ซื้อแล้ว|ยังไม่ซื้อ|เปลี่ยนใจ|call off|never ?mind|forget it)/;
export const RETURN = /(?:คืนสินค้า|คืนของ|ขอคืน|อยากคืน|ส่งคืน|เปลี่ยนสินค้า|ขอเปลี่ยน|คืนเงิน|refund|return|exchange|send back|ของเสีย|ชำรุด|แตก|ผิดรายการ|ไม่ตรงปก)/;
export const STATUS = new RegExp(
  [
    'สถานะ|status|ถึงไหน|ติดตาม|track|เลขพัสดุ|เลขแทร็ก|เลขแทร็ค|แทร็กกิ้ง|tracking|where(?:\'s| is) my',
    'ส่ง(?:ของ|สินค้า|พัสดุ)?(?:ให้)?(?:ไป)?(?:แล้ว)?(?:หรือ|รึ)?ยัง|จัดส่ง(?:แล้ว)?(?:หรือ)?ยัง|ทำไม(?:ยัง)?ไม่(?:ได้|ส่ง)',
    'ของ(?:ยัง)?ไม่(?:มา|ถึง)|ยังไม่ได้(?:รับ)?(?:ของ|สินค้า|พัสดุ)|ได้(?:รับ)?ของ(?:เมื่อไหร่|เมื่อไร|วันไหน)|ของจะ(?:มา|ถึง)(?:เมื่อไหร่|เมื่อไร|วันไหน)',
    'ออเดอร์(?:ของ)?(?:ฉัน|ผม|หนู|เรา|ดิฉัน)|my orders?|order status|เช็ค(?:ออเดอร์|คำสั่งซื้อ|พัสดุ|ของ)|ตรวจสอบ(?:ออเดอร์|คำสั่งซื้อ|พัสดุ)',
    '(?:เมื่อไหร่|เมื่อไร|วันไหน)(?:ของ|พัสดุ|สินค้า)(?:จะ)?(?:มา|ถึง|ได้)|(?:ของ|พัสดุ|สินค้า)(?:จะ)?(?:มา)?ถึง(?:เมื่อไหร่|เมื่อไร|วันไหน)',
    'has my order|did you ship|shipped yet|when will (?:my|it|the) (?:order|parcel|package)',
  ].join('|'),
);
export const REORDER =
  /(?:สั่งซ้ำ|ซื้อซ้ำ|เหมือนเดิม|เหมือน\S{0,10}(?:ที่แล้ว|ก่อน|ล่าสุด)|ชุดเดิม|แบบเดิม|อันเดิม|ออเดอร์เดิม|reorder|re-order|order again|buy again|same as (?:last|before|previous)|the usual|same again|repeat (?:my )?(?:last )?order|same order)/;

export const SAVED_ADDRESS = /(?:ที่อยู่|address)\s*(?:เดิม|เก่า|เดียวกัน|เหมือนเดิม|เหมือนครั้งก่อน|ล่าสุด)|ส่งที่เดิม|same address|use (?:my )?(?:saved|previous|old|last) address|saved address/;
export const EDIT_ADDRESS =
  /(?:แก้|เปลี่ยน|แก้ไข|edit|change|update|correct|fix)\s*(?:ที่อยู่|address|ชื่อผู้รับ|เบอร์|ผู้รับ|the address|my address|delivery)|(?:ที่อยู่|address|เบอร์|ชื่อ)\S{0,8}(?:ผิด|wrong|ไม่ถูก)|wrong address|ส่งที่อื่น|ขอส่งที่อื่น/;

export const CLEAR_CART = new RegExp(
  [
    '(?:ล้าง|เคลียร์|clear|empty|ลบ|ยกเลิก|เอาออก|reset|ไม่เอา)\\s*(?:สินค้า|ของ|รายการ)?\\s*(?:ทั้งหมด|หมด)?\\s*(?:ใน|ที่อยู่ใน)?\\s*(?:my |the )?(?:ตะกร้า|cart|basket|รถเข็น)',
    '^(?:ลบ|ยกเลิก|เอาออก|ล้าง|ไม่เอา|clear|remove|delete)\\s*(?:ออก)?(?:ให้)?\\s*(?:ทั้งหมด|หมด|หมดเลย|everything|all)$',
    'เริ่มใหม่|start over|start again',
  ].join('|'),
);
export const CART = /(?:ตะกร้า|cart|basket|รถเข็น|รายการ(?:ที่)?(?:เลือก|สั่ง|หยิบ|ใส่)(?:ไว้)?|(?:ของ|สินค้า)(?:ที่)?(?:เลือก|หยิบ|ใส่)ไว้|(?:สั่ง|เลือก|หยิบ)อะไรไป(?:แล้ว)?บ้าง|แก้(?:ไข)?(?:รายการ|ออเดอร์|จำนวน))/;
export const REMOVE = /(?:^ลบ|ลบ(?=\S)|เอาออก|เอา.+ออก|ไม่เอา|ตัด|ยกเลิก|remove|delete|take out|take off|drop|cancel|don'?t want|no more)/;
export const REMOVE_WORDS = anyWord(['ลบ', 'เอาออก', 'ออก', 'ไม่เอา', 'ตัด', 'ยกเลิก', 'แล้ว', 'remove', 'delete', 'take out', 'take off', 'drop', 'cancel', "don't want", 'no more', 'from', 'the', 'my', 'cart', 'ตะกร้า', 'จาก', 'ใน']);

export const CHECKOUT = new RegExp(
  [
    '^(?:สั่งซื้อ|สั่งเลย|สั่ง|ซื้อเลย|checkout|check out|เช็คเอาท์|เช็คเอ้าท์|เช็คเอ้า|เช็คเอาต์|เช็คบิล|check bill|คิดเงิน|เก็บเงิน|ชำระเงิน|จ่ายเงิน|pay|proceed|done)$',
    'สรุป(?:ยอด|รายการ|ออเดอร์|คำสั่งซื้อ)|ยืนยัน(?:การ)?สั่ง(?:ซื้อ)?|ปิด(?:ยอด|ออเดอร์|บิล)|^(?:แค่|เท่า|พอ)(?:นี้|แค่นี้)|^(?:เอา)?แค่นี้|^ครบแล้ว$|^หมดแล้ว$',
    '(?:ยอด)?(?:รวม|ทั้งหมด)(?:เป็นเงิน)?(?:กี่บาท|เท่าไหร่|เท่าไร)|how much (?:in total|altogether|is it all)|^total$|nothing else|that\'?s everything|that is all',
    'place (?:my |the |an )?order|i\'?m done|that\'?s all|ready to (?:order|pay|check ?out)|go to checkout|proceed to (?:checkout|payment)|(?:ขอ|จะ)(?:สั่งซื้อ|ชำระ|จ่าย)|พร้อม(?:สั่ง|ชำระ|จ่าย|โอน)',
  ].join('|'),
);
export const CONFIRM = /^(?:ยืนยัน|ตกลง|ok|okay|oke|โอเค|โอเคร|เค|yes|yep|yeah|ya|y|ใช่|ได้|ถูกต้อง|correct|confirm(?:ed)?|เรียบร้อย|ได้เลย|จัดไป|เอาเลย|go ahead|sure|ถูก|ครับผม|ค่ะ|ครับ|จ้า|[👍👌🙆]+)(?:\s*(?:ยืนยัน|ตกลง|ok|confirm|ค่ะ|ครับ|เลย|จ้า|please|ได้เลย|ถูกต้อง|แล้ว|order|the order|it|สั่ง|สั่งเลย|ตามนี้))*$/u;
export const BACK = /^(?:back|go back|กลับ|ย้อนกลับ|ย้อน|แก้ไข|แก้|edit|change|previous)$/;

export const PRICE = /(?:ราคา|เท่าไหร่|เท่าไร|เท่าไหร|เท่าไร่|กี่บาท|กี่ตัง|how much|price|cost|ขายยังไง|ขายเท่า)/;
export const PRICE_WORDS = anyWord(['ราคา', 'เท่าไหร่', 'เท่าไร', 'เท่าไหร', 'เท่าไร่', 'กี่บาท', 'กี่ตัง', 'how much', 'price', 'cost', 'ขายยังไง', 'ขายเท่า', 'is', 'are', 'does', 'do', 'it', 'the', 'of', 'for', 'per', 'ต่อ', 'อัน', 'ละ', 'ถุง', 'ขวด', 'ห่อ', 'ชิ้น']);
export const STOCK = /(?:มีของ|ของมี|ยังมี|มี.*(?:ไหม|มั้ย|ป่าว|เปล่า|มั๊ย|หรือยัง)|มีขาย|หมด(?!อายุ)|เหลือ|สต็อก|สต๊อก|stock|available|do you (?:have|sell|carry)|have any|got any|sold out|พร้อมส่ง|\bany\b.{0,30}\bleft\b)/;
export const STOCK_WORDS = anyWord(['ยังมี', 'มีของ', 'ของมี', 'มีขาย', 'มี', 'ของ', 'ยัง', 'หมด', 'เหลือ', 'อยู่', 'สต็อก', 'สต๊อก', 'ไหม', 'มั้ย', 'มั๊ย', 'ป่าว', 'เปล่า', 'หรือยัง', 'หรือ', 'แล้ว', 'บ้าง', 'กี่', 'ชิ้น', 'stock', 'in', 'available', 'do you', 'have', 'sell', 'carry', 'any', 'got', 'sold out', 'out of', 'left', 'is', 'are', 'the', 'still', 'พร้อมส่ง', 'ขาย']);

/** Asking to see something ("ขอดูชาไทย", "show me coffee"): the menu, searched when a product is named. */
export const LOOK = /^(?:ขอ|อยาก)?ดู|^show me|^let me see|^can i see/;

/** Words around a search in the menu ("ขอดูเมนูกาแฟ", "show me coffee"). */
export const MENU_WORDS = anyWord(['เมนู', 'menu', 'ดู', 'สินค้า', 'show', 'me', 'the', 'your']);

export const MENU = new RegExp(
  [
    'เมนู|menu|catalog|catalogue|แคตตาล็อก|แคตตาล็อค|แคตาล็อก|รายการสินค้า|ดู(?:สินค้า|ของ|เมนู|รูป)|^สินค้า(?:ทั้งหมด)?$|^products?$',
    'มี\\S{0,12}อะไร(?:ขาย|แนะนำ)?(?:บ้าง|มั่ง)|มี(?:กี่|แบบไหน|อย่างไหน)(?:แบบ|อย่าง|ชนิด|รส|ขนาด)?(?:บ้าง)?|what kinds?|what types?|ขาย(?:อะไร|ไร)|มี(?:สินค้า|ของ)?อะไรแนะนำ|แนะนำ(?:สินค้า|อะไร)|^(?:ช่วย)?แนะนำ(?:ให้)?(?:หน่อย|ที)?$|what(?: else)? (?:do|d) you (?:sell|have|offer)|what(?:\'s| is) (?:on sale|available|for sale)',
    'show (?:me )?(?:the |your )?(?:products|items|menu|catalog|goods)|price list|ราคาสินค้า|what can i (?:buy|order)',
  ].join('|'),
);

export const HELP = /^(?:help|ช่วยเหลือ|ช่วยด้วย|วิธีสั่ง(?:ซื้อ)?|วิธีใช้|สั่ง(?:ซื้อ)?(?:ยังไง|อย่างไร|ไง|ยังงัย)|ต้องสั่งยังไง|how (?:do|can) i (?:order|buy)|how to (?:order|buy|use)|ใช้งานยังไง|\?|\/help)$/;

/** Shop questions by topic, first match wins (shipping fee before shipping time: "ค่าส่งกี่บาท"). */
export const TOPICS: [topic: 'shipping_fee' | 'cod' | 'carriers' | 'payment' | 'hours' | 'shipping_time', re: RegExp][] = [
  ['shipping_fee', /(?:ค่าส่ง|ค่าจัดส่ง|ค่าขนส่ง|ส่งฟรี|ฟรีค่าส่ง|ฟรีส่ง|shipping (?:fee|cost|charge|price)|delivery (?:fee|cost|charge)|free (?:shipping|delivery)|postage)/],
  ['cod', /(?:ปลายทาง|\bcod\b|c\.o\.d|จ่ายตอน(?:ได้|รับ)ของ|cash on delivery|pay on delivery)/],
  ['carriers', /(?:ขนส่ง|ไปรษณีย์|เคอรี่|kerry|flash|แฟลช|j&t|เจแอนด์ที|ems|ส่งทางไหน|ส่งด้วยอะไร|ส่ง(?:ของ)?(?:ทาง|ด้วย|กับ|ผ่าน)?(?:อะไร|ไร|เจ้าไหน|บริษัทไหน)|ส่งแบบไหน|carrier|courier|which (?:post|delivery|shipping)|thailand post|lalamove|grab|ไลน์แมน|lineman)/],
  ['payment', /(?:โอน|พร้อมเพย์|promptpay|prompt pay|บัญชี|จ่าย(?:เงิน)?(?:ยังไง|ทางไหน|ได้ทาง|ผ่าน|ด้วย|แบบไหน|ไง)|ชำระ(?:เงิน)?(?:ยังไง|ทางไหน|ได้ทาง|ผ่าน|ด้วย|แบบไหน)|บัตรเครดิต|credit card|debit|pay(?:ment)? (?:method|option)|how (?:do|can|should) i pay|can i pay|คิวอาร์|\bqr\b|ผ่อน|truemoney|ทรูมันนี่|วอลเล็ท|wallet|bank|ธนาคาร)/],
  ['hours', /(?:เปิด(?:ร้าน)?(?:กี่โมง|วันไหน|ทุกวัน|วันนี้|ไหม|มั้ย|ถึงกี่โมง)|ปิด(?:ร้าน)?(?:กี่โมง|วันไหน)|เวลาเปิด|เวลาทำการ|วันหยุด|หยุดวันไหน|opening hours|open(?:ing)? (?:time|hours)|when (?:are|do) you (?:open|close)|what time|are you open|business hours|office hours)/],
  ['shipping_time', /(?:กี่วัน|นานไหม|นานมั้ย|นานแค่ไหน|นานไม๊|ถึงเมื่อไหร่|ถึงวันไหน|ส่ง(?:ของ)?วันไหน|ส่งวันนี้|ส่งพรุ่งนี้|ส่งทันไหม|how long|how many days|delivery time|shipping time|when will (?:it|they) (?:arrive|ship|come)|ship (?:today|tomorrow)|same day|next day)/],
];

/** Marks of a question in general: what stays "question" when no topic or product fits. */
export const QUESTION = /(?:ไหม|มั้ย|มั๊ย|ไม๊|หรือเปล่า|รึเปล่า|หรือป่าว|ป่าว|ยังไง|อย่างไร|ทำไม|เมื่อไหร่|เมื่อไร|ไหน|กี่|อะไร|ได้บ้าง|หรือไม่|\?|^(?:how|what|when|where|why|which|can|could|do|does|is|are|will|would)\b)/;

/** Things of the shop, not products: "มีหน้าร้านไหม" is a question, not a product the shop lacks. */
export const SHOP_THINGS = anyWord(
  ['หน้าร้าน', 'สาขา', 'ส่วนลด', 'ลดราคา', 'มีลด', 'ลดได้', 'ลดไหม', 'ราคาส่ง', 'ขายส่ง', 'wholesale', 'โปร', 'promotion', 'promo', 'discount', 'coupon', 'คูปอง', 'ใบกำกับ', 'ใบเสร็จ', 'receipt', 'invoice', 'บริการ', 'ประกัน', 'ของแถม', 'แถม', 'เว็บ', 'website', 'facebook', 'instagram', 'ไลน์', 'line', 'delivery', 'การจัดส่ง', 'ส่งฟรี', 'ต่างประเทศ', 'abroad'],
  '',
);

/** Kind words about the goods or the service: chatter, not an order. */
export const PRAISE = /(?:อร่อย|ชอบ|ดีมาก|เยี่ยม|ประทับใจ|สุดยอด|ถูกใจ|หอม|ส่งไว|ส่งเร็ว|ได้รับ(?:ของ)?แล้ว|love|great|good|nice|delicious|amazing|received)/;

/** "If I order today …": a question about shipping time, not about an order already placed. */
export const IF_ORDERED = /(?:ถ้าสั่ง|สั่งวันนี้|สั่งตอนนี้|สั่งพรุ่งนี้|if i order|order (?:today|now))/;

/** Asking when. */
export const WHEN = /(?:กี่วัน|เมื่อไหร่|เมื่อไร|วันไหน|ได้ของ|ถึง(?:ไหม|มั้ย|กี่)|when|how long|arrive)/;

/** Telling the shop something is done ("โอนแล้ว", "paid"): chatter for the engine, the slip follows. */
export const NOTICE = /^(?:โอน(?:เงิน)?(?:แล้ว|เรียบร้อย)|จ่าย(?:เงิน)?(?:แล้ว|เรียบร้อย)|ชำระ(?:เงิน)?(?:แล้ว|เรียบร้อย)|(?:i )?(?:have )?(?:paid|transferred)|payment (?:done|sent))/;
