import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OrderChannel, OrderStatus, UserRole } from '#src/db/schema/index.ts';
import { addressText } from '#src/lib/address.ts';
import { formatThaiPhone } from '#src/lib/phone.ts';
import { users } from '#src/db/schema/index.ts';
import { waitingCount } from '#src/modules/conversations/index.ts';
import { can, type Capability } from './auth/roles.ts';
import { actorText, eventText, moneyReasonText, stockNoteText, stockRefText, type Person } from './events.ts';
import { formatters, isMessageKey, translator, type Lang, type MessageKey, type Translate } from './i18n/index.ts';

export const LANG_COOKIE = 'talad_admin_lang';

/** The language of a request: the signed-in user's, else the one chosen on the login page, else the browser's, else the shop's. */
export function languageOf(request: FastifyRequest): Lang {
  if (request.admin) return request.admin.user.language;
  const chosen = request.cookies?.[LANG_COOKIE];
  if (chosen === 'th' || chosen === 'en') return chosen;
  const header = request.headers['accept-language'] ?? '';
  if (/^\s*th/i.test(header)) return 'th';
  if (/^\s*en/i.test(header)) return 'en';
  return request.server.deps.config.shop.locale;
}

export function isHtmx(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true';
}

/** Callers that cannot follow a redirect to a login page: scripts, the event stream, JSON clients. */
export function wantsData(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /application\/json|text\/event-stream/.test(accept) && !/text\/html/.test(accept);
}

/** Only back-office addresses are followed after sign-in: never another site, never the login page again. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 500) return '/admin';
  if (!/^\/admin(?:[/?#]|$)/.test(next) || next.startsWith('/admin/login') || /[\\\s]/.test(next)) return '/admin';
  return next;
}

/** The address of one page of a list with its filter kept: empty values left out, page 1 without a page. */
export function listPageUrl(path: string, filter: Record<string, string | number | undefined>, page: number): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') params.set(key, String(value));
  if (page > 1) params.set('page', String(page));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface ViewHelpers {
  lang: Lang;
  t: Translate;
  /** Whether a text exists, for codes that come from elsewhere (slip check reasons). */
  has: (key: string) => boolean;
  f: ReturnType<typeof formatters>;
  can: (capability: Capability) => boolean;
  status: (s: OrderStatus) => string;
  channel: (c: OrderChannel | string) => string;
  /** How an order is paid, as a person says it: "Paid on Shopee", "COD through Lazada", "Cash". */
  payment: (method: string, channel?: OrderChannel | string) => string;
  role: (r: UserRole) => string;
  phone: (p: string | null | undefined) => string;
  /** An address with its postcode once. */
  address: (a: { address: string; postcode?: string | null }) => string;
  user: { id: number; name: string; email: string; role: UserRole; mustChangePassword: boolean } | null;
  csrf: string;
  shopName: string;
  path: string;
  done: string | undefined;
  assetVersion: string;
}

const assetVersion = Date.now().toString(36);

/** What every template can use: texts in the user's language, formatters in the shop's time zone, the role's rights. */
export function helpers(request: FastifyRequest): ViewHelpers {
  const lang = languageOf(request);
  const t = translator(lang);
  const { config } = request.server.deps;
  const admin = request.admin;
  const doneKey = (request.query as Record<string, unknown> | undefined)?.done;
  const done = typeof doneKey === 'string' && isMessageKey(`done.${doneKey}`) ? t(`done.${doneKey}` as MessageKey) : undefined;
  return {
    lang,
    t,
    has: isMessageKey,
    f: formatters(lang, config.shop.timeZone),
    can: (capability) => (admin ? can(admin.user.role, capability) : false),
    status: (s) => t(`status.${s}` as MessageKey),
    channel: (c) => (isMessageKey(`channel.${c}`) ? t(`channel.${c}` as MessageKey) : c),
    payment: (method, channel) => {
      const marketplace = channel === 'shopee' || channel === 'lazada' || channel === 'tiktok';
      const name = channel && isMessageKey(`channel.${channel}`) ? t(`channel.${channel}` as MessageKey) : String(channel ?? '');
      if (marketplace && method === 'marketplace') return t('payment.paidOn', { marketplace: name });
      if (marketplace && method === 'cod') return t('payment.codThrough', { marketplace: name });
      return isMessageKey(`payment.${method}`) ? t(`payment.${method}` as MessageKey) : method;
    },
    role: (r) => t(`role.${r}` as MessageKey),
    phone: (p) => (p ? (/^66\d{8,9}$/.test(p) ? formatThaiPhone(p) : p) : t('common.none')),
    address: addressText,
    user: admin ? { id: admin.user.id, name: admin.user.name, email: admin.user.email, role: admin.user.role, mustChangePassword: admin.user.mustChangePassword } : null,
    csrf: admin?.session.csrfToken ?? '',
    shopName: config.shop.name,
    path: request.url.split('?')[0] ?? '/admin',
    done,
    assetVersion,
  };
}

export async function render(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown> = {},
  status = 200,
) {
  const h = helpers(request);
  // Actors are stored as ids ("admin:<email>"); the page names them as people, so it knows the staff.
  const people = new Map<string, Person>();
  if (request.admin) {
    for (const u of await request.server.deps.db.select({ email: users.email, name: users.name, role: users.role }).from(users)) people.set(u.email.toLowerCase(), u);
  }
  // The nav badge: customers waiting for a person, on every page of those who answer chats.
  const inboxWaiting = request.admin && h.can('inbox.use') && !data.fragment ? await waitingCount(request.server.deps.db) : 0;
  return reply.code(status).view(template, {
    ...h,
    inboxWaiting,
    actor: (actor: string) => actorText(actor, people, h),
    event: (e: Parameters<typeof eventText>[0]) => eventText(e, h),
    stockNote: (note: string | null) => stockNoteText(note, h),
    stockRef: (refType: string | null) => stockRefText(refType, h),
    moneyReason: (reason: string | null) => moneyReasonText(reason, h),
    ...data,
  });
}
