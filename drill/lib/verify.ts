/**
 * After a load against a running app: what the database and the fake LINE API must show. Shared by
 * the crash, database-restart and abuse drills.
 */
import type pg from 'pg';
import type { FakeLineApi } from '#tests/fakes/line-api.ts';
import type { Checks, DrillResult } from './common.ts';
import type { LoadCustomer, SentEvent } from './line-load.ts';

export interface Backlog {
  inbox: number;
  outbox: number;
  dead: number;
}

/** Every message the fake LINE API delivered to `userId`, by reply or push. */
export function answersTo(line: FakeLineApi, userId: string): number {
  return line.replies().filter((r) => r.userId === userId).length + line.pushes().filter((p) => p.to === userId).length;
}

export async function backlog(pool: pg.Pool): Promise<Backlog> {
  const { rows } = await pool.query<Backlog>(`
    select (select count(*) from chat_inbox where status = 'pending')::int as inbox,
           (select count(*) from outbox where status in ('pending', 'sending'))::int as outbox,
           (select count(*) from outbox where status = 'dead')::int as dead`);
  return rows[0]!;
}

/** Deliveries at the fake per event answer (outbox row reply:line:<eventId>): by its reply token or its push retry key. */
export async function answersPerEvent(pool: pg.Pool, line: FakeLineApi) {
  const { rows } = await pool.query<{ event_id: string; reply_token: string | null; retry_key: string; status: string; attempts: number }>(
    `select substr(dedupe_key, length('reply:line:') + 1) as event_id, reply_token, retry_key::text, status::text, attempts
     from outbox where dedupe_key like 'reply:line:%'`,
  );
  const byToken = new Map<string, number>();
  for (const r of line.replies()) byToken.set(r.replyToken, (byToken.get(r.replyToken) ?? 0) + 1);
  const byKey = new Map<string, number>();
  for (const p of line.pushes()) if (p.retryKey) byKey.set(p.retryKey, (byKey.get(p.retryKey) ?? 0) + 1);
  return rows.map((r) => {
    const replies = r.reply_token ? (byToken.get(r.reply_token) ?? 0) : 0;
    const pushes = byKey.get(r.retry_key) ?? 0;
    return { ...r, replies, pushes, delivered: replies + pushes };
  });
}

export async function verifyLoad(
  c: Checks,
  numbers: DrillResult['numbers'],
  pool: pg.Pool,
  line: FakeLineApi,
  customers: LoadCustomer[],
  sent: SentEvent[],
) {
  const acked = sent.filter((s) => s.acked);
  const inbox = await pool.query<{ event_id: string; status: string; attempts: number; last_error: string | null }>(
    `select event_id, status::text, attempts, last_error from chat_inbox where channel = 'line'`,
  );
  const inboxBy = new Map(inbox.rows.map((r) => [r.event_id, r]));
  c.group(
    'acknowledged events not processed',
    acked.filter((s) => inboxBy.get(s.eventId)?.status !== 'done').map((s) => `${s.kind} ${s.eventId} is ${inboxBy.get(s.eventId)?.status ?? 'missing'}`),
  );
  numbers['events retried by the app'] = inbox.rows.filter((r) => r.attempts > 1).length;

  // Orders: exactly one for each customer whose confirm was acknowledged (every step before it was, too).
  const orders = await pool.query<{ external_id: string; number: string; status: string; slips: number }>(`
    select ci.external_id, o.number, o.status::text,
           (select count(*) from payment_slips s where s.order_id = o.id)::int as slips
    from orders o join customer_identities ci on ci.customer_id = o.customer_id and ci.channel = 'line'`);
  const ordersOf = new Map<string, typeof orders.rows>();
  for (const o of orders.rows) ordersOf.set(o.external_id, [...(ordersOf.get(o.external_id) ?? []), o]);
  const wrong: string[] = [];
  let confirmedAcked = 0;
  for (const cu of customers) {
    const confirm = sent.find((s) => s.userId === cu.userId && s.kind === 'confirm');
    const expected = confirm?.acked ? 1 : 0;
    if (confirm?.acked) confirmedAcked++;
    const got = ordersOf.get(cu.userId)?.length ?? 0;
    if (got !== expected && !(expected === 0 && confirm && !confirm.acked && got <= 1)) wrong.push(`${cu.userId.slice(0, 9)}… has ${got} orders, expected ${expected}`);
  }
  numbers.orders = orders.rows.length;
  c.equal(orders.rows.length, confirmedAcked, 'orders (one per acknowledged confirm)');
  c.group('customers with a wrong number of orders', wrong);

  // Slips: read and recorded against the order.
  const slipCustomers = customers.filter((cu) => cu.slip);
  if (slipCustomers.length > 0) {
    const slipStatus = slipCustomers.map((cu) => ({ cu, order: ordersOf.get(cu.userId)?.[0], image: sent.find((s) => s.userId === cu.userId && s.kind === 'image') }));
    numbers['slips paid'] = slipStatus.filter((s) => s.order?.status === 'paid').length;
    numbers['slips in review'] = slipStatus.filter((s) => s.order?.status === 'payment_review').length;
    c.group(
      'slips acknowledged but not recorded on their order',
      slipStatus.filter((s) => s.image?.acked && (s.order?.slips ?? 0) !== 1).map((s) => `${s.cu.slip!.file}: order ${s.order?.number ?? 'missing'} has ${s.order?.slips ?? 0} slips`),
    );
  }

  // Answers: one per acknowledged event, delivered exactly once.
  const answers = await answersPerEvent(pool, line);
  const answerOf = new Map(answers.map((a) => [a.event_id, a]));
  c.group('acknowledged events never answered', acked.filter((s) => !answerOf.has(s.eventId)).map((s) => `${s.kind} ${s.eventId}`));
  const twice = answers.filter((a) => a.delivered > 1);
  c.group(
    'answers sent more than once',
    twice.map((a) => `event ${a.event_id}: ${a.replies} reply + ${a.pushes} push (attempts ${a.attempts})`),
  );
  c.group('answers never delivered', answers.filter((a) => a.delivered === 0).map((a) => `event ${a.event_id} (${a.status}, attempts ${a.attempts})`));
  numbers.answers = answers.length;
  numbers['sent twice'] = twice.length;

  const left = await backlog(pool);
  c.equal(left.inbox, 0, 'chat_inbox rows still pending');
  const stuck = answers.filter((a) => a.status === 'pending' || a.status === 'sending');
  c.group(
    'answers still pending or sending',
    stuck.map((a) =>
      a.delivered > 0
        ? `event ${a.event_id} is ${a.status} (attempts ${a.attempts}) but was already delivered ${a.delivered}× by ${a.replies ? 'reply' : 'push'}: once its lease runs out it is sent again`
        : `event ${a.event_id} is ${a.status} (attempts ${a.attempts})`,
    ),
  );
  c.equal(left.outbox - stuck.length, 0, 'other outbox rows still pending or sending');
  c.equal(left.dead, 0, 'outbox rows dead');
  const failed = inbox.rows.filter((r) => r.status === 'failed');
  c.group('chat events that failed for good', failed.map((r) => `${r.event_id}: ${r.last_error?.slice(0, 200)}`));
}
