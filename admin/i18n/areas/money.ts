import { defineTexts } from '../define.ts';

/**
 * The money figures (src/modules/reports/money.ts) with, under each, what it counts: the same words on
 * the dashboard, the reports and the finance page, because the numbers come from the same code.
 */
export const moneyTexts = defineTexts({
  en: {
    'money.figures': 'Money',
    'money.netSales': 'Net sales',
    'money.netSales.counts': 'Payments received less refunds paid, on the day the money moved',
    'money.paid': 'Received',
    'money.paid.counts': 'Slips accepted or approved, cash, orders marked paid, marketplace payouts and COD collected',
    'money.refunds': 'Refunds paid',
    'money.refunds.counts': 'Money paid back to customers (cancellations, returns, over-payments)',
    'money.awaitingPayment': 'Awaiting payment',
    'money.awaitingPayment.counts': 'Still owed on prepaid orders placed in the period (not in net sales)',
    'money.codToCollect': 'COD to collect',
    'money.codToCollect.counts': 'Cash on delivery not collected yet on orders placed in the period (not in net sales)',
    'money.orders': 'Orders',
    'money.orders.counts': 'Orders placed in the period, cancelled ones left out',
    'money.byChannel': 'By channel',
  },
  th: {
    'money.figures': 'ตัวเลขการเงิน',
    'money.netSales': 'ยอดขายสุทธิ',
    'money.netSales.counts': 'เงินที่ได้รับ หักเงินที่คืนลูกค้าแล้ว นับตามวันที่เงินเข้า-ออกจริง',
    'money.paid': 'เงินที่ได้รับ',
    'money.paid.counts': 'สลิปที่ผ่านหรืออนุมัติ เงินสด คำสั่งซื้อที่บันทึกว่าชำระแล้ว เงินจากมาร์เก็ตเพลส และเงินปลายทางที่เก็บได้',
    'money.refunds': 'คืนเงินแล้ว',
    'money.refunds.counts': 'เงินที่โอนคืนลูกค้าแล้ว (ยกเลิก คืนสินค้า โอนเกิน)',
    'money.awaitingPayment': 'รอชำระเงิน',
    'money.awaitingPayment.counts': 'ยอดค้างของคำสั่งซื้อแบบโอนก่อนที่สั่งในช่วงนี้ (ไม่นับในยอดขายสุทธิ)',
    'money.codToCollect': 'เก็บเงินปลายทางรอเก็บ',
    'money.codToCollect.counts': 'ยอดเก็บเงินปลายทางที่ยังไม่ได้รับ ของคำสั่งซื้อที่สั่งในช่วงนี้ (ไม่นับในยอดขายสุทธิ)',
    'money.orders': 'คำสั่งซื้อ',
    'money.orders.counts': 'คำสั่งซื้อที่สั่งในช่วงนี้ ไม่รวมที่ยกเลิก',
    'money.byChannel': 'แยกตามช่องทาง',
  },
});
