import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PaymentMethod } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { normalizeThaiPhone } from '#src/lib/phone.ts';
import { findSellableByCode, findSellablesBySku, searchSellables, variantName } from '#src/modules/catalog/index.ts';
import { searchCustomers } from '#src/modules/customers/index.ts';
import { shippingFeeForSkus } from '#src/modules/shipping/index.ts';
import { enterOrder, orderSources } from '#src/workflows/orders/enter-order.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { baht, list, optional, parseForm, type FieldErrors } from '../forms.ts';
import type { Translate } from '../i18n/index.ts';
import { helpers, isHtmx, render } from '../view.ts';

/** How a typed-in order is paid: a slip, cash (a walk-in paid on the spot), or cash on delivery; never a marketplace's. */
const enteredPaymentMethods = ['promptpay', 'transfer', 'cash', 'cod'] as const satisfies readonly PaymentMethod[];

const MAX_LINES = 100;
const MAX_QTY = 10_000;

/** The cart as the form carries it: parallel lists of SKUs and quantities, plus the money fields as typed. */
const cartBody = z.object({
  sku: list(z.string().trim().min(1).max(64)),
  qty: list(z.string().trim().max(10)),
  code: optional(z.string().trim().max(64)),
  remove: optional(z.string().trim().max(64)),
  shippingFee: optional(z.string().max(20)),
  feeSuggested: optional(z.string().max(20)),
  discount: optional(z.string().max(20)),
  pickup: optional(z.string()),
});

const orderBody = z.object({
  formToken: z.uuid(),
  customerId: optional(z.coerce.number().int().positive().max(2_147_483_647)),
  newName: optional(z.string().trim().max(200)),
  newPhone: optional(z.string().trim().max(30)),
  source: z.enum(orderSources),
  pickup: optional(z.literal('1')),
  shipName: optional(z.string().trim().max(200)),
  shipPhone: optional(z.string().trim().max(30)),
  shipAddress: optional(z.string().trim().max(1000)),
  shipPostcode: optional(z.string().trim().regex(/^\d{5}$/, 'orderEntry.error.postcode')),
  paymentMethod: z.enum(enteredPaymentMethods),
  shippingFee: optional(baht(100_000)),
  discount: optional(baht(10_000_000)),
  note: optional(z.string().trim().max(1000)),
  paidNow: optional(z.literal('1')),
  sendPayment: optional(z.literal('1')),
});

interface CartLine {
  sku: string;
  name: string;
  qty: number;
  qtyText: string;
  unitPrice: number;
  lineTotal: number;
  known: boolean;
  error?: string | undefined;
}

interface Cart {
  lines: CartLine[];
  subtotal: number;
  shippingFee: string;
  feeSuggested: number;
  discount: string;
  total: number | undefined;
  message?: string | undefined;
  messageKind?: 'ok' | 'error';
}

const toBaht = (satang: number) => (satang / 100).toFixed(2);
const parseBaht = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const r = baht(10_000_000).safeParse(s);
  return r.success ? r.data : undefined;
};

/** Orders typed in by staff: phone, walk-in, Facebook or Instagram chats. */
export const orderEntryRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const edit = { roles: allowed('orders.edit') };

  /**
   * Rebuilds the cart from what the form sent: quantities as typed (a bad one is flagged, not dropped),
   * the scanned code added (or its line incremented), a line removed; prices from the catalog; the
   * shipping fee follows the shop's rule until staff type their own.
   */
  async function buildCart(raw: unknown, t: Translate, lang: 'th' | 'en', lineErrors: Record<string, string> = {}): Promise<Cart> {
    const parsed = cartBody.safeParse(raw ?? {});
    const body = parsed.success ? parsed.data : { sku: [], qty: [], code: undefined, remove: undefined, shippingFee: undefined, feeSuggested: undefined, discount: undefined, pickup: undefined };
    let message: string | undefined;
    let messageKind: 'ok' | 'error' = 'ok';
    const entries: { sku: string; qtyText: string }[] = body.sku.slice(0, MAX_LINES).map((sku, i) => ({ sku, qtyText: body.qty[i] ?? '1' }));
    if (body.remove) {
      const i = entries.findIndex((e) => e.sku.toLowerCase() === body.remove!.toLowerCase());
      if (i >= 0) entries.splice(i, 1);
    }
    if (body.code) {
      const found = await findSellableByCode(db, body.code);
      if (!found) {
        message = t('orderEntry.scan.unknown', { code: body.code });
        messageKind = 'error';
      } else if (!found.active) {
        message = t('orderEntry.scan.inactive', { code: found.sku });
        messageKind = 'error';
      } else {
        const existing = entries.find((e) => e.sku.toLowerCase() === found.sku.toLowerCase());
        if (existing) {
          const n = Number(existing.qtyText);
          existing.qtyText = String(Number.isInteger(n) && n > 0 ? n + 1 : 1);
        } else if (entries.length < MAX_LINES) {
          entries.push({ sku: found.sku, qtyText: '1' });
        }
        message = t('orderEntry.scan.added', { name: variantName(found, lang) });
      }
    }
    const sellables = await findSellablesBySku(db, entries.map((e) => e.sku));
    const lines: CartLine[] = entries.map((e) => {
      const s = sellables.get(e.sku.toLowerCase());
      const qty = /^\d+$/.test(e.qtyText) ? Number(e.qtyText) : NaN;
      const qtyOk = Number.isInteger(qty) && qty > 0 && qty <= MAX_QTY;
      const error = !s ? t('orderEntry.error.unknownSku', { code: e.sku }) : !qtyOk ? t('orderEntry.error.qty') : lineErrors[e.sku.toLowerCase()];
      const price = s?.price ?? 0;
      return { sku: s?.sku ?? e.sku, name: s ? variantName(s, lang) : e.sku, qty: qtyOk ? qty : 0, qtyText: e.qtyText, unitPrice: price, lineTotal: qtyOk ? price * qty : 0, known: Boolean(s), error };
    });
    const subtotal = lines.reduce((n, l) => n + l.lineTotal, 0);
    const valid = lines.filter((l) => l.known && l.qty > 0);
    const feeSuggested = body.pickup === '1' ? 0 : await shippingFeeForSkus(db, valid.map((l) => ({ sku: l.sku, qty: l.qty })), config.shop.shipping);
    // The typed fee is kept unless it is empty or still the previous suggestion.
    const typedFee = body.shippingFee;
    const previous = parseBaht(body.feeSuggested);
    const followRule = typedFee === undefined || (previous !== undefined && parseBaht(typedFee) === previous);
    const shippingFee = followRule ? toBaht(feeSuggested) : typedFee!;
    const discount = body.discount ?? '';
    const fee = parseBaht(shippingFee);
    const disc = discount === '' ? 0 : parseBaht(discount);
    const total = fee !== undefined && disc !== undefined ? subtotal + fee - disc : undefined;
    return { lines, subtotal, shippingFee, feeSuggested, discount, total, message, messageKind };
  }

  async function showForm(request: FastifyRequest, reply: FastifyReply, data: { values: Record<string, string>; errors: FieldErrors; cart: Cart; customer?: unknown }, status = 200) {
    return render(request, reply, 'order-entry/new', {
      sources: orderSources,
      methods: enteredPaymentMethods,
      currency: config.shop.currency,
      promptPay: Boolean(config.promptPayId),
      ...data,
    }, status);
  }

  app.get('/orders/new', { config: edit }, async (request, reply) => {
    const h = helpers(request);
    const cart = await buildCart({}, h.t, h.lang);
    return showForm(request, reply, {
      values: { formToken: randomUUID(), source: 'phone', paymentMethod: config.promptPayId ? 'promptpay' : 'transfer' },
      errors: {},
      cart,
    });
  });

  app.post('/orders/new/cart', { config: edit }, async (request, reply) => {
    const h = helpers(request);
    const cart = await buildCart(request.body, h.t, h.lang);
    return render(request, reply, 'order-entry/cart', { cart, currency: config.shop.currency, oob: true });
  });

  app.get('/orders/new/customers', { config: edit }, async (request, reply) => {
    const q = z.object({ q: optional(z.string().max(100)) }).safeParse(request.query);
    const hits = q.success && q.data.q ? await searchCustomers(db, q.data.q) : [];
    return render(request, reply, 'order-entry/customers', { hits, q: q.success ? (q.data.q ?? '') : '' });
  });

  app.get('/orders/new/products', { config: edit }, async (request, reply) => {
    const h = helpers(request);
    const q = z.object({ pq: optional(z.string().max(100)) }).safeParse(request.query);
    const hits = q.success && q.data.pq ? await searchSellables(db, q.data.pq) : [];
    return render(request, reply, 'order-entry/products', { hits: hits.map((s) => ({ ...s, name: variantName(s, h.lang) })), currency: config.shop.currency });
  });

  app.post('/orders/new', { config: edit }, async (request, reply) => {
    const h = helpers(request);
    const { t } = h;
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(Object.entries(raw).filter(([k, v]) => typeof v === 'string' && k !== '_csrf')) as Record<string, string>;
    values.formToken = typeof raw.formToken === 'string' && z.uuid().safeParse(raw.formToken).success ? raw.formToken : randomUUID();
    const cart = await buildCart(raw, t, h.lang);
    const again = (errors: FieldErrors, c: Cart = cart) => showForm(request, reply, { values, errors, cart: c }, 400);

    const parsed = parseForm(orderBody, raw, t);
    const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
    if (cart.lines.length === 0) errors.lines = t('orderEntry.error.empty');
    else if (cart.lines.some((l) => l.error)) errors.lines = t('orderEntry.error.lines');
    const d = parsed.ok ? parsed.data : undefined;
    if (d) {
      if (!d.customerId) {
        if (!d.newName) errors.newName = t('field.required');
        if (!d.newPhone) errors.newPhone = t('field.required');
        else if (!normalizeThaiPhone(d.newPhone)) errors.newPhone = t('orderEntry.error.phone');
      }
      const pickup = d.pickup === '1';
      if (pickup && d.source !== 'walkin') errors.pickup = t('orderEntry.error.pickupWalkin');
      if (!pickup) {
        if (!d.shipName) errors.shipName = t('field.required');
        if (!d.shipPhone) errors.shipPhone = t('field.required');
        else if (!normalizeThaiPhone(d.shipPhone)) errors.shipPhone = t('orderEntry.error.phone');
        if (!d.shipAddress) errors.shipAddress = t('field.required');
      }
      if (d.paidNow && d.paymentMethod === 'cod') errors.paidNow = t('orderEntry.error.paidCod');
      const fee = pickup ? 0 : (d.shippingFee ?? 0);
      if (cart.subtotal + fee - (d.discount ?? 0) < 0) errors.discount = t('orderEntry.error.discount');
    }
    if (!d || Object.keys(errors).length) return again(errors);

    const user = request.admin!.user;
    try {
      const pickup = d.pickup === '1';
      const result = await enterOrder(db, {
        formToken: d.formToken,
        customer: d.customerId ? { id: d.customerId } : { name: d.newName!, phone: d.newPhone! },
        source: d.source,
        lines: cart.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
        pickup,
        shippingAddress: pickup ? undefined : { name: d.shipName!, phone: d.shipPhone!, address: d.shipAddress!, postcode: d.shipPostcode },
        paymentMethod: d.paymentMethod,
        shippingFee: d.shippingFee ?? 0,
        discount: d.discount ?? 0,
        note: d.note,
        paidNow: d.paidNow === '1',
        sendPaymentDetails: d.sendPayment === '1',
        actor: actorOf(user),
        currency: config.shop.currency,
        locale: config.shop.locale,
        promptPayId: config.promptPayId,
        billing: { vatRegistered: config.shop.vatRegistered, timeZone: config.shop.timeZone },
      });
      if (result.created) {
        await writeAudit(db, user, {
          action: 'order.entered',
          orderNumber: result.order.number,
          details: { source: d.source, total: result.order.total, paidNow: d.paidNow === '1', sentToChat: result.sentToChat },
        });
      }
      const url = `/admin/orders/${result.order.number}?done=${result.created ? 'orderEntry.created' : 'orderEntry.already'}`;
      if (isHtmx(request)) return reply.header('hx-redirect', url).code(204).send();
      return reply.redirect(url, 303);
    } catch (err) {
      if (isAppError(err, 'INSUFFICIENT_STOCK')) {
        const shortages = (err.details?.shortages as { sku: string; requested: number; available: number }[] | undefined) ?? [];
        const lineErrors = Object.fromEntries(shortages.map((s) => [s.sku.toLowerCase(), t('orderEntry.error.stock', { available: s.available })]));
        return again({ lines: t('orderEntry.error.lines') }, await buildCart(raw, t, h.lang, lineErrors));
      }
      if (isAppError(err, 'INACTIVE_PRODUCT') || isAppError(err, 'UNKNOWN_SKU')) return again({ lines: t('orderEntry.error.lines') });
      if (isAppError(err, 'NOT_FOUND')) return again({ customerId: t('orderEntry.error.customer') });
      if (isAppError(err, 'IDEMPOTENCY_KEY_REUSED')) return again({ _form: t('orderEntry.error.resent') });
      throw err;
    }
  });
};
