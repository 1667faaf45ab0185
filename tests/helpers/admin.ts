import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Db } from '#src/db/client.ts';
import type { User, UserRole } from '#src/db/schema/index.ts';
import { createUser } from '#src/modules/accounts/index.ts';

export const TEST_PASSWORD = 'a long test password';

let seq = 0;

/** A back-office user of a role, with TEST_PASSWORD; emails are unique per call. */
export async function makeUser(db: Db, role: UserRole, input: { email?: string; language?: 'th' | 'en'; name?: string } = {}): Promise<User> {
  const n = ++seq;
  return createUser(db, {
    email: input.email ?? `${role}-${n}-${Date.now().toString(36)}@example.com`,
    name: input.name ?? `${role} ${n}`,
    password: TEST_PASSWORD,
    role,
    language: input.language ?? 'en',
  });
}

export interface AdminClient {
  cookie: string;
  csrf: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(url: string, body?: Record<string, string | string[]>, opts?: { csrf?: boolean | string; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
}

/** A form body as a browser sends it; arrays repeat their key. */
export function formBody(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) params.append(k, value);
  return params.toString();
}

export function cookieOf(res: LightMyRequestResponse, name: string): string | undefined {
  const found = res.cookies.find((c) => c.name === name);
  return found?.value;
}

/** The login form's pre-session CSRF token and cookie, as a browser gets them. */
export async function loginForm(app: FastifyInstance, cookie = ''): Promise<{ token: string; cookie: string }> {
  const page = await app.inject({ method: 'GET', url: '/admin/login', headers: cookie ? { cookie } : {} });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error(`no CSRF token on the login page (${page.statusCode})`);
  const set = cookieOf(page, 'talad_admin_login');
  return { token, cookie: set ? `talad_admin_login=${set}` : cookie };
}

export async function attemptLogin(
  app: FastifyInstance,
  email: string,
  password: string,
  opts: { ip?: string; next?: string } = {},
): Promise<LightMyRequestResponse> {
  const { token, cookie } = await loginForm(app);
  return app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: opts.ip ?? '127.0.0.1',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: formBody({ _csrf: token, email, password, next: opts.next ?? '/admin' }),
  });
}

/**
 * Signs in over real HTTP to an app listening at `base` (a child process, the bench's server), through
 * the login form as a browser does: the form's CSRF cookie and token, then the POST. The session cookie.
 */
export async function signInOverHttp(base: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${base}/admin/login`);
  const html = await page.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const loginCookie = page.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('talad_admin_login='));
  if (!token || !loginCookie) throw new Error(`no login form at ${base}/admin/login (${page.status})`);
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, email, password, next: '/admin' }).toString(),
  });
  await res.arrayBuffer();
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('talad_admin='));
  if (res.status !== 303 || !session) throw new Error(`sign-in failed: ${res.status}`);
  return session;
}

/** Signs in through the login form and returns a client carrying the session cookie and its CSRF token. */
export async function signIn(app: FastifyInstance, email: string, password = TEST_PASSWORD): Promise<AdminClient> {
  const res = await attemptLogin(app, email, password);
  const session = cookieOf(res, 'talad_admin');
  if (res.statusCode !== 303 || !session) throw new Error(`sign-in as ${email} failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const cookie = `talad_admin=${session}`;
  const page = await app.inject({ method: 'GET', url: '/admin/account', headers: { cookie } });
  const csrf = /data-csrf="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on the account page');
  return clientFor(app, cookie, csrf);
}

export function clientFor(app: FastifyInstance, cookie: string, csrf: string): AdminClient {
  return {
    cookie,
    csrf,
    get: (url, headers = {}) => app.inject({ method: 'GET', url, headers: { cookie, ...headers } }),
    post: (url, body = {}, opts = {}) => {
      const token = opts.csrf === false ? undefined : typeof opts.csrf === 'string' ? opts.csrf : csrf;
      return app.inject({
        method: 'POST',
        url,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
        payload: formBody(token === undefined ? body : { _csrf: token, ...body }),
      });
    },
  };
}

/** The message of the first alert on a page, for asserting what the user is told. */
export function alertText(html: string): string | undefined {
  const m = /class="alert alert-(?:error|ok)"[^>]*>([\s\S]*?)<\/p>/.exec(html);
  return m ? decodeEntities(m[1]!.trim()) : undefined;
}

export function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** An order placed through the JSON API (as a website would), then moved along by the workflows to `status`. */
export async function makeApiOrder(
  app: FastifyInstance,
  sku: string,
  opts: { qty?: number; status?: 'pending_payment' | 'payment_review' | 'paid' | 'confirmed' | 'packed'; customer?: { name: string; phone: string }; paymentMethod?: string } = {},
): Promise<string> {
  const body = {
    channel: 'api',
    customer: opts.customer ?? { name: 'สมหญิง ใจดี', phone: '081-234-5678' },
    lines: [{ sku, qty: opts.qty ?? 1 }],
    shippingAddress: { name: 'สมหญิง ใจดี', phone: '0812345678', address: '12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ', postcode: '10400' },
    paymentMethod: opts.paymentMethod ?? 'promptpay',
  };
  const res = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: { authorization: `Bearer ${app.deps.config.apiToken}` }, payload: body });
  if (res.statusCode !== 201) throw new Error(`order not created: ${res.statusCode} ${res.body}`);
  const number = res.json().number as string;
  const path: Record<string, string[]> = {
    pending_payment: [],
    payment_review: ['payment_review'],
    paid: ['paid'],
    confirmed: ['paid', 'confirmed'],
    packed: ['paid', 'confirmed', 'packed'],
  };
  for (const to of path[opts.status ?? 'pending_payment']!) {
    const moved = await app.inject({
      method: 'POST',
      url: `/api/v1/orders/${number}/transitions`,
      headers: { authorization: `Bearer ${app.deps.config.apiToken}` },
      payload: { to },
    });
    if (moved.statusCode !== 200) throw new Error(`could not move ${number} to ${to}: ${moved.body}`);
  }
  return number;
}

export async function apiOrder(app: FastifyInstance, number: string) {
  const res = await app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: { authorization: `Bearer ${app.deps.config.apiToken}` } });
  return res.json();
}
