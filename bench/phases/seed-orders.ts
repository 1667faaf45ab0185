/**
 * A shop's half year of orders in a few set-based statements: `count` orders over the last 180 days
 * for a few hundred customers (Thai and a few foreign names, phones stored as 66xxxxxxxxx), one or
 * two lines each, with a realistic spread of statuses, channels and payment methods. Random but
 * repeatable (setseed), so two runs measure the same data.
 */
import type pg from 'pg';

export interface SeededOrders {
  orders: number;
  customers: number;
  ms: number;
  /** The normalised phones of the seeded customers, for searches that find someone. */
  phones: string[];
  /** A few seeded customers' names, for a name search. */
  names: string[];
}

const firstNames = [
  'สมชาย', 'สมหญิง', 'วิชัย', 'นภา', 'กมล', 'ปรีชา', 'สุนีย์', 'อรุณ', 'พิมพ์ชนก', 'ธนพล',
  'ณัฐวุฒิ', 'กัญญา', 'ศิริพร', 'จิราพร', 'ประเสริฐ', 'วรรณา', 'อนุชา', 'มาลี', 'สุดารัตน์', 'ชัยวัฒน์',
];
const lastNames = ['ใจดี', 'รักไทย', 'ศรีสุข', 'บุญมา', 'แสงทอง', 'วงศ์ใหญ่', 'พงษ์ไพร', 'ทองคำ', 'สุขสวัสดิ์', 'เพชรรัตน์', 'มั่นคง', 'อินทร์แก้ว'];
const shops = ['ร้านป้าแดง', 'ร้านเจ๊หมวย', 'ครัวคุณยาย', 'บ้านขนมปัง', 'ร้านกาแฟริมทาง'];
const foreign = ['John Smith', 'Anna Lee', 'Kenji Tanaka', 'Maria Garcia', 'Li Wei'];
const addresses = [
  ['99/1 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพฯ', '10110'],
  ['12/3 ซอยอารีย์ พหลโยธิน แขวงสามเสนใน เขตพญาไท กรุงเทพฯ', '10400'],
  ['45 หมู่ 2 ตำบลสุเทพ อำเภอเมือง เชียงใหม่', '50200'],
  ['8/88 ถนนมิตรภาพ ตำบลในเมือง อำเภอเมือง ขอนแก่น', '40000'],
  ['201 ถนนกาญจนวณิชย์ ตำบลหาดใหญ่ อำเภอหาดใหญ่ สงขลา', '90110'],
  ['7 ซอยลาดพร้าว 101 แขวงคลองจั่น เขตบางกะปิ กรุงเทพฯ', '10240'],
];
const productNames = [
  ['กาแฟคั่วเข้ม 250 กรัม', 'Dark roast coffee 250 g', 25000],
  ['ชาไทย ใบชาแท้', 'Thai tea leaves', 12000],
  ['น้ำพริกเผา สูตรคุณยาย', 'Chilli paste', 8900],
  ['ข้าวหอมมะลิ 5 กก.', 'Jasmine rice 5 kg', 21500],
  ['สบู่สมุนไพร', 'Herbal soap', 5900],
  ['เสื้อยืดลายช้าง', 'Elephant T-shirt', 19900],
  ['กระเป๋าผ้าทอมือ', 'Hand-woven bag', 45000],
  ['มะม่วงอบแห้ง', 'Dried mango', 9900],
  ['น้ำผึ้งป่า', 'Wild honey', 32000],
  ['ยาดมสมุนไพร', 'Herbal inhaler', 3500],
  ['ผ้าขาวม้า', 'Pha khao ma cloth', 15000],
  ['ทุเรียนทอดกรอบ', 'Durian chips', 17900],
] as const;

const sqlArray = (values: readonly string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;

export async function seedOrders(pool: pg.Pool, opts: { orders: number; customers: number }): Promise<SeededOrders> {
  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select setseed(0.42)');

    // Products: one variant each; the lines copy their SKU, name and price.
    await client.query(`
      create temp table bench_variants on commit drop as
      with p as (
        insert into products (name_th, name_en)
        select (${sqlArray(productNames.map((p) => p[0]))})[g], (${sqlArray(productNames.map((p) => p[1]))})[g]
        from generate_series(1, ${productNames.length}) g
        returning id, name_th
      ), v as (
        insert into product_variants (product_id, sku, price)
        select p.id, 'SEED-' || p.id, (array[${productNames.map((p) => p[2]).join(', ')}])[row_number() over (order by p.id)]
        from p
        returning id, product_id, sku, price
      )
      select (row_number() over (order by v.id) - 1)::int as k, v.id, v.sku, p.name_th as name, v.price
      from v join p on p.id = v.product_id`);

    // Customers: mostly Thai "first last", some shops, a few foreign names; mobiles 66 + 6/8/9 + 8 digits.
    await client.query(`
      create temp table bench_customers on commit drop as
      with c as (
        insert into customers (name, phone, language, created_at)
        select case
                 when g % 23 = 0 then (${sqlArray(foreign)})[1 + g % ${foreign.length}]
                 when g % 11 = 0 then (${sqlArray(shops)})[1 + g % ${shops.length}] || ' ' || g
                 else (${sqlArray(firstNames)})[1 + g % ${firstNames.length}] || ' ' || (${sqlArray(lastNames)})[1 + (g * 7) % ${lastNames.length}]
               end,
               '66' || (array['8', '9', '6'])[1 + g % 3] || lpad(((g * 7919 + 1234567) % 100000000)::text, 8, '0'),
               case when g % 23 = 0 then 'en'::language else 'th'::language end,
               now() - interval '200 days' + g * interval '10 minutes'
        from generate_series(1, ${opts.customers}) g
        returning id, name, phone
      )
      select (row_number() over (order by id) - 1)::int as k, id, name, phone from c`);

    // The spread: a few customers order a lot (random()^1.5), statuses and channels by share.
    await client.query(`
      create temp table bench_gen on commit drop as
      select row_number() over (order by created_at)::int as seq, x.*,
             v1.id as v1_id, v1.sku as v1_sku, v1.name as v1_name, v1.price as v1_price,
             v2.id as v2_id, v2.sku as v2_sku, v2.name as v2_name, v2.price as v2_price,
             v1.price * q1 + case when two_lines then v2.price * q2 else 0 end as subtotal
      from (
        select g,
               now() - random() * interval '180 days' as created_at,
               floor(${opts.customers} * power(random(), 1.5))::int as ck,
               random() as rs, random() as rc, random() as rp,
               floor(random() * ${productNames.length})::int as k1,
               floor(random() * ${productNames.length})::int as k2,
               1 + floor(power(random(), 3) * 4)::int as q1,
               1 + floor(power(random(), 3) * 3)::int as q2,
               random() < 0.35 as two_lines,
               floor(random() * ${addresses.length})::int as ak
        from generate_series(1, ${opts.orders}) g
      ) x
      join bench_variants v1 on v1.k = x.k1
      join bench_variants v2 on v2.k = (x.k2 + case when x.k2 = x.k1 then 1 else 0 end) % ${productNames.length}`);

    const { rows: bases } = await client.query<{ id_base: number; number_base: string }>(
      `select coalesce(max(id), 0)::int as id_base, coalesce((select next_value from document_counters where series = 'order'), 10001)::text as number_base from orders`,
    );
    const idBase = bases[0]!.id_base;
    const numberBase = Number(bases[0]!.number_base);

    await client.query(`
      insert into orders (id, number, channel, customer_id, status, payment_method, currency, subtotal, shipping_fee, discount, total,
                          shipping_address, customer_name, customer_phone, created_at, updated_at)
      select ${idBase} + gen.seq, 'TL-' || (${numberBase} + gen.seq),
             (case when rc < 0.40 then 'line' when rc < 0.52 then 'telegram' when rc < 0.60 then 'webchat' when rc < 0.70 then 'manual'
                   when rc < 0.82 then 'shopee' when rc < 0.90 then 'lazada' when rc < 0.97 then 'tiktok' else 'api' end)::order_channel,
             c.id,
             (case when rs < 0.12 then 'pending_payment' when rs < 0.14 then 'payment_review' when rs < 0.19 then 'paid'
                   when rs < 0.29 then 'confirmed' when rs < 0.33 then 'packed' when rs < 0.41 then 'shipped'
                   when rs < 0.53 then 'delivered' when rs < 0.88 then 'completed' else 'cancelled' end)::order_status,
             (case when rp < 0.2 then 'cod' when rp < 0.4 then 'transfer' else 'promptpay' end)::payment_method,
             'THB', gen.subtotal, case when gen.subtotal >= 100000 then 0 else 4000 end, 0,
             gen.subtotal + case when gen.subtotal >= 100000 then 0 else 4000 end,
             jsonb_build_object('name', c.name, 'phone', '0' || substr(c.phone, 3),
                                'address', (${sqlArray(addresses.map((a) => a[0]!))})[1 + gen.ak],
                                'postcode', (${sqlArray(addresses.map((a) => a[1]!))})[1 + gen.ak]),
             c.name, c.phone, gen.created_at, gen.created_at
      from bench_gen gen join bench_customers c on c.k = gen.ck`);
    // The order counter (src/db/series.ts) moves past the seeded numbers, as if each had been taken from it.
    await client.query(
      `insert into document_counters (series, next_value) values ('order', $1) on conflict (series) do update set next_value = excluded.next_value`,
      [numberBase + opts.orders + 1],
    );
    await client.query(`select setval(pg_get_serial_sequence('orders', 'id'), (select max(id) from orders))`);

    await client.query(`
      insert into order_lines (order_id, variant_id, sku, name, unit_price, qty, line_total)
      select ${idBase} + seq, v1_id, v1_sku, v1_name, v1_price, q1, v1_price * q1 from bench_gen
      union all
      select ${idBase} + seq, v2_id, v2_sku, v2_name, v2_price, q2, v2_price * q2 from bench_gen where two_lines`);

    const { rows: people } = await client.query<{ phone: string; name: string }>(
      `select c.phone, c.name from bench_customers c where exists (select 1 from bench_gen g where g.ck = c.k) order by c.k`,
    );
    await client.query('commit');
    // What autovacuum does on a live shop soon after: statistics and the visibility map.
    await client.query('vacuum analyze orders');
    await client.query('vacuum analyze order_lines');
    await client.query('vacuum analyze customers');
    return {
      orders: opts.orders,
      customers: opts.customers,
      ms: performance.now() - started,
      phones: people.map((p) => p.phone),
      names: people.map((p) => p.name),
    };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
