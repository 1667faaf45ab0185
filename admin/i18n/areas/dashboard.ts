import { defineTexts } from '../define.ts';

/** Texts of the dashboard: today's figures, what waits for the team, the 30-day charts. */
export const dashboardTexts = defineTexts({
  en: {
    'dash.title': 'Dashboard',
    'dash.todayOrders': 'Orders today',
    'dash.todayRevenue': 'Revenue today',
    'dash.waiting': 'Waiting for you',
    'dash.slips': 'Slips to review',
    'dash.toConfirm': 'To confirm',
    'dash.toPack': 'To pack',
    'dash.toShip': 'To ship',
    'dash.lowStock': 'Low stock',
    'dash.lowStockHint': 'SKUs at or below their warning point',
    'dash.noPayTo': 'Customers are not told where to pay: neither a PromptPay id nor a bank account is set. The chat says the shop will send the payment details.',
    'dash.noPayToLink': 'Set them in Settings → Payments',
    'dash.chartOrders': 'Orders per day, last 30 days',
    'dash.chartRevenue': 'Revenue per day, last 30 days',
    'dash.chartNote': 'Cancelled orders are left out.',
  },
  th: {
    'dash.title': 'ภาพรวม',
    'dash.todayOrders': 'คำสั่งซื้อวันนี้',
    'dash.todayRevenue': 'ยอดขายวันนี้',
    'dash.waiting': 'งานที่รออยู่',
    'dash.slips': 'สลิปรอตรวจ',
    'dash.toConfirm': 'รอยืนยัน',
    'dash.toPack': 'รอแพ็ก',
    'dash.toShip': 'รอส่ง',
    'dash.lowStock': 'สินค้าใกล้หมด',
    'dash.lowStockHint': 'SKU ที่พร้อมขายเหลือไม่เกินจุดเตือน',
    'dash.noPayTo': 'ลูกค้ายังไม่รู้ว่าจะโอนเงินไปที่ไหน: ยังไม่ได้ตั้งพร้อมเพย์หรือบัญชีธนาคาร แชทจะบอกลูกค้าว่าทางร้านจะส่งรายละเอียดการชำระเงินให้',
    'dash.noPayToLink': 'ตั้งค่าที่ ตั้งค่า → การชำระเงิน',
    'dash.chartOrders': 'จำนวนคำสั่งซื้อรายวัน 30 วันล่าสุด',
    'dash.chartRevenue': 'ยอดขายรายวัน 30 วันล่าสุด',
    'dash.chartNote': 'ไม่นับคำสั่งซื้อที่ยกเลิก',
  },
});
