/**
 * The chat inbox on a busy shop: 10,000 conversations and 500,000 messages seeded set-based (a few
 * statements), then a signed-in owner opens the list (newest first, waiting, unread, a name search, a
 * search by message words) and conversation pages one request at a time. Server times come from
 * Fastify's reply.elapsedTime; the SQL the pages really run is captured at the pool and EXPLAINed.
 */
import type pg from 'pg';
import type { Database } from '../../src/db/client.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { percentile } from '../load.ts';
import { captureQueries, explain, getOk, timeRequests, type Explained, type ServerTimes, type Timing } from './admin-list.ts';
import { signInOverHttp } from '../../tests/helpers/admin.ts';

export interface InboxBenchResult {
  conversations: number;
  messages: number;
  seedMs: number;
  list: Timing;
  listWaiting: Timing;
  listSearch: Timing;
  conversation: Timing;
  explains: Explained[];
  /** Every captured query on the inbox's tables reads an index (no Seq Scan on conversations or chat_messages). */
  usesIndexes: boolean;
}

const firstNames = ['สมชาย', 'สมหญิง', 'วิชัย', 'นภา', 'กมล', 'ปรีชา', 'สุนีย์', 'อรุณ', 'พิมพ์ชนก', 'ธนพล', 'กัญญา', 'ศิริพร'];
const lastNames = ['ใจดี', 'รักไทย', 'ศรีสุข', 'บุญมา', 'แสงทอง', 'วงศ์ใหญ่', 'ทองคำ', 'มั่นคง'];
const said = ['สวัสดีค่ะ', 'มีของไหมคะ', 'ส่งต่างจังหวัดได้ไหม', 'โอนแล้วนะคะ', 'ขอเลขพัสดุหน่อยค่ะ', 'เมนู', 'ขอบคุณค่ะ', 'ราคาเท่าไหร่'];
const answered = ['ยินดีต้อนรับค่ะ', 'มีสินค้าค่ะ', 'ส่งได้ทั่วประเทศค่ะ', 'ได้รับยอดแล้วค่ะ', 'พัสดุออกแล้วค่ะ', 'ขอบคุณที่สั่งซื้อค่ะ'];
const arr = (values: readonly string[]) => `array[${values.map((v) => `'${v}'`).join(', ')}]`;

/** Customers, LINE identities, conversations and their transcripts, in one transaction of set-based statements. */
export async function seedInbox(pool: pg.Pool, opts: { conversations: number; messagesEach: number }): Promise<number> {
  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select setseed(0.16)');
    await client.query(`
      create temp table bench_people on commit drop as
      select g as n,
        (${arr(firstNames)})[1 + (g % ${firstNames.length})] || ' ' || (${arr(lastNames)})[1 + ((g / ${firstNames.length}) % ${lastNames.length})] || ' ' || g as name,
        '668' || lpad(((g * 7919) % 100000000)::text, 8, '0') as phone
      from generate_series(1, ${opts.conversations}) g`);
    await client.query(`
      with made as (
        insert into customers (name, phone) select name, phone from bench_people order by n returning id, name)
      insert into customer_identities (customer_id, channel, external_id, display_name)
      select m.id, 'line', 'U' || md5('bench-inbox-' || m.id), split_part(m.name, ' ', 1) from made m`);
    await client.query(`
      insert into conversations (identity_id, channel, state, handover_until, last_message_at, unread)
      select i.id, 'line',
        (case when random() < 0.03 then 'waiting' when random() < 0.05 then 'person' else 'bot' end)::conversation_state,
        now() + interval '30 minutes', now() - (random() * interval '90 days'), (random() * 3)::int
      from customer_identities i where i.external_id like 'U%' and not exists (select 1 from conversations c where c.identity_id = i.id)`);
    await client.query(`update conversations set handover_until = null where state = 'bot'`);
    // Each conversation's messages, alternating customer and bot, spread over the days before its last activity.
    await client.query(`
      insert into chat_messages (conversation_id, direction, sender, channel, kind, text, created_at)
      select c.id,
        case when k % 2 = 0 then 'in' else 'out' end,
        case when k % 2 = 0 then 'customer' else 'bot' end,
        'line', 'text',
        case when k % 2 = 0 then (${arr(said)})[1 + ((c.id + k) % ${said.length})] else (${arr(answered)})[1 + ((c.id + k) % ${answered.length})] end,
        c.last_message_at - ((${opts.messagesEach} - k) * interval '20 minutes')
      from conversations c cross join generate_series(1, ${opts.messagesEach}) k
      order by c.id, k`);
    await client.query(`
      update conversations c set last_message_id = m.id
      from (select conversation_id, max(id) as id from chat_messages group by conversation_id) m
      where m.conversation_id = c.id`);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  await pool.query('analyze conversations; analyze chat_messages; analyze customers; analyze customer_identities');
  return performance.now() - started;
}

const seqScanOnInbox = /Seq Scan on (conversations|chat_messages)\b/;

export async function runInboxPhase(opts: {
  database: Database;
  base: string;
  appTimes: ServerTimes;
  conversations: number;
  messagesEach: number;
  requests: number;
  log: (line: string) => void;
}): Promise<InboxBenchResult> {
  const { database, log } = opts;
  const pool = database.pool;
  const seedMs = await seedInbox(pool, opts);
  const { rows: counted } = await pool.query<{ c: number; m: number }>('select (select count(*) from conversations)::int as c, (select count(*) from chat_messages)::int as m');
  log(`inbox: seeded ${counted[0]!.c} conversations and ${counted[0]!.m} messages in ${(seedMs / 1000).toFixed(1)} s`);

  const password = 'bench inbox owner password';
  const email = `bench-inbox-${process.pid}@example.com`;
  await createUser(database.db, { email, name: 'เจ้าของร้าน', password, role: 'owner', language: 'th' });
  const cookie = await signInOverHttp(opts.base, email, password);

  const { rows: ids } = await pool.query<{ id: number }>('select id from conversations order by random() limit $1', [opts.requests]);
  const n = opts.requests;
  const listUrls = Array.from({ length: n }, (_, i) => `${opts.base}/admin/inbox${i % 2 ? '?unread=1' : ''}`);
  const waitingUrls = Array.from({ length: n }, () => `${opts.base}/admin/inbox?waiting=1`);
  const searchUrls = Array.from({ length: n }, (_, i) =>
    `${opts.base}/admin/inbox?q=${encodeURIComponent(i % 2 ? lastNames[i % lastNames.length]! : `${firstNames[i % firstNames.length]} ${lastNames[0]} ${1000 + i}`)}`,
  );
  const pageUrls = ids.map((r) => `${opts.base}/admin/inbox/${r.id}`);
  for (const url of [listUrls[0]!, waitingUrls[0]!, searchUrls[0]!, pageUrls[0]!]) await getOk(url, cookie);

  const list = await timeRequests(listUrls, cookie, opts.appTimes, (body, i) => {
    if (i === 0 && !body.includes('data-conversation=')) throw new Error('the inbox list shows no conversation');
  });
  const listWaiting = await timeRequests(waitingUrls, cookie, opts.appTimes);
  const listSearch = await timeRequests(searchUrls, cookie, opts.appTimes);
  const conversation = await timeRequests(pageUrls, cookie, opts.appTimes, (body, i) => {
    if (i === 0 && !body.includes('data-message=')) throw new Error('the conversation page shows no message');
  });

  const explains: Explained[] = [];
  for (const [label, url] of [
    ['list, newest first', listUrls[0]!],
    ['list, waiting', waitingUrls[0]!],
    ['list, search by name', searchUrls[0]!],
    ['list, search by message words', `${opts.base}/admin/inbox?q=${encodeURIComponent('ส่งต่างจังหวัด')}`],
    ['conversation page', pageUrls[0]!],
  ] as const) {
    const queries = (await captureQueries(pool, () => getOk(url, cookie).then(() => undefined))).filter((q) =>
      /from (conversations|chat_messages)\b/i.test(q.text) && !/^\s*(update|insert)/i.test(q.text),
    );
    for (const q of queries) {
      const e = await explain(pool, label, q);
      explains.push({ ...e, usesIndex: /Index Scan|Index Only Scan|Bitmap Index Scan/.test(e.plan) && !seqScanOnInbox.test(e.plan) });
    }
  }
  return {
    conversations: counted[0]!.c,
    messages: counted[0]!.m,
    seedMs,
    list,
    listWaiting,
    listSearch,
    conversation,
    explains,
    usesIndexes: explains.every((e) => e.usesIndex),
  };
}

/** The inbox's lines of bench/results.md. */
export function inboxMarkdown(r: InboxBenchResult): string {
  const f = (x: number) => x.toFixed(1);
  const row = (what: string, t: Timing) => `| ${what} | ${t.requests} | ${f(t.p50Ms)} | ${f(t.p95Ms)} | ${f(t.roundTripP50Ms)} |`;
  const all = [...r.list.times, ...r.listWaiting.times, ...r.listSearch.times];
  return [
    `## Chat inbox: ${r.conversations.toLocaleString('en')} conversations, ${r.messages.toLocaleString('en')} messages (seeded in ${(r.seedMs / 1000).toFixed(1)} s)`,
    '',
    '| page (server ms) | requests | p50 | p95 | round trip p50 |',
    '|---|---|---|---|---|',
    row('list, newest first / unread', r.list),
    row('list, waiting for a person', r.listWaiting),
    row('list, search by name', r.listSearch),
    row('conversation page', r.conversation),
    `| every list request | ${all.length} | ${f(percentile(all, 0.5))} | ${f(percentile(all, 0.95))} | |`,
    '',
    `- ${r.usesIndexes ? 'OK' : 'NOT OK'}: every inbox query ${r.usesIndexes ? 'reads an index (no Seq Scan on conversations or chat_messages)' : 'does NOT read an index only'}`,
    '',
    ...r.explains.flatMap((e) => [`### EXPLAIN: ${e.label}${e.usesIndex ? '' : ' (NO INDEX)'}`, '', '```sql', e.sql.trim(), '```', '', '```', e.plan, '```', '']),
  ].join('\n');
}
