/** The demo shop's products: seeded by `npm run seed` and the chat corpus evaluation's catalog (data only, no database). */
export interface DemoProduct {
  sku: string;
  th: string;
  en: string;
  category: [string, string];
  price: number; // baht
  stock: [bkk: number, cnx: number];
  lastsDays?: number;
  descTh: string;
  descEn: string;
}

/** A small shop that sells coffee, snacks and household goods; enough to try every chat command. */
export const demoProducts: DemoProduct[] = [
  { sku: 'COF-250', th: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', en: 'Doi Chang coffee, medium roast 250 g', category: ['กาแฟและชา', 'Coffee & tea'], price: 320, stock: [40, 15], lastsDays: 21, descTh: 'เมล็ดกาแฟอาราบิก้าจากดอยช้าง เชียงราย', descEn: 'Arabica beans from Doi Chang, Chiang Rai' },
  { sku: 'COF-500', th: 'กาแฟดอยช้าง คั่วเข้ม 500 กรัม', en: 'Doi Chang coffee, dark roast 500 g', category: ['กาแฟและชา', 'Coffee & tea'], price: 590, stock: [25, 10], lastsDays: 40, descTh: 'คั่วเข้ม เหมาะกับเอสเปรสโซ', descEn: 'Dark roast for espresso' },
  { sku: 'TEA-THAI', th: 'ชาไทยตรามือ 400 กรัม', en: 'Thai tea mix 400 g', category: ['กาแฟและชา', 'Coffee & tea'], price: 145, stock: [60, 20], lastsDays: 30, descTh: 'ชาไทยสูตรดั้งเดิม', descEn: 'Classic Thai tea' },
  { sku: 'TEA-GREEN', th: 'ชาเขียวมัทฉะ 100 กรัม', en: 'Matcha green tea 100 g', category: ['กาแฟและชา', 'Coffee & tea'], price: 390, stock: [12, 0], descTh: 'มัทฉะเกรดพิธีชงชา', descEn: 'Ceremonial-grade matcha' },
  { sku: 'SNK-MANGO', th: 'มะม่วงอบแห้ง 200 กรัม', en: 'Dried mango 200 g', category: ['ขนมและของว่าง', 'Snacks'], price: 120, stock: [80, 30], descTh: 'มะม่วงน้ำดอกไม้อบแห้ง ไม่ใส่น้ำตาล', descEn: 'Nam Dok Mai mango, no added sugar' },
  { sku: 'SNK-CASHEW', th: 'เม็ดมะม่วงหิมพานต์อบเกลือ 250 กรัม', en: 'Salted cashews 250 g', category: ['ขนมและของว่าง', 'Snacks'], price: 210, stock: [35, 10], descTh: 'เม็ดมะม่วงหิมพานต์จากระนอง', descEn: 'Cashews from Ranong' },
  { sku: 'SNK-CHIPS', th: 'ข้าวเกรียบกุ้ง', en: 'Prawn crackers', category: ['ขนมและของว่าง', 'Snacks'], price: 45, stock: [100, 50], descTh: 'ข้าวเกรียบกุ้งแท้ กรอบอร่อย', descEn: 'Crispy prawn crackers' },
  { sku: 'HOM-SOAP', th: 'สบู่สมุนไพรขมิ้น', en: 'Turmeric herbal soap', category: ['ของใช้ในบ้าน', 'Home'], price: 59, stock: [120, 40], lastsDays: 30, descTh: 'สบู่ทำมือจากขมิ้นชัน', descEn: 'Handmade turmeric soap' },
  { sku: 'HOM-BALM', th: 'ยาหม่องสมุนไพร', en: 'Herbal balm', category: ['ของใช้ในบ้าน', 'Home'], price: 89, stock: [70, 25], descTh: 'ยาหม่องไพล บรรเทาปวดเมื่อย', descEn: 'Plai balm for aches' },
  { sku: 'HOM-DETERG', th: 'น้ำยาซักผ้า 1 ลิตร', en: 'Laundry liquid 1 l', category: ['ของใช้ในบ้าน', 'Home'], price: 135, stock: [50, 20], lastsDays: 30, descTh: 'สูตรอ่อนโยน กลิ่นมะลิ', descEn: 'Gentle, jasmine scent' },
  { sku: 'RICE-HOM5', th: 'ข้าวหอมมะลิ 5 กิโลกรัม', en: 'Jasmine rice 5 kg', category: ['ข้าวและอาหารแห้ง', 'Rice & pantry'], price: 245, stock: [30, 30], lastsDays: 30, descTh: 'ข้าวหอมมะลิใหม่ ทุ่งกุลาร้องไห้', descEn: 'New-crop Hom Mali from Thung Kula' },
  { sku: 'SAUCE-FISH', th: 'น้ำปลาแท้ 700 มล.', en: 'Fish sauce 700 ml', category: ['ข้าวและอาหารแห้ง', 'Rice & pantry'], price: 65, stock: [3, 0], lastsDays: 45, descTh: 'น้ำปลาหมักจากปลากะตัก', descEn: 'Anchovy fish sauce' },
];

/** The demo products as chat sees them (catalog cards without the database's ids): SKU, names, price in satang. */
export function demoCatalogItems(): { sku: string; nameTh: string; nameEn: string; options: Record<string, string>; price: number }[] {
  return demoProducts.map((p) => ({ sku: p.sku, nameTh: p.th, nameEn: p.en, options: {}, price: p.price * 100 }));
}
