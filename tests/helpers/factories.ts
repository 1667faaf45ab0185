import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import { createProduct } from '#src/modules/catalog/index.ts';
import { changeStock, createWarehouse, findWarehouseByCode } from '#src/modules/inventory/index.ts';
import { eq } from 'drizzle-orm';
import { orders, type ChatChannel } from '#src/db/schema/index.ts';
import { ensureChatIdentity, findOrCreateCustomerByPhone } from '#src/modules/customers/index.ts';
import { placeOrder, type PlaceOrderInput } from '#src/workflows/orders/place-order.ts';

let seq = 0;
const next = () => ++seq;

export async function makeWarehouse(db: Db, input: { code?: string; priority?: number } = {}) {
  const code = input.code ?? `W${next()}`;
  return (await findWarehouseByCode(db, code)) ?? createWarehouse(db, { code, name: `Warehouse ${code}`, priority: input.priority ?? 0 });
}

/** A product with one SKU and stock per warehouse code, e.g. { stock: { BKK: 20 } }. */
export async function makeProduct(
  db: Db,
  input: { sku?: string; price?: number; nameTh?: string; nameEn?: string; stock?: Record<string, number> } = {},
) {
  const n = next();
  const sku = input.sku ?? `SKU-${n}`;
  return withTransaction(db, async (tx) => {
    const { product, variants } = await createProduct(tx, {
      nameTh: input.nameTh ?? `สินค้า ${n}`,
      nameEn: input.nameEn ?? `Product ${n}`,
      variants: [{ sku, price: input.price ?? 10_000, currency: 'THB' }],
    });
    for (const [code, qty] of Object.entries(input.stock ?? {})) {
      const warehouse = (await findWarehouseByCode(tx, code)) ?? (await createWarehouse(tx, { code, name: code }));
      if (qty > 0) {
        await changeStock(tx, {
          warehouseId: warehouse.id,
          variantId: variants[0]!.id,
          onHandDelta: qty,
          reason: 'receive',
          actor: 'test',
        });
      }
    }
    return { product, variant: variants[0]!, sku };
  });
}

export async function makeCustomer(db: Db, input: { name?: string; phone?: string } = {}) {
  const n = next();
  return withTransaction(db, (tx) =>
    findOrCreateCustomerByPhone(tx, { name: input.name ?? `ลูกค้า ${n}`, phone: input.phone ?? `08${String(10_000_000 + n).slice(-8)}` }),
  );
}

export function orderInput(customer: { id: number; name: string }, lines: { sku: string; qty: number }[]): PlaceOrderInput {
  return {
    channel: 'manual',
    customer: { id: customer.id, name: customer.name },
    lines,
    shippingAddress: { name: customer.name, phone: '0812345678', address: '99 ถนนสุขุมวิท กรุงเทพฯ', postcode: '10110' },
    paymentMethod: 'promptpay',
    currency: 'THB',
    actor: 'test',
  };
}

export function apiOrderBody(lines: { sku: string; qty: number }[], extra: Record<string, unknown> = {}) {
  return {
    channel: 'api',
    customer: { name: 'สมหญิง ใจดี', phone: '081-234-5678' },
    lines,
    shippingAddress: { name: 'สมหญิง ใจดี', phone: '0812345678', address: '12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ', postcode: '10400' },
    ...extra,
  };
}

/**
 * A chat customer's unpaid order of one new product costing `amount` satang, placed five minutes before
 * `paidAt` (the time on the slip that will pay it, so the slip is not older than the order).
 */
export async function unpaidChatOrder(db: Db, input: { channel: ChatChannel; externalId: string; amount: number; paidAt: string }) {
  const { sku } = await makeProduct(db, { price: input.amount, stock: { MAIN: 5 } });
  const { customer } = await withTransaction(db, (tx) => ensureChatIdentity(tx, { channel: input.channel, externalId: input.externalId, language: 'en' }));
  const { order } = await placeOrder(db, { ...orderInput(customer, [{ sku, qty: 1 }]), channel: input.channel });
  await db
    .update(orders)
    .set({ createdAt: new Date(new Date(input.paidAt).getTime() - 5 * 60_000) })
    .where(eq(orders.id, order.id));
  return order;
}
