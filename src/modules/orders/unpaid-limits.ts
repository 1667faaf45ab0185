import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { orderLines, orders, payments } from '../../db/schema/index.ts';
import { awaitingPaymentStatuses, unpaidStatuses } from './policy.ts';

/** What one customer, or one delivery address, holds unpaid: orders awaiting payment and the units in them. */
export interface UnpaidHolding {
  orders: number;
  units: number;
}

/**
 * A delivery address as compared for the limits: lower case, without white space or ASCII punctuation,
 * with its postcode ("12/3 ซอยอารีย์" and "12 / 3  ซอย อารีย์" are one address). The same rule as
 * addressKeySql, in the database.
 */
export function addressKey(address: string, postcode: string | undefined): string {
  return `${address.toLowerCase().replace(/[\s!-/:-@[-`{-~]/g, '')}:${(postcode ?? '').trim()}`;
}

// The same class written out for PostgreSQL: its [:punct:] would also take Thai tone marks (่ ้ ๊ ๋).
const separators = '[\\s!-/:-@\\[-`{-~]';
const addressKeySql = sql`regexp_replace(lower(coalesce(${orders.shippingAddress}->>'address', '')), ${separators}, '', 'g') || ':' || trim(coalesce(${orders.shippingAddress}->>'postcode', ''))`;

/** The unpaid orders and units of a customer, and of an address (whoever placed them), in one statement. */
export async function unpaidHoldings(
  db: DbOrTx,
  who: { customerId: number; address: string; postcode?: string | undefined },
): Promise<{ customer: UnpaidHolding; address: UnpaidHolding }> {
  const key = addressKey(who.address, who.postcode);
  const statuses = sql.join(awaitingPaymentStatuses.map((s) => sql`${s}`), sql`, `);
  const { rows } = await db.execute<{ c_orders: string | number; c_units: string | number; a_orders: string | number; a_units: string | number }>(sql`
    select
      count(*) filter (where o.mine) as c_orders,
      coalesce(sum(o.units) filter (where o.mine), 0) as c_units,
      count(*) filter (where o.here) as a_orders,
      coalesce(sum(o.units) filter (where o.here), 0) as a_units
    from (
      select ${orders.customerId} = ${who.customerId} as mine, ${addressKeySql} = ${key} as here,
        (select coalesce(sum(${orderLines.qty}), 0) from ${orderLines} where ${orderLines.orderId} = ${orders.id}) as units
      from ${orders}
      where ${orders.status} in (${statuses}) and (${orders.customerId} = ${who.customerId} or ${addressKeySql} = ${key})
    ) o`);
  const r = rows[0]!;
  return {
    customer: { orders: Number(r.c_orders), units: Number(r.c_units) },
    address: { orders: Number(r.a_orders), units: Number(r.a_units) },
  };
}

/**
 * Unpaid orders placed before `placedBefore` by customers who never had a payment confirmed: their
 * stock is held for the shorter first-order time (Settings → reminders).
 */
export async function unpaidFirstOrderNumbers(db: DbOrTx, placedBefore: Date, limit = 500): Promise<string[]> {
  const statuses = sql.join(unpaidStatuses.map((s) => sql`${s}`), sql`, `);
  const { rows } = await db.execute<{ number: string }>(sql`
    select o.number from ${orders} o
    where o.status in (${statuses}) and o.payment_method <> 'cod' and o.created_at <= ${placedBefore.toISOString()}::timestamptz
      and not exists (
        select 1 from ${payments} p join ${orders} mine on mine.id = p.order_id
        where mine.customer_id = o.customer_id and p.status = 'confirmed')
    order by o.id
    limit ${limit}`);
  return rows.map((r) => r.number);
}
