import fc from 'fast-check';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCustomers } from '#admin/queries/customers.ts';
import { withTransaction } from '#src/db/client.ts';
import { creditNotes, invoices, orders, refunds } from '#src/db/schema/index.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { lockOrder } from '#src/modules/orders/index.ts';
import { paidAmount, payDueRefund } from '#src/modules/payments/index.ts';
import { editOrder } from '#src/workflows/orders/edit-order.ts';
import { verifySlip, type SlipReadingInput } from '#src/workflows/payments/verify-slip.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';

let t: TestApp;
const db = () => t.database.db;
let ref = 0;

beforeAll(async () => {
  t = await buildTestApp();
  await makeProduct(db(), { sku: 'PROP-1', nameTh: 'น้ำพริกเผา', price: 8_950, stock: { MAIN: 100_000 } });
});
afterAll(async () => t?.close());

const people = [
  { name: 'สมใจ รักสงบ', phone: '0861230010' },
  { name: 'พิไลพร ศรีเมือง', phone: '0861230020' },
  { name: 'ณัฐวุฒิ แสงดาว', phone: '0861230030' },
];

type Action =
  | { kind: 'place'; who: number; qty: number; cod: boolean }
  | { kind: 'payFull' | 'cancel' | 'editDown' | 'payRefunds'; pick: number }
  | { kind: 'slip'; pick: number; share: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('place' as const), who: fc.nat(people.length - 1), qty: fc.integer({ min: 1, max: 4 }), cod: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('payFull' as const, 'cancel' as const, 'editDown' as const, 'payRefunds' as const), pick: fc.nat(50) }),
  // A slip for a share of what is owed: under (partial, accepted), exact, or over (review, then approved).
  fc.record({ kind: fc.constant('slip' as const), pick: fc.nat(50), share: fc.constantFrom(0.3, 1, 1.25) }),
);

const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });

async function run(a: Action, placed: string[]) {
  const target = placed.length ? placed[('pick' in a ? a.pick : 0) % placed.length]! : undefined;
  const status = async (n: string) => (await api('GET', `/api/v1/orders/${n}`)).json().status as string;
  switch (a.kind) {
    case 'place': {
      const res = await api('POST', '/api/v1/orders', {
        channel: 'api',
        customer: people[a.who],
        lines: [{ sku: 'PROP-1', qty: a.qty }],
        shippingAddress: { name: people[a.who]!.name, phone: people[a.who]!.phone, address: '9 ถนนเพชรเกษม หาดใหญ่ สงขลา', postcode: '90110' },
        paymentMethod: a.cod ? 'cod' : 'promptpay',
      });
      expect(res.statusCode).toBe(201);
      placed.push(res.json().number);
      return;
    }
    case 'payFull':
      if (target && (await status(target)) === 'pending_payment') await api('POST', `/api/v1/orders/${target}/transitions`, { to: 'paid' });
      return;
    case 'cancel':
      if (target) await api('POST', `/api/v1/orders/${target}/transitions`, { to: 'cancelled', note: 'ทดสอบ' });
      return;
    case 'editDown': {
      if (!target) return;
      const o = (await api('GET', `/api/v1/orders/${target}`)).json();
      if (!['pending_payment', 'paid', 'confirmed'].includes(o.status) || o.lines[0].qty < 2) return;
      await editOrder(db(), {
        number: target,
        lines: [{ sku: 'PROP-1', qty: o.lines[0].qty - 1 }],
        shippingFee: 0,
        discount: 0,
        shippingAddress: o.shippingAddress,
        actor: 'test',
        timeZone: t.config.shop.timeZone,
      });
      return;
    }
    case 'payRefunds':
      for (const r of await db().select().from(refunds).where(eq(refunds.status, 'due'))) {
        await withTransaction(db(), (tx) => payDueRefund(tx, r.id, { method: 'transfer', reference: `RF${r.id}` }));
      }
      return;
    case 'slip': {
      if (!target) return;
      const o = (await api('GET', `/api/v1/orders/${target}`)).json();
      if (o.status !== 'pending_payment' || o.paymentMethod === 'cod') return;
      const [row] = await db().select().from(orders).where(eq(orders.number, target));
      const owed = row!.total - (await paidAmount(db(), row!.id));
      const amount = Math.max(1, Math.round(owed * a.share));
      ref++;
      const reading: SlipReadingInput = {
        isSlip: true,
        bank: '014',
        amount,
        datetime: new Date(),
        transRef: `PROP${ref}X${Date.now()}`,
        receiver: null,
        sender: null,
        qr: { payload: `qr-${ref}`, crcValid: true },
        confidence: 0.95,
        rawText: '',
        sha256: `prop-${ref}-${Date.now()}`,
      };
      const outcome = await withTransaction(db(), async (tx) => verifySlip(tx, { order: await lockOrder(tx, target), reading, imagePath: undefined, config: t.config, now: new Date() }));
      if (outcome.verdict === 'review') await api('POST', `/api/v1/orders/${target}/transitions`, { to: 'paid' });
      return;
    }
  }
}

async function checkInvariants() {
  const day = localDate(new Date(), t.config.shop.timeZone);
  const { rows } = await db().execute<{ paid: string; refunded: string }>(sql`
    select (select coalesce(sum(amount), 0) from payments where status = 'confirmed') as paid,
           (select coalesce(sum(amount), 0) from refunds where status = 'paid') as refunded`);
  const ledger = Number(rows[0]!.paid) - Number(rows[0]!.refunded);
  // Net sales: the API and every page compute it from one module; the API equals the ledger to the satang.
  const figures = (await api('GET', `/api/v1/reports/sales?from=${day}&to=${day}`)).json();
  expect(figures.netSales.amount).toBe(ledger);
  // No order is paid with payments below its total.
  const { rows: short } = await db().execute<{ number: string }>(sql`
    select o.number from orders o
    where o.status in ('paid', 'confirmed', 'packed', 'shipped', 'delivered', 'completed') and o.payment_method <> 'cod'
      and o.total > coalesce((select sum(p.amount) from payments p where p.order_id = o.id and p.status = 'confirmed'), 0)`);
  expect(short).toEqual([]);
  // Every customer's lifetime value = what their orders brought in, net.
  const { rows: list } = await listCustomers(db(), { page: 1, perPage: 50 });
  for (const r of list) {
    const { rows: net } = await db().execute<{ n: string }>(sql`
      select coalesce((select sum(p.amount) from payments p join orders o on o.id = p.order_id where o.customer_id = ${r.customer.id} and p.status = 'confirmed'), 0)
           - coalesce((select sum(f.amount) from refunds f join orders o on o.id = f.order_id where o.customer_id = ${r.customer.id} and f.status = 'paid'), 0) as n`);
    expect(r.lifetimeValue).toBe(Number(net[0]!.n));
  }
  // A receipt less its credit notes is what the order still sells for (nothing once cancelled).
  const receipted = await db().select().from(invoices);
  for (const inv of receipted) {
    const [o] = await db().select().from(orders).where(eq(orders.id, inv.orderId));
    const credited = (await db().select().from(creditNotes).where(eq(creditNotes.invoiceId, inv.id))).reduce((s, c) => s + c.amount, 0);
    expect(inv.total - credited, o!.number).toBe(o!.status === 'cancelled' ? 0 : o!.total);
  }
}

describe('money properties', () => {
  it('keep the ledger, the figures, lifetime values and receipts in agreement over random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 14 }), async (actions) => {
        const placed: string[] = [];
        for (const a of actions) await run(a, placed);
        await checkInvariants();
      }),
      { numRuns: 8, seed: Number(process.env.MONEY_SEED ?? 18), endOnFailure: true },
    );
  });
});
