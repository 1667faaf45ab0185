import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import type { OrderChannel, PaymentMethod } from '#src/db/schema/index.ts';
import { andOrderChannel, cancelledStatus } from '#src/modules/orders/index.ts';
import { paymentReceived, refundPaidBack } from '#src/modules/payments/index.ts';

/** A shop-calendar day, "2026-03-14". */
export type Day = string;

/** [from 00:00, to+1 00:00) in the shop's time zone, as a condition on a timestamptz column expression. */
function within(column: SQL, tz: string, from?: Day, to?: Day): SQL {
  const parts: SQL[] = [];
  if (from) parts.push(sql`${column} >= (${from}::date::timestamp at time zone ${tz})`);
  if (to) parts.push(sql`${column} < ((${to}::date + 1)::timestamp at time zone ${tz})`);
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

export interface LedgerFilter {
  from?: Day | undefined;
  to?: Day | undefined;
  /** A payment method (promptpay, transfer, cod) or a refund method (cash, other...). */
  method?: string | undefined;
  /** The channel of the order the money belongs to. */
  channel?: OrderChannel | undefined;
}

export interface LedgerEntry {
  kind: 'payment' | 'cod' | 'refund';
  at: Date;
  orderNumber: string;
  orderChannel: OrderChannel;
  customerName: string;
  method: string;
  reference: string | null;
  /** Refunds are negative. */
  amount: number;
  currency: string;
  /** A paid refund with a slip photo: its id, for the link to the photo. */
  slipRefundId?: number | undefined;
}

function ledgerSql(tz: string, f: LedgerFilter): SQL {
  const method = f.method ? sql`and m = ${f.method}` : sql``;
  return sql`
    select * from (
      select case when p.method = 'cod' then 'cod' else 'payment' end as kind, p.confirmed_at as at, o.number as order_number,
             o.channel::text as order_channel, o.customer_name, p.method::text as m, p.reference, p.amount::bigint as amount, p.currency,
             p.id as sort_id, null::int as refund_id, false as has_slip
      from payments p join orders o on o.id = p.order_id
      where p.status = ${paymentReceived} and p.confirmed_at is not null and ${within(sql`p.confirmed_at`, tz, f.from, f.to)} ${andOrderChannel(f.channel)}
      union all
      select 'refund', r.paid_at, o.number, o.channel::text, o.customer_name, coalesce(r.method, 'other'), r.reference, -r.amount::bigint, r.currency,
             r.id, r.id, r.slip_path is not null
      from refunds r join orders o on o.id = r.order_id
      where r.status = ${refundPaidBack} and r.paid_at is not null and ${within(sql`r.paid_at`, tz, f.from, f.to)} ${andOrderChannel(f.channel)}
    ) e where true ${method}`;
}

type LedgerRow = {
  kind: LedgerEntry['kind'];
  at: Date | string;
  order_number: string;
  order_channel: OrderChannel;
  customer_name: string;
  m: string;
  reference: string | null;
  amount: number | string;
  currency: string;
  refund_id: number | string | null;
  has_slip: boolean;
};

const toEntry = (r: LedgerRow): LedgerEntry => ({
  kind: r.kind,
  at: new Date(r.at),
  orderNumber: r.order_number,
  orderChannel: r.order_channel,
  customerName: r.customer_name,
  method: r.m,
  reference: r.reference,
  amount: Number(r.amount),
  currency: r.currency,
  slipRefundId: r.has_slip && r.refund_id !== null ? Number(r.refund_id) : undefined,
});

/** Money in and out: confirmed payments (COD collections among them) and paid refunds (negative), newest first. */
export async function ledgerPage(db: DbOrTx, tz: string, f: LedgerFilter, page: number, perPage = 50) {
  const [{ rows }, { rows: sums }] = await Promise.all([
    db.execute<LedgerRow>(sql`${ledgerSql(tz, f)} order by at desc, kind, sort_id desc limit ${perPage} offset ${(page - 1) * perPage}`),
    db.execute<{ n: number; total: number | string; inflow: number | string; outflow: number | string }>(
      sql`select count(*)::int as n, coalesce(sum(amount), 0)::bigint as total,
                 coalesce(sum(amount) filter (where amount > 0), 0)::bigint as inflow,
                 coalesce(sum(amount) filter (where amount < 0), 0)::bigint as outflow
          from (${ledgerSql(tz, f)}) l`,
    ),
  ]);
  const s = sums[0]!;
  return { entries: rows.map(toEntry), count: Number(s.n), total: Number(s.total), inflow: Number(s.inflow), outflow: Number(s.outflow) };
}

/** Every entry of the filter, oldest first, for the CSV export. */
export async function ledgerAll(db: DbOrTx, tz: string, f: LedgerFilter, limit = 100_000): Promise<LedgerEntry[]> {
  const { rows } = await db.execute<LedgerRow>(sql`${ledgerSql(tz, f)} order by at, kind, sort_id limit ${limit}`);
  return rows.map(toEntry);
}

export const reconciledMethods = ['promptpay', 'transfer', 'cod'] as const satisfies readonly PaymentMethod[];

export interface Reconciliation {
  day: Day;
  channel: OrderChannel | undefined;
  methods: { method: PaymentMethod; orders: number; expected: number; received: number; difference: number }[];
  refundsPaid: number;
  totals: { expected: number; received: number; refundsPaid: number; difference: number };
  unpaid: { number: string; customerName: string; paymentMethod: PaymentMethod; status: string; total: number; currency: string; createdAt: Date; ageHours: number }[];
}

/**
 * One shop day, per payment method. Expected: totals of that day's orders (not cancelled) paying by the
 * method. Received: payments confirmed that day by the method (whatever day their order was placed).
 * Refunds paid that day are shown apart; the difference is received − expected. With a channel, all of
 * it counts only that channel's orders (and the payments and refunds of those orders).
 */
export async function reconciliation(db: DbOrTx, tz: string, day: Day, now = new Date(), channel?: OrderChannel): Promise<Reconciliation> {
  const [{ rows: expected }, { rows: received }, { rows: refunded }, { rows: unpaid }] = await Promise.all([
    db.execute<{ m: PaymentMethod; n: number; total: number | string }>(sql`
      select o.payment_method as m, count(*)::int as n, coalesce(sum(o.total), 0)::bigint as total from orders o
      where o.status <> ${cancelledStatus} and ${within(sql`o.created_at`, tz, day, day)} ${andOrderChannel(channel)} group by o.payment_method`),
    db.execute<{ m: PaymentMethod; total: number | string }>(sql`
      select p.method as m, coalesce(sum(p.amount), 0)::bigint as total from payments p join orders o on o.id = p.order_id
      where p.status = ${paymentReceived} and ${within(sql`p.confirmed_at`, tz, day, day)} ${andOrderChannel(channel)} group by p.method`),
    db.execute<{ total: number | string }>(sql`
      select coalesce(sum(r.amount), 0)::bigint as total from refunds r join orders o on o.id = r.order_id
      where r.status = ${refundPaidBack} and ${within(sql`r.paid_at`, tz, day, day)} ${andOrderChannel(channel)}`),
    db.execute<{ number: string; customer_name: string; payment_method: PaymentMethod; status: string; total: number | string; currency: string; created_at: Date | string; paid: number | string }>(sql`
      select o.number, o.customer_name, o.payment_method, o.status, o.total, o.currency, o.created_at,
             coalesce((select sum(p.amount) from payments p where p.order_id = o.id and p.status = ${paymentReceived}), 0)::bigint as paid
      from orders o
      where o.status <> ${cancelledStatus} and ${within(sql`o.created_at`, tz, day, day)} ${andOrderChannel(channel)}
        and coalesce((select sum(p.amount) from payments p where p.order_id = o.id and p.status = ${paymentReceived}), 0) < o.total
      order by o.created_at limit 500`),
  ]);
  const methods = reconciledMethods.map((method) => {
    const e = expected.find((r) => r.m === method);
    const r = received.find((x) => x.m === method);
    const exp = Number(e?.total ?? 0);
    const rec = Number(r?.total ?? 0);
    return { method, orders: Number(e?.n ?? 0), expected: exp, received: rec, difference: rec - exp };
  });
  const refundsPaid = Number(refunded[0]?.total ?? 0);
  const sum = (k: 'expected' | 'received') => methods.reduce((n, m) => n + m[k], 0);
  return {
    day,
    channel,
    methods,
    refundsPaid,
    totals: { expected: sum('expected'), received: sum('received'), refundsPaid, difference: sum('received') - sum('expected') },
    unpaid: unpaid.map((o) => ({
      number: o.number,
      customerName: o.customer_name,
      paymentMethod: o.payment_method,
      status: o.status,
      total: Number(o.total),
      currency: o.currency,
      createdAt: new Date(o.created_at),
      ageHours: Math.max(0, Math.floor((now.getTime() - new Date(o.created_at).getTime()) / 3_600_000)),
    })),
  };
}
