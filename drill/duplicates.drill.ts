/**
 * Drill 1 — duplicates. Signed LINE webhooks from many customers, each holding a real conversation,
 * delivered out of order (each customer's own messages stay in order) with 20% redelivered (same
 * webhookEventId, isRedelivery) at random later moments, some in the same batch as other events.
 * Afterwards every event must have been processed once, answered once, and have changed the cart or
 * placed the order exactly once.
 */
import { sql } from 'drizzle-orm';
import type { webhook } from '@line/bot-sdk';
import { makeProduct } from '#tests/helpers/factories.ts';
import { asLineRedelivery, lineWebhookRequest, startFakeLineApi } from '#tests/fakes/line-api.ts';
import { FAKE_INSTAGRAM_ID, FAKE_PAGE_ID, fbText, psid, startFakeGraphApi, type MessagingItemInput } from '#tests/fakes/graph-api.ts';
import { buildDrillApp, createRandom, perSec, timed, waitFor, type Checks, type DrillApp, type DrillOptions, type DrillResult, type Random } from './lib/common.ts';
import { DRILL_PRODUCTS, describe, eventsOf, interleave, makeCustomer, sameLines, type Customer } from './lib/conversation.ts';
import { facebookEnv, lineEnv } from '../tests/helpers/chat.ts';

interface Delivery {
  events: webhook.Event[];
  /** Original (not redelivered) events in this request, whose customer's next message must wait for it. */
  users: string[];
}

export function duplicatesDrill(opts: DrillOptions) {
  return timed('duplicates', opts, async (c, numbers) => {
    const total = opts.short ? 300 : 2000;
    const unique = Math.round(total * 0.8);
    const redeliveries = total - unique;
    const users = opts.short ? 30 : 100;
    const random = createRandom(opts.seed);
    const line = await startFakeLineApi({ unknownProfiles: 'generate' });
    const graph = await startFakeGraphApi();
    const t = await buildDrillApp({
      ...lineEnv(line),
      ...facebookEnv(graph),
    });
    try {
      const db = t.database.db;
      for (const p of DRILL_PRODUCTS) await makeProduct(db, { ...p, stock: { MAIN: 1_000_000 } });

      // Conversations: `unique` messages shared out among the customers, each at least 4 long.
      const lengths = Array.from({ length: users }, () => Math.floor(unique / users));
      for (let i = 0; i < unique - lengths.reduce((a, b) => a + b, 0); i++) lengths[i % users]!++;
      const customers: Customer[] = lengths.map((n, i) => makeCustomer(random, `dup-${opts.seed}-${i}`, n));
      const perUser = customers.map((cu) => eventsOf(cu));
      const originals = interleave(random, perUser);

      // Redeliveries at random later positions.
      type Item = { event: webhook.Event; redelivery: boolean };
      const sequence: Item[] = originals.map((event) => ({ event, redelivery: false }));
      for (let i = 0; i < redeliveries; i++) {
        const at = random.int(0, originals.length - 1);
        const original = originals[at]!;
        const position = sequence.findIndex((s) => s.event === original);
        const later = random.int(position + 1, sequence.length);
        sequence.splice(later, 0, { event: asLineRedelivery(original), redelivery: true });
      }

      // Requests: mostly one event each, some batches of 2-4 events of different customers (as LINE sends).
      const deliveries: Delivery[] = [];
      for (let i = 0; i < sequence.length; ) {
        const size = random.chance(0.2) ? random.int(2, 4) : 1;
        const batch: Item[] = [];
        const seen = new Set<string>();
        while (batch.length < size && i < sequence.length) {
          const item = sequence[i]!;
          const user = (item.event.source as { userId: string }).userId;
          if (seen.has(user)) break;
          seen.add(user);
          batch.push(item);
          i++;
        }
        deliveries.push({ events: batch.map((b) => b.event), users: batch.filter((b) => !b.redelivery).map((b) => (b.event.source as { userId: string }).userId) });
      }

      // Send with 8 requests in flight; a customer's next message waits for the answer to the previous one.
      const statuses = new Map<number, number>();
      const lastOf = new Map<string, Promise<unknown>>();
      const inFlight = new Set<Promise<unknown>>();
      const started = performance.now();
      for (const d of deliveries) {
        while (inFlight.size >= 8) await Promise.race(inFlight);
        const before = d.users.map((u) => lastOf.get(u));
        const p = (async () => {
          await Promise.all(before);
          const { body, headers } = lineWebhookRequest(d.events, line.channelSecret);
          const res = await t.app.inject({ method: 'POST', url: '/webhooks/line', payload: body, headers });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        })();
        for (const u of d.users) lastOf.set(u, p);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await Promise.all(inFlight);
      const ackMs = performance.now() - started;

      // Let the app catch up: every event processed and every answer sent.
      const pending = async () => {
        const { rows } = await t.database.pool.query<{ inbox: number; outbox: number }>(
          `select (select count(*) from chat_inbox where status = 'pending')::int as inbox,
                  (select count(*) from outbox where status in ('pending', 'sending'))::int as outbox`,
        );
        return rows[0]!;
      };
      const drained = await waitFor(async () => {
        await t.app.chat.processor.drain();
        await t.app.chat.dispatcher.flush();
        const p = await pending();
        return p.inbox === 0 && p.outbox === 0;
      }, 600, 100);
      const doneMs = performance.now() - started;
      const left = await pending();
      c.check(drained, `the app did not catch up: ${left.inbox} events still pending, ${left.outbox} messages unsent`);

      numbers.events = total;
      numbers.unique = unique;
      numbers.redelivered = redeliveries;
      numbers.requests = deliveries.length;
      numbers.customers = users;
      numbers['acked/s'] = perSec(total, ackMs);
      numbers['processed/s'] = perSec(unique, doneMs);

      c.equal(statuses.get(200) ?? 0, deliveries.length, `webhooks answered 200 (statuses ${JSON.stringify(Object.fromEntries(statuses))})`);

      // 1. Each unique event stored and processed once.
      const inbox = await t.database.pool.query<{ status: string; n: number }>(`select status::text, count(*)::int as n from chat_inbox group by status`);
      const byStatus = Object.fromEntries(inbox.rows.map((r) => [r.status, r.n]));
      const rows = inbox.rows.reduce((n, r) => n + r.n, 0);
      numbers['inbox rows'] = rows;
      c.equal(rows, unique, 'chat_inbox rows (one per unique webhookEventId)');
      c.equal(byStatus.done ?? 0, unique, `chat_inbox rows done (${JSON.stringify(byStatus)})`);
      const retried = await t.database.pool.query<{ n: number }>(`select count(*)::int as n from chat_inbox where attempts > 1 or last_error is not null`);
      c.equal(retried.rows[0]!.n, 0, 'events that needed more than one attempt');

      // 2. Exactly one answer per unique event, by reply or push, and one per customer's message.
      const outbox = await t.database.pool.query<{ dedupe_key: string; reply_token: string | null; retry_key: string; status: string; recipient: string }>(
        `select dedupe_key, reply_token, retry_key::text, status::text, recipient from outbox where dedupe_key like 'reply:line:%'`,
      );
      numbers['answers queued'] = outbox.rows.length;
      c.equal(outbox.rows.length, unique, 'answers queued (one outbox row per unique event)');
      c.group('answers not sent', outbox.rows.filter((r) => r.status !== 'sent').map((r) => `${r.dedupe_key} ${r.status}`));
      const replies = line.replies();
      const pushes = line.pushes();
      const byToken = new Map<string, number>();
      for (const r of replies) byToken.set(r.replyToken, (byToken.get(r.replyToken) ?? 0) + 1);
      const byRetryKey = new Map<string, number>();
      for (const p of pushes) if (p.retryKey) byRetryKey.set(p.retryKey, (byRetryKey.get(p.retryKey) ?? 0) + 1);
      const wrongCount = outbox.rows.flatMap((r) => {
        const n = (r.reply_token ? (byToken.get(r.reply_token) ?? 0) : 0) + (byRetryKey.get(r.retry_key) ?? 0);
        return n === 1 ? [] : [`${r.dedupe_key} delivered ${n} times`];
      });
      c.group('answers not delivered exactly once', wrongCount);
      numbers.replies = replies.length;
      numbers.pushes = pushes.length;
      const perCustomer = customers.flatMap((cu) => {
        const got = replies.filter((r) => r.userId === cu.userId).length + pushes.filter((p) => p.to === cu.userId).length;
        return got === cu.steps.length ? [] : [`${cu.userId.slice(0, 9)}… sent ${cu.steps.length} messages, got ${got} answers`];
      });
      c.group('customers whose answers ≠ their messages', perCustomer);

      // 3. One order per customer who confirmed, holding what they asked for; carts never doubled.
      const orderRows = await t.database.pool.query<{ external_id: string; number: string; lines: { sku: string; qty: number }[] }>(`
        select ci.external_id, o.number,
               coalesce((select json_agg(json_build_object('sku', l.sku, 'qty', l.qty)) from order_lines l where l.order_id = o.id), '[]') as lines
        from orders o join customer_identities ci on ci.customer_id = o.customer_id and ci.channel = 'line'`);
      const cartRows = await t.database.pool.query<{ external_id: string; sku: string; qty: number }>(`
        select ci.external_id, v.sku, c.qty from cart_items c
        join customer_identities ci on ci.id = c.identity_id join product_variants v on v.id = c.variant_id`);
      const ordersOf = new Map<string, { number: string; lines: { sku: string; qty: number }[] }[]>();
      for (const r of orderRows.rows) ordersOf.set(r.external_id, [...(ordersOf.get(r.external_id) ?? []), r]);
      const cartOf = new Map<string, Map<string, number>>();
      for (const r of cartRows.rows) {
        const m = cartOf.get(r.external_id) ?? new Map<string, number>();
        m.set(r.sku, r.qty);
        cartOf.set(r.external_id, m);
      }
      const orderProblems: string[] = [];
      const cartProblems: string[] = [];
      for (const cu of customers) {
        const got = ordersOf.get(cu.userId) ?? [];
        if (got.length !== (cu.confirms ? 1 : 0)) orderProblems.push(`${cu.userId.slice(0, 9)}… has ${got.length} orders, expected ${cu.confirms ? 1 : 0}`);
        else if (cu.confirms) {
          const lines = new Map(got[0]!.lines.map((l) => [l.sku, l.qty]));
          if (!sameLines(lines, cu.expectedOrder)) orderProblems.push(`${got[0]!.number}: ${describe(lines)}, asked for ${describe(cu.expectedOrder)}`);
        }
        const cart = cartOf.get(cu.userId) ?? new Map<string, number>();
        if (!sameLines(cart, cu.expectedCart)) cartProblems.push(`${cu.userId.slice(0, 9)}… cart ${describe(cart)}, asked for ${describe(cu.expectedCart)}`);
      }
      numbers.orders = orderRows.rows.length;
      numbers['expected orders'] = customers.filter((cu) => cu.confirms).length;
      c.group('orders wrong (missing, doubled or with other lines)', orderProblems);
      c.group('carts not what the customers asked for', cartProblems);
      const errors = t.logs.errors();
      c.group('errors logged by the app', errors.map((e) => `${e.msg}: ${e.err?.message ?? ''}`));
      const dupAcks = await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from chat_inbox where payload->'deliveryContext'->>'isRedelivery' = 'true'`);
      numbers['stored as redelivery'] = dupAcks.rows[0]!.n;

      await messengerDuplicates(t, graph, c, numbers, random, opts);
    } finally {
      await t.close();
      await line.close();
      await graph.close();
    }
  });
}

/**
 * The same over Messenger and Instagram: signed POSTs, each customer's messages in order, 20% of the
 * items posted again later (same mid, as Meta redelivers), some POSTs carrying several people's items
 * as separate entries. Every message stored and processed once, answered once, orders as asked.
 */
async function messengerDuplicates(t: DrillApp, graph: Awaited<ReturnType<typeof startFakeGraphApi>>, c: Checks, numbers: DrillResult['numbers'], random: Random, opts: DrillOptions) {
  const people = opts.short ? 8 : 24;
  const perPerson = opts.short ? 7 : 9;
  const customers = Array.from({ length: people }, (_, i) => {
    const cu = makeCustomer(random, `fb-dup-${opts.seed}-${i}`, perPerson);
    return { ...cu, userId: psid(`fb-dup-${opts.seed}-${i}`), object: (i % 2 === 0 ? 'page' : 'instagram') as 'page' | 'instagram' };
  });
  const started = Date.now() - 60_000;
  const items = interleave(
    random,
    customers.map((cu) => cu.steps.map((s, i) => ({ object: cu.object, item: fbText({ from: cu.userId, to: cu.object === 'page' ? FAKE_PAGE_ID : FAKE_INSTAGRAM_ID, text: s.text, timestamp: started + i }) }))),
  );
  const unique = items.length;
  const sequence = [...items];
  for (let i = 0; i < Math.round(unique * 0.2); i++) {
    const original = items[random.int(0, items.length - 1)]!;
    sequence.splice(random.int(sequence.indexOf(original) + 1, sequence.length), 0, original);
  }
  // POSTs of one object: mostly one item, some with 2-3 people's items as separate entries.
  const posts: { object: 'page' | 'instagram'; entries: MessagingItemInput[][] }[] = [];
  for (let i = 0; i < sequence.length; ) {
    const first = sequence[i++]!;
    const post = { object: first.object, entries: [[first.item]] };
    const senders = new Set([first.item.sender.id]);
    while (random.chance(0.3) && i < sequence.length && sequence[i]!.object === first.object && !senders.has(sequence[i]!.item.sender.id) && post.entries.length < 3) {
      senders.add(sequence[i]!.item.sender.id);
      post.entries.push([sequence[i++]!.item]);
    }
    posts.push(post);
  }
  const statuses = new Map<number, number>();
  for (const post of posts) {
    const { body, headers } = graph.webhookRequest(post.object, post.entries);
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/facebook', payload: body, headers });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  }
  const pool = t.database.pool;
  const caughtUp = await waitFor(async () => {
    await t.app.chat.processor.drain();
    await t.app.chat.dispatcher.flush();
    const { rows } = await pool.query<{ n: number }>(
      `select (select count(*) from chat_inbox where status = 'pending' and channel in ('facebook', 'instagram'))::int
            + (select count(*) from outbox where status in ('pending', 'sending') and channel in ('facebook', 'instagram'))::int as n`,
    );
    return rows[0]!.n === 0;
  }, 600, 100);
  c.check(caughtUp, 'Messenger: the app did not catch up with the stored events and their answers');
  numbers['messenger events'] = sequence.length;
  numbers['messenger unique'] = unique;
  c.equal(statuses.get(200) ?? 0, posts.length, `Messenger webhooks answered 200 (statuses ${JSON.stringify(Object.fromEntries(statuses))})`);

  const inbox = await pool.query<{ rows: number; done: number; retried: number }>(
    `select count(*)::int as rows, count(*) filter (where status = 'done')::int as done, count(*) filter (where attempts > 1 or last_error is not null)::int as retried
     from chat_inbox where channel in ('facebook', 'instagram')`,
  );
  c.equal(inbox.rows[0]!.rows, unique, 'Messenger chat_inbox rows (one per unique mid)');
  c.equal(inbox.rows[0]!.done, unique, 'Messenger chat_inbox rows done');
  c.equal(inbox.rows[0]!.retried, 0, 'Messenger events that needed more than one attempt');
  const answers = await pool.query<{ recipient: string; status: string; attempts: number }>(
    `select recipient, status::text, attempts from outbox where dedupe_key like 'reply:facebook:%' or dedupe_key like 'reply:instagram:%'`,
  );
  c.equal(answers.rows.length, unique, 'Messenger answers queued (one per unique mid)');
  c.group('Messenger answers not sent exactly once', answers.rows.filter((r) => r.status !== 'sent' || r.attempts !== 1).map((r) => `${r.recipient} ${r.status} after ${r.attempts}`));
  c.group('Send API calls Meta refused', graph.calls.filter((x) => x.path.endsWith('/me/messages') && x.status !== 200).map((x) => `${x.status} ${JSON.stringify(x.response).slice(0, 120)}`));
  const perCustomer = customers.flatMap((cu) => {
    const got = answers.rows.filter((r) => r.recipient === cu.userId).length;
    return got === cu.steps.length ? [] : [`${cu.userId} sent ${cu.steps.length} messages, got ${got} answers`];
  });
  c.group('Messenger customers whose answers ≠ their messages', perCustomer);
  const orderRows = await pool.query<{ external_id: string; lines: { sku: string; qty: number }[] }>(`
    select ci.external_id, coalesce((select json_agg(json_build_object('sku', l.sku, 'qty', l.qty)) from order_lines l where l.order_id = o.id), '[]') as lines
    from orders o join customer_identities ci on ci.customer_id = o.customer_id and ci.channel in ('facebook', 'instagram')`);
  const problems = customers.flatMap((cu) => {
    const got = orderRows.rows.filter((r) => r.external_id === cu.userId);
    if (got.length !== (cu.confirms ? 1 : 0)) return [`${cu.userId} has ${got.length} orders, expected ${cu.confirms ? 1 : 0}`];
    const lines = new Map((got[0]?.lines ?? []).map((l) => [l.sku, l.qty]));
    return cu.confirms && !sameLines(lines, cu.expectedOrder) ? [`${cu.userId}: ${describe(lines)}, asked for ${describe(cu.expectedOrder)}`] : [];
  });
  numbers['messenger orders'] = orderRows.rows.length;
  c.group('Messenger orders wrong (missing, doubled or with other lines)', problems);
}
