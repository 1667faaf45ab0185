/**
 * Drill 6 — security. Forged LINE and Messenger signatures and Telegram secrets are refused with 401
 * and store nothing; Meta's verification GET answers only the right token; SQL and HTML injection in search, product names, customer names and chat texts is stored
 * and shown verbatim as data (escaped in HTML), never executed; sessions cannot be replayed after
 * sign-out and state changes need the CSRF token; and every route the app registers is listed (an
 * onRoute hook added before any route exists) and shown to demand the right credentials.
 */
import diagnostics from 'node:diagnostics_channel';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'drizzle-orm';
import { makeProduct } from '#tests/helpers/factories.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn } from '#tests/helpers/admin.ts';
import { secretsOf } from '#src/logger.ts';
import { shippableStatuses } from '#src/modules/orders/index.ts';
import { lineTextEvent, lineUserId, lineWebhookRequest, signLineBody, startFakeLineApi } from '#tests/fakes/line-api.ts';
import { startFakeTelegramApi, tgTextUpdate } from '#tests/fakes/telegram-api.ts';
import { facebookWebhookRequest, fbText, psid, signFacebookBody, startFakeGraphApi, type FakeGraphApi } from '#tests/fakes/graph-api.ts';
import { apiAuth, buildDrillApp, drillConfig, timed, waitFor, type Checks, type DrillApp, type DrillOptions } from './lib/common.ts';

const TG_SECRET = 'security-drill-secret-0123456789abcdef';
const SHOP_NAME = '<script>alert("shop")</script> & Co';

export const INJECTIONS = [
  "'; drop table orders; --",
  "' OR '1'='1",
  "'); delete from products; --",
  "%' OR 1=1 --",
  "\\'; select pg_sleep(3); --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "<svg/onload=alert('x')>",
  '{{7*7}} <%= 7*7 %> ${7*7}',
];

/** Routes anyone may call, each with the reason. Anything else must demand credentials. */
export const PUBLIC_ROUTES: [RegExp, string][] = [
  [/^\/$/, 'the front door: a redirect to the back office'],
  [/^\/healthz$/, 'health check for load balancers'],
  [/^\/docs(\/.*)?$/, 'the API description (OpenAPI) and its UI'],
  [/^\/chat$/, 'the web chat page: gives a new visitor a signed cookie'],
  [/^\/chat\/assets\/.*$/, 'the web chat page’s CSS and JS'],
  [/^\/pay\/:file$/, 'payment QR: the link is signed, a wrong signature is a 404'],
  [/^\/admin\/login$/, 'the sign-in page and form (own pre-session CSRF token)'],
  [/^\/admin\/assets\/:file$/, 'the back office’s CSS, JS and icons'],
  [/^\/media\/products\/:productId\/:file$/, 'product photos: chat (LINE cards) must fetch them without a session'],
  [/^\/media\/chat\/:file$/, 'photos staff sent from the inbox: LINE fetches them; named by their content hash'],
];

type Route = { method: string; url: string };

/** A concrete URL for a route pattern. */
function concrete(url: string): string {
  return url
    .replace(':number', 'TL-10001')
    .replace(':carrier', 'flash')
    .replace(/:id\b/, '1')
    .replace(':file', 'admin.css')
    .replace(/\*$/, 'index.html')
    .replace(/:[A-Za-z]+/g, 'x');
}

function classify(route: Route): 'api' | 'webhook' | 'admin' | 'visitor' | 'public' | 'unknown' {
  if (PUBLIC_ROUTES.some(([re]) => re.test(route.url))) return 'public';
  if (route.url === '/api/v1' || route.url.startsWith('/api/v1/')) return 'api';
  if (route.url.startsWith('/webhooks/')) return 'webhook';
  if (route.url === '/admin' || route.url.startsWith('/admin/')) return 'admin';
  if (route.url.startsWith('/chat/api/')) return 'visitor';
  return 'unknown';
}

async function checkRoutes(c: Checks, app: FastifyInstance, routes: Route[], numbers: Record<string, string | number>) {
  const unique = [...new Map(routes.map((r) => [`${r.method} ${r.url}`, r])).values()].filter((r) => r.method !== 'OPTIONS');
  const classes = new Map<string, number>();
  const wrong: string[] = [];
  const call = (r: Route, headers: Record<string, string> = {}, extra: { payload?: string; remoteAddress?: string } = {}) =>
    app.inject({ method: r.method as 'GET', url: concrete(r.url), headers: { 'content-type': 'application/json', ...headers }, payload: r.method === 'GET' || r.method === 'HEAD' ? undefined : (extra.payload ?? '{}'), remoteAddress: extra.remoteAddress });
  let n = 0;
  for (const r of unique) {
    const kind = classify(r);
    classes.set(kind, (classes.get(kind) ?? 0) + 1);
    const name = `${r.method} ${r.url}`;
    const expect = (res: LightMyRequestResponse, ok: boolean, what: string) => {
      if (!ok) wrong.push(`${name} ${what}: got ${res.statusCode}${res.headers.location ? ` → ${res.headers.location}` : ''}`);
    };
    switch (kind) {
      case 'api': {
        const none = await call(r);
        expect(none, none.statusCode === 401, 'without a bearer token should be 401');
        const bad = await call(r, { authorization: 'Bearer not-a-valid-token-at-all' });
        expect(bad, bad.statusCode === 401, 'with a wrong bearer token should be 401');
        const basic = await call(r, { authorization: `Basic ${Buffer.from('owner@drill.example.com:a long drill password').toString('base64')}` });
        expect(basic, basic.statusCode === 401, 'with Basic credentials should be 401');
        break;
      }
      case 'webhook': {
        if ((r.method === 'GET' || r.method === 'HEAD') && r.url === '/webhooks/facebook') {
          // Meta's verification: without the verify token, 403 and never the challenge.
          const res = await app.inject({ method: r.method as 'GET', url: '/webhooks/facebook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=31337' });
          expect(res, res.statusCode === 403 && !res.body.includes('31337'), 'without the verify token should be 403 without the challenge');
          break;
        }
        const res = await call(r, {}, { payload: '{"destination":"x","events":[]}', remoteAddress: `10.7.0.${++n % 250}` });
        expect(res, res.statusCode === 401, 'without a signature or secret should be 401');
        break;
      }
      case 'admin': {
        for (const cookie of [undefined, 'talad_admin=forged-session-token', 'talad_admin=']) {
          const res = await call(r, cookie ? { cookie } : {});
          // A page sends the browser to sign in; anything else (HEAD, a form post) is simply refused.
          const get = r.method === 'GET';
          const ok = get ? res.statusCode === 302 && String(res.headers.location).startsWith('/admin/login') : res.statusCode === 401 || res.statusCode === 403;
          expect(res, ok, `${cookie ? `with a forged session cookie (${cookie})` : 'without a session'} should be ${get ? '302 to /admin/login' : '401'}`);
        }
        break;
      }
      case 'visitor': {
        const res = await call(r);
        expect(res, res.statusCode === 403, 'without the visitor cookie should be 403');
        break;
      }
      case 'public': {
        const res = await call(r);
        expect(res, res.statusCode < 500, 'is public and should answer without credentials');
        break;
      }
      default:
        wrong.push(`${name} is neither public (PUBLIC_ROUTES) nor under a guarded prefix (/api/v1, /webhooks, /admin, /chat/api): say which`);
    }
  }
  numbers.routes = unique.length;
  numbers['routes by guard'] = [...classes.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
  c.check(unique.length >= 20, `only ${unique.length} routes were seen: the onRoute hook missed some`);
  c.group('routes without the right guard', wrong, 12);
}

export function securityDrill(opts: DrillOptions) {
  return timed('security', opts, async (c, numbers) => {
    const line = await startFakeLineApi({ unknownProfiles: 'generate' });
    const tg = await startFakeTelegramApi();
    const graph = await startFakeGraphApi();
    // Every fastify instance is announced on this channel when it is created: the hook is in place before any route.
    const routes: Route[] = [];
    const seen = new WeakSet<object>();
    const onInit = (message: unknown) => {
      const { fastify } = message as { fastify: FastifyInstance };
      if (seen.has(fastify)) return;
      seen.add(fastify);
      fastify.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url });
      });
    };
    diagnostics.subscribe('fastify.initialization', onInit);
    let t: Awaited<ReturnType<typeof buildDrillApp>>;
    try {
      t = await buildDrillApp({
        LINE_CHANNEL_SECRET: line.channelSecret,
        LINE_CHANNEL_ACCESS_TOKEN: line.channelAccessToken,
        LINE_API_BASE_URL: line.baseUrl,
        LINE_DATA_API_BASE_URL: line.dataBaseUrl,
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
        TELEGRAM_API_ROOT: tg.apiRoot,
        FACEBOOK_APP_SECRET: graph.appSecret,
        FACEBOOK_PAGE_ACCESS_TOKEN: graph.pageAccessToken,
        FACEBOOK_VERIFY_TOKEN: graph.verifyToken,
        FACEBOOK_GRAPH_API_BASE_URL: graph.baseUrl,
        // Flash connected, so its status webhook is a live route that must refuse an unsigned push (never called out to).
        FLASH_MCH_ID: 'DRILL01',
        FLASH_SECRET_KEY: 'drill-flash-secret-key',
        FLASH_API_BASE_URL: 'http://127.0.0.1:9',
        SHOP_NAME,
      });
    } finally {
      diagnostics.unsubscribe('fastify.initialization', onInit);
    }
    try {
      const { app, database } = t;
      const pool = database.pool;
      const count = async (table: string) => (await pool.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n;
      await makeProduct(database.db, { sku: 'SEC-1', nameTh: 'สินค้าปลอดภัย', nameEn: 'Safe product', price: 10_000, stock: { MAIN: 100 } });

      // -- 1. Every route demands the right credentials.
      await checkRoutes(c, app, routes, numbers);

      // -- 2. Forged webhooks: 401, nothing stored.
      const inboxBefore = await count('chat_inbox');
      const user = lineUserId(`sec-${opts.seed}`);
      const real = lineWebhookRequest([lineTextEvent({ userId: user, text: 'เมนู' })], line.channelSecret);
      const other = lineWebhookRequest([lineTextEvent({ userId: user, text: 'cart' })], line.channelSecret);
      const validSig = real.headers['x-line-signature'];
      const lineForgeries: [string, string, Record<string, string>][] = [
        ['no signature', real.body, { 'content-type': 'application/json' }],
        ['empty signature', real.body, { 'content-type': 'application/json', 'x-line-signature': '' }],
        ['signed with another secret', real.body, { 'content-type': 'application/json', 'x-line-signature': signLineBody(real.body, 'another-channel-secret') }],
        ['signature of another body (replayed)', real.body, { 'content-type': 'application/json', 'x-line-signature': other.headers['x-line-signature'] }],
        ['body changed after signing', real.body.replace('เมนู', 'ตะกร้า'), real.headers],
        ['body with a space added', `${real.body} `, real.headers],
        ['signature in hex', real.body, { 'content-type': 'application/json', 'x-line-signature': Buffer.from(validSig, 'base64').toString('hex') }],
        ['signature cut short', real.body, { 'content-type': 'application/json', 'x-line-signature': validSig.slice(0, 20) }],
        ['signature upper-cased', real.body, { 'content-type': 'application/json', 'x-line-signature': validSig.toUpperCase() === validSig ? `${validSig}A` : validSig.toUpperCase() }],
      ];
      const refusedLine: string[] = [];
      let i = 0;
      for (const [what, body, headers] of lineForgeries) {
        const res = await app.inject({ method: 'POST', url: '/webhooks/line', payload: body, headers, remoteAddress: `10.8.0.${++i}` });
        if (res.statusCode !== 401) refusedLine.push(`${what}: ${res.statusCode}`);
      }
      c.group('forged LINE webhooks not refused with 401', refusedLine);
      // Many forgeries from one address: still refused (401, then 429), still nothing stored.
      const flood = new Map<number, number>();
      for (let k = 0; k < 40; k++) {
        const res = await app.inject({ method: 'POST', url: '/webhooks/line', payload: real.body, headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(real.body, `guess-${k}`) }, remoteAddress: '10.8.1.1' });
        flood.set(res.statusCode, (flood.get(res.statusCode) ?? 0) + 1);
      }
      c.check([...flood.keys()].every((s) => s === 401 || s === 429), `a flood of forged LINE webhooks got ${JSON.stringify(Object.fromEntries(flood))}`);
      c.check((flood.get(429) ?? 0) > 0, `40 forged LINE webhooks from one address were never limited: ${JSON.stringify(Object.fromEntries(flood))}`);
      // The signature comes before the limiter: LINE's own delivery through the same address (a proxy) is answered.
      const signedAfterFlood = lineWebhookRequest([lineTextEvent({ userId: lineUserId(`sec-proxy-${opts.seed}`), text: 'เมนู' })], line.channelSecret);
      const genuine = await app.inject({ method: 'POST', url: '/webhooks/line', payload: signedAfterFlood.body, headers: signedAfterFlood.headers, remoteAddress: '10.8.1.1' });
      c.equal(genuine.statusCode, 200, 'a signed LINE delivery from the address that sent 40 forgeries');
      await app.chat.processor.drain();
      const inboxAfterGenuine = await count('chat_inbox');
      const update = tgTextUpdate({ chatId: 730_001, text: 'menu' });
      const tgForgeries: [string, Record<string, string>][] = [
        ['no secret', {}],
        ['empty secret', { 'x-telegram-bot-api-secret-token': '' }],
        ['wrong secret', { 'x-telegram-bot-api-secret-token': 'not-the-secret' }],
        ['secret in another case', { 'x-telegram-bot-api-secret-token': TG_SECRET.toUpperCase() }],
        ['secret with a space', { 'x-telegram-bot-api-secret-token': `${TG_SECRET} ` }],
        ['secret cut short', { 'x-telegram-bot-api-secret-token': TG_SECRET.slice(0, -1) }],
        ['bot token instead of the secret', { 'x-telegram-bot-api-secret-token': tg.token }],
      ];
      const refusedTg: string[] = [];
      for (const [what, headers] of tgForgeries) {
        const res = await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: update, headers });
        if (res.statusCode !== 401) refusedTg.push(`${what}: ${res.statusCode}`);
      }
      c.group('forged Telegram webhooks not refused with 401', refusedTg);
      // The secret comes before the limiter for Telegram too: 40 wrong secrets from one address, then Telegram's own delivery from it.
      const tgFlood = new Map<number, number>();
      for (let k = 0; k < 40; k++) {
        const res = await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: update, headers: { 'x-telegram-bot-api-secret-token': `guess-${k}` }, remoteAddress: '10.8.2.1' });
        tgFlood.set(res.statusCode, (tgFlood.get(res.statusCode) ?? 0) + 1);
      }
      c.check([...tgFlood.keys()].every((s) => s === 401 || s === 429), `a flood of forged Telegram webhooks got ${JSON.stringify(Object.fromEntries(tgFlood))}`);
      const tgGenuine = await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: tgTextUpdate({ chatId: 730_003, text: 'menu' }), headers: { 'x-telegram-bot-api-secret-token': TG_SECRET }, remoteAddress: '10.8.2.1' });
      c.equal(tgGenuine.statusCode, 200, 'a Telegram delivery with the secret from the address that sent 40 forgeries');
      const fbForgeries = await forgeFacebook(c, app, graph, opts.seed);
      await t.app.chat.processor.drain();
      c.equal(await count('chat_inbox'), inboxAfterGenuine + 1, 'chat events stored from forged webhooks');
      c.equal(inboxAfterGenuine, inboxBefore + 1, 'chat events stored: the one signed LINE delivery');
      numbers['forged webhooks'] = lineForgeries.length + 40 + tgForgeries.length + 40 + fbForgeries;

      // -- 3. Sessions: no replay after sign-out, no state change without the CSRF token.
      const config = drillConfig();
      const owner = await signIn(app, config.admin.email, config.admin.password!);
      const before = await owner.get('/admin/orders');
      c.equal(before.statusCode, 200, 'the back office for a signed-in owner');
      const noCsrf = await owner.post('/admin/account/language', { language: 'en' }, { csrf: false });
      c.equal(noCsrf.statusCode, 403, 'a form posted without the CSRF token');
      const wrongCsrf = await owner.post('/admin/account/language', { language: 'en' }, { csrf: 'x'.repeat(owner.csrf.length) });
      c.equal(wrongCsrf.statusCode, 403, 'a form posted with a wrong CSRF token');
      const second = await signIn(app, config.admin.email, config.admin.password!);
      const crossCsrf = await owner.post('/admin/account/language', { language: 'en' }, { csrf: second.csrf });
      c.equal(crossCsrf.statusCode, 403, "a form posted with another session's CSRF token");
      const out = await owner.post('/admin/logout');
      c.check(out.statusCode === 303 || out.statusCode === 302, `sign-out answered ${out.statusCode}`);
      const replay = await owner.get('/admin/orders');
      c.check(replay.statusCode === 302 && String(replay.headers.location).startsWith('/admin/login'), `a session cookie replayed after sign-out got ${replay.statusCode} ${replay.headers.location ?? ''}`);
      const replayPost = await owner.post('/admin/account/language', { language: 'th' });
      c.check(replayPost.statusCode === 401 || replayPost.statusCode === 403, `a form posted with a signed-out session got ${replayPost.statusCode}`);
      c.equal((await second.get('/admin/orders')).statusCode, 200, 'the other session still works after the first signed out');

      // -- 4. Injection: stored and returned verbatim, escaped in HTML, never executed.
      const tables = ['orders', 'order_lines', 'products', 'product_variants', 'customers', 'chat_inbox', 'outbox', 'stock_levels', 'users', 'admin_sessions'];
      const productsBefore = await count('products');
      const verbatim: string[] = [];
      const numbersOf: string[] = [];
      for (const [k, payload] of INJECTIONS.entries()) {
        const created = await app.inject({ method: 'POST', url: '/api/v1/products', headers: apiAuth, payload: { sku: `INJ-${k}`, name: payload, nameEn: payload, description: payload, price: { amount: 100, currency: 'THB' }, stock: { onHand: 10 } } });
        if (created.statusCode !== 201) verbatim.push(`product named ${JSON.stringify(payload)}: ${created.statusCode} ${created.body.slice(0, 120)}`);
        const order = await app.inject({
          method: 'POST',
          url: '/api/v1/orders',
          headers: apiAuth,
          payload: {
            channel: 'api',
            customer: { name: payload, phone: '0812345678' },
            lines: [{ sku: 'SEC-1', qty: 1 }],
            shippingAddress: { name: payload, phone: '0812345678', address: `${payload} กรุงเทพฯ 10110` },
            note: payload,
          },
        });
        if (order.statusCode !== 201) {
          verbatim.push(`order for ${JSON.stringify(payload)}: ${order.statusCode} ${order.body.slice(0, 120)}`);
          continue;
        }
        const number = (order.json() as { number: string }).number;
        numbersOf.push(number);
        const got = (await app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: apiAuth })).json() as { customer: { name: string } };
        if (got.customer.name !== payload) verbatim.push(`order ${number} customer name came back as ${JSON.stringify(got.customer.name)}`);
        const search = await app.inject({ method: 'GET', url: `/api/v1/orders?q=${encodeURIComponent(payload)}&limit=200`, headers: apiAuth });
        const items = search.statusCode === 200 ? (search.json() as { items: { number: string; customer: { name: string } }[] }).items : [];
        if (search.statusCode !== 200) verbatim.push(`search for ${JSON.stringify(payload)}: ${search.statusCode} ${search.body.slice(0, 120)}`);
        else if (!items.some((o) => o.number === number)) verbatim.push(`search for ${JSON.stringify(payload)} did not find its order ${number}`);
        const strangers = items.filter((o) => !o.customer.name.toLowerCase().includes(payload.toLowerCase()) && o.number !== number);
        if (strangers.length > 0) verbatim.push(`search for ${JSON.stringify(payload)} also returned ${strangers.length} unrelated orders (the text was read as a pattern)`);
      }
      const products = (await app.inject({ method: 'GET', url: '/api/v1/products', headers: apiAuth })).json() as { items: { sku: string; name: string }[] };
      for (const [k, payload] of INJECTIONS.entries()) {
        const p = products.items.find((x) => x.sku === `INJ-${k}`);
        if (p && p.name !== payload) verbatim.push(`product INJ-${k} name came back as ${JSON.stringify(p.name)}`);
      }
      c.group('injection strings not kept verbatim', verbatim);
      c.equal((await count('products')) - productsBefore, INJECTIONS.length, 'products created from injection-named bodies');
      const missing = (await pool.query<{ t: string }>(`select t from unnest($1::text[]) t where to_regclass(t) is null`, [tables])).rows.map((r) => r.t);
      c.group('tables gone after the injection attempts', missing);
      c.equal(await count('orders'), numbersOf.length, 'orders in the database (none deleted)');

      // In the back office: escaped, never live markup.
      const staff = await signIn(app, config.admin.email, config.admin.password!);
      const unescaped: string[] = [];
      const pages: string[] = [];
      for (const [k, payload] of INJECTIONS.entries()) {
        const number = numbersOf[k];
        for (const url of [`/admin/orders?q=${encodeURIComponent(payload)}`, ...(number ? [`/admin/orders/${number}`] : [])]) {
          const res = await staff.get(url);
          pages.push(url);
          if (res.statusCode !== 200) {
            unescaped.push(`${url}: ${res.statusCode}`);
            continue;
          }
          if (/[<>]/.test(payload) && res.body.includes(payload)) unescaped.push(`${url} shows ${JSON.stringify(payload)} as live HTML`);
          if (number && url.endsWith(number) && !decodeEntities(res.body).includes(payload)) unescaped.push(`${url} does not show the customer name ${JSON.stringify(payload)}`);
        }
      }
      c.group('back-office pages with unescaped data', unescaped);

      // The web chat page escapes the shop's name; chat texts go in and come out as JSON data.
      const page = await app.inject({ method: 'GET', url: '/chat' });
      c.check(!page.body.includes(SHOP_NAME) && page.body.includes('&lt;script&gt;alert(&quot;shop&quot;)&lt;/script&gt; &amp; Co'), 'the web chat page does not escape the shop name');
      const cookie = page.cookies.find((x) => x.name === 'talad_chat');
      const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
      const chatProblems: string[] = [];
      if (cookie && csrf) {
        const headers = { cookie: `talad_chat=${cookie.value}`, 'x-csrf-token': csrf, 'content-type': 'application/json' };
        for (const payload of INJECTIONS) {
          const res = await app.inject({ method: 'POST', url: '/chat/api/messages', headers, payload: { id: randomUUID(), text: payload } });
          if (res.statusCode !== 202) chatProblems.push(`web chat message ${JSON.stringify(payload)}: ${res.statusCode}`);
        }
        const noToken = await app.inject({ method: 'POST', url: '/chat/api/messages', headers: { cookie: headers.cookie, 'content-type': 'application/json' }, payload: { id: randomUUID(), text: 'hi' } });
        c.equal(noToken.statusCode, 403, 'a web chat message without the CSRF token');
        const transcript = await app.inject({ method: 'GET', url: '/chat/api/messages', headers: { cookie: headers.cookie } });
        c.check(String(transcript.headers['content-type']).startsWith('application/json'), `the web chat transcript is served as ${transcript.headers['content-type']}`);
        const texts = (transcript.json() as { messages: { from: string; parts: { text?: string }[] }[] }).messages.filter((m) => m.from === 'me').flatMap((m) => m.parts.map((p) => p.text));
        for (const payload of INJECTIONS) if (!texts.includes(payload.trim())) chatProblems.push(`web chat transcript lost ${JSON.stringify(payload)}`);
      } else chatProblems.push('the web chat page gave no cookie or CSRF token');
      for (const payload of INJECTIONS) {
        const { body, headers } = lineWebhookRequest([lineTextEvent({ userId: user, text: payload })], line.channelSecret);
        const res = await app.inject({ method: 'POST', url: '/webhooks/line', payload: body, headers });
        if (res.statusCode !== 200) chatProblems.push(`LINE text ${JSON.stringify(payload)}: ${res.statusCode}`);
      }
      await waitFor(async () => {
        await app.chat.processor.drain();
        await app.chat.dispatcher.flush();
        return (await pool.query<{ n: number }>(`select count(*)::int as n from chat_inbox where status = 'pending'`)).rows[0]!.n === 0;
      }, 100, 100);
      const stored = await database.db.execute<{ text: string; status: string }>(sql`select payload->'message'->>'text' as text, status::text from chat_inbox where channel = 'line' and payload->'source'->>'userId' = ${user}`);
      for (const payload of INJECTIONS) {
        const row = stored.rows.find((r) => r.text === payload);
        if (!row) chatProblems.push(`LINE text ${JSON.stringify(payload)} not stored verbatim`);
        else if (row.status !== 'done') chatProblems.push(`LINE text ${JSON.stringify(payload)} is ${row.status}`);
      }
      chatProblems.push(...(await injectOverMessenger(app, database, graph, opts.seed)));
      c.group('chat texts not handled as plain data', chatProblems);
      c.group('tables gone after the chat injection attempts', (await pool.query<{ t: string }>(`select t from unnest($1::text[]) t where to_regclass(t) is null`, [tables])).rows.map((r) => r.t));
      numbers['injection strings'] = INJECTIONS.length;
      numbers['pages checked'] = pages.length + 1;
      // -- 5. Packers: the order page and every shipping document only for orders to pack and ship (404 otherwise).
      const packerUser = await makeUser(database.db, 'packer', { name: 'สมปอง แพ็คของ' });
      const packer = await signIn(app, packerUser.email);
      const byStatus: Record<string, string> = {};
      for (const status of ['pending_payment', 'payment_review', 'paid', 'confirmed', 'packed'] as const) byStatus[status] = await makeApiOrder(app, 'SEC-1', { status, customer: { name: `ลูกค้า ${status}`, phone: '0812223344' } });
      const toCancel = await makeApiOrder(app, 'SEC-1', { status: 'paid' });
      await app.inject({ method: 'POST', url: `/api/v1/orders/${toCancel}/transitions`, headers: apiAuth, payload: { to: 'cancelled' } });
      byStatus.cancelled = toCancel;
      const matrix: string[] = [];
      for (const [status, number] of Object.entries(byStatus)) {
        const expected = (shippableStatuses as readonly string[]).includes(status) ? 200 : 404;
        for (const url of [`/admin/orders/${number}`, `/admin/print/picking?orders=${number}`, `/admin/print/packing?orders=${number}`, `/admin/print/labels?orders=${number}`]) {
          const res = await packer.get(url);
          if (res.statusCode !== expected) matrix.push(`${status} ${url.split('?')[0]}: ${res.statusCode} (expected ${expected})`);
        }
        // Receipts are money: never a packer's, whatever the status (and no number is taken).
        const receipt = await packer.get(`/admin/print/invoices?orders=${number}`);
        if (receipt.statusCode !== 403) matrix.push(`${status} /admin/print/invoices: ${receipt.statusCode} (expected 403)`);
        const issue = await packer.post('/admin/print/invoices', { orders: number });
        if (issue.statusCode !== 403) matrix.push(`${status} POST /admin/print/invoices: ${issue.statusCode} (expected 403)`);
        const noted = await packer.post(`/admin/orders/${number}/notes`, { note: 'ตรวจแล้ว' });
        if (noted.statusCode !== (expected === 200 ? 303 : 404)) matrix.push(`${status} note: ${noted.statusCode}`);
      }
      c.group('packer order matrix', matrix);
      numbers['packer checks'] = Object.keys(byStatus).length * 7;

      const errors = t.logs.errors();
      c.group('errors logged by the app', errors.map((e) => `${e.msg}: ${e.err?.message?.split('\n')[0] ?? ''}`));

      // -- 6. No secret in the log, even when the channels' APIs fail (replies, pushes, profiles) and the app logs it.
      const linesBefore = t.logs.lines.length;
      line.failNext(10, 500);
      tg.failNext(10, 500);
      await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: tgTextUpdate({ chatId: 730_002, text: 'menu' }), headers: { 'x-telegram-bot-api-secret-token': TG_SECRET } });
      const signed = lineWebhookRequest([lineTextEvent({ userId: lineUserId(`sec-down-${opts.seed}`), text: 'เมนู' })], line.channelSecret);
      await app.inject({ method: 'POST', url: '/webhooks/line', payload: signed.body, headers: signed.headers });
      await app.inject({ method: 'GET', url: '/api/v1/orders', headers: { authorization: `Bearer ${t.config.apiToken}` } });
      for (let k = 0; k < 3; k++) {
        await app.chat.processor.drain();
        await app.chat.dispatcher.flush();
      }
      const logText = t.logs.text();
      c.check(t.logs.lines.length > linesBefore, 'the failing channel calls were not logged at all');
      const leaked = secretsOf(t.config).filter((s) => logText.includes(s)).map((s) => `${s.slice(0, 4)}…`);
      c.group('configured secrets written to the log', leaked);
      numbers['secrets checked in the log'] = secretsOf(t.config).length;
    } finally {
      await t.close();
      await line.close();
      await tg.close();
      await graph.close();
    }
  });
}

/** Forged Messenger and Instagram POSTs (X-Hub-Signature-256), each refused with 401; how many were tried. */
async function forgeFacebook(c: Checks, app: FastifyInstance, graph: FakeGraphApi, seed: number): Promise<number> {
  const person = psid(`sec-fb-${seed}`);
  const real = facebookWebhookRequest('page', [fbText({ from: person, text: 'เมนู' })], graph.appSecret);
  const other = facebookWebhookRequest('instagram', [fbText({ from: person, text: 'ยืนยัน' })], graph.appSecret);
  const sig = real.headers['x-hub-signature-256'];
  const hex = sig.slice('sha256='.length);
  const json = { 'content-type': 'application/json' };
  const forgeries: [string, string, Record<string, string>][] = [
    ['no signature', real.body, json],
    ['empty signature', real.body, { ...json, 'x-hub-signature-256': '' }],
    ['signed with another secret', real.body, { ...json, 'x-hub-signature-256': signFacebookBody(real.body, 'another-app-secret') }],
    ['signed with the page token', real.body, { ...json, 'x-hub-signature-256': signFacebookBody(real.body, graph.pageAccessToken) }],
    ['signature of another body (replayed)', real.body, { ...json, 'x-hub-signature-256': other.headers['x-hub-signature-256'] }],
    ['hex without sha256=', real.body, { ...json, 'x-hub-signature-256': hex }],
    ['sha1= prefix', real.body, { ...json, 'x-hub-signature-256': `sha1=${hex}` }],
    ['signature in base64', real.body, { ...json, 'x-hub-signature-256': `sha256=${Buffer.from(hex, 'hex').toString('base64')}` }],
    ['signature cut short', real.body, { ...json, 'x-hub-signature-256': sig.slice(0, 40) }],
    ['body with a space added', `${real.body} `, real.headers],
  ];
  const refused: string[] = [];
  let i = 0;
  for (const [what, body, headers] of forgeries) {
    const res = await app.inject({ method: 'POST', url: '/webhooks/facebook', payload: body, headers, remoteAddress: `10.8.2.${++i}` });
    if (res.statusCode !== 401) refused.push(`${what}: ${res.statusCode}`);
  }
  c.group('forged Messenger webhooks not refused with 401', refused);
  return forgeries.length;
}

/** The injection strings as Messenger texts: answered 200, stored verbatim, handled. */
async function injectOverMessenger(app: FastifyInstance, database: DrillApp['database'], graph: FakeGraphApi, seed: number): Promise<string[]> {
  const problems: string[] = [];
  const person = psid(`sec-fb-inject-${seed}`);
  for (const payload of INJECTIONS) {
    const res = await app.inject({ method: 'POST', url: '/webhooks/facebook', ...asInject(graph.webhookRequest('page', [fbText({ from: person, text: payload })])) });
    if (res.statusCode !== 200) problems.push(`Messenger text ${JSON.stringify(payload)}: ${res.statusCode}`);
  }
  await waitFor(async () => {
    await app.chat.processor.drain();
    return (await database.pool.query<{ n: number }>(`select count(*)::int as n from chat_inbox where status = 'pending'`)).rows[0]!.n === 0;
  }, 100, 100);
  const stored = await database.db.execute<{ text: string; status: string }>(sql`select payload->'message'->>'text' as text, status::text from chat_inbox where channel = 'facebook' and user_key = ${`facebook:${person}`}`);
  for (const payload of INJECTIONS) {
    const row = stored.rows.find((r) => r.text === payload);
    if (!row) problems.push(`Messenger text ${JSON.stringify(payload)} not stored verbatim`);
    else if (row.status !== 'done') problems.push(`Messenger text ${JSON.stringify(payload)} is ${row.status}`);
  }
  return problems;
}

const asInject = (w: { body: string; headers: Record<string, string> }) => ({ payload: w.body, headers: w.headers });
