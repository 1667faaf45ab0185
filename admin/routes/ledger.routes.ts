import { readFile } from 'node:fs/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { orderChannel, refunds, type OrderStatus } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { writeCsv } from '#src/lib/csv.ts';
import { accountingCsv, accountingKinds, accountingXlsx, decimal } from '#src/modules/billing/index.ts';
import { MAX_IMAGE_BYTES } from '#src/lib/image-guard.ts';
import { refundMethods, refundSlipFile, refundSlipType } from '#src/modules/payments/index.ts';
import { payRefund } from '#src/workflows/payments/refund-payments.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { calendarDay, optional, parseForm, type FieldErrors } from '../forms.ts';
import { addDays, localDate, shopDays } from '#src/lib/shop-time.ts';
import { moneyByChannel, moneyFigures } from '#src/modules/reports/index.ts';
import { refundsDue } from '../queries/finance.ts';
import { ledgerAll, ledgerPage, reconciledMethods, reconciliation, type LedgerFilter } from '../queries/ledger.ts';
import type { MessageKey } from '../i18n/index.ts';
import { helpers, isHtmx, render } from '../view.ts';

const day = calendarDay;
const ledgerMethods = ['promptpay', 'transfer', 'cod', 'cash', 'other'] as const;

const channel = z.enum(orderChannel.enumValues);
const ledgerQuery = z.object({
  from: optional(day),
  to: optional(day),
  method: optional(z.enum(ledgerMethods)),
  channel: optional(channel),
  page: optional(z.coerce.number().int().min(1).max(100_000)),
});
const dayQuery = z.object({ day: optional(day), channel: optional(channel) });
/** The refunds-due list: as on the order list, a channel that is not one is left out rather than refused. */
const financeQuery = z.object({ channel: optional(channel).catch(undefined) });
const exportQuery = z.object({ from: day, to: day, kind: optional(z.enum(accountingKinds)), channel: optional(channel) });
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const payBody = z.object({
  method: z.enum(refundMethods),
  reference: optional(z.string().trim().max(100)),
});

const PER_PAGE = 50;
/** The longest range one export may cover: a year and a bit, so a mistyped year does not scan everything. */
const MAX_EXPORT_DAYS = 400;

/** Money pages for owners and admins: refunds due, the payments ledger, daily reconciliation, the accountant's export. */
export const ledgerRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const finance = { roles: allowed('finance.view') };
  await app.register(multipart, { limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 6, parts: 8, fieldSize: 1_000 } });

  const today = () => localDate(new Date(), config.shop.timeZone);

  /** Keeps only what is valid in a filter query and says what is not, as the order list does. */
  function lenient<S extends z.ZodType>(schema: S, request: FastifyRequest): { data: Partial<z.output<S>>; errors: FieldErrors } {
    const { t } = helpers(request);
    const raw = { ...((request.query ?? {}) as Record<string, unknown>) };
    const parsed = parseForm(schema, raw, t);
    if (parsed.ok) return { data: parsed.data, errors: {} };
    for (const k of Object.keys(parsed.errors)) delete raw[k];
    const retry = schema.safeParse(raw);
    return { data: retry.success ? retry.data : {}, errors: parsed.errors };
  }

  /** The finance page; its refunds-due list follows ?channel= (also on the pay form's address, so an error keeps it). */
  async function showFinance(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const tz = config.shop.timeZone;
    const filter = financeQuery.parse(request.query ?? {});
    // The last 30 shop days, today included: the money figures of src/modules/reports/money.ts.
    const day = localDate(new Date(), tz);
    const range = shopDays(addDays(day, -29), day, tz);
    const [figures, byChannel, due] = await Promise.all([moneyFigures(db, range), moneyByChannel(db, range), refundsDue(db, { channel: filter.channel })]);
    return render(
      request,
      reply,
      'finance',
      {
        figures,
        byChannel,
        currency: config.shop.currency,
        refunds: due,
        filter,
        channelChoices: orderChannel.enumValues,
        channelQuery: filter.channel ? `?channel=${filter.channel}` : '',
        methods: refundMethods,
        errors: {},
        failedId: undefined,
        today: today(),
        ...extra,
      },
      status,
    );
  }

  app.get('/finance', { config: finance }, async (request, reply) => showFinance(request, reply));

  /** The refund form: a plain urlencoded form, or multipart with a slip photo (htmx sends the CSRF token as a header). */
  async function readPayForm(request: FastifyRequest): Promise<{ fields: Record<string, string>; slip?: Buffer; tooLarge?: boolean }> {
    if (!request.isMultipart()) return { fields: (request.body as Record<string, string>) ?? {} };
    const fields: Record<string, string> = {};
    let slip: Buffer | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const data = await part.toBuffer();
          if (!slip && data.length > 0) slip = data;
        } else if (typeof part.value === 'string') {
          fields[part.fieldname] = part.value;
        }
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT') return { fields, tooLarge: true };
      throw err;
    }
    return slip ? { fields, slip } : { fields };
  }

  app.post('/finance/refunds/:id/pay', { config: finance }, async (request, reply) => {
    const { t } = helpers(request);
    const params = idParams.safeParse(request.params);
    if (!params.success) return showFinance(request, reply, { error: t('error.notFound') }, 404);
    const id = params.data.id;
    const again = (errors: FieldErrors) => showFinance(request, reply, { errors, failedId: id }, isHtmx(request) ? 200 : 400);
    const form = await readPayForm(request);
    if (form.tooLarge) return again({ slip: t('ledger.slip.tooLarge') });
    const parsed = parseForm(payBody, form.fields, t);
    if (!parsed.ok) return again(parsed.errors);
    const user = request.admin!.user;
    try {
      const result = await payRefund(
        db,
        { refundId: id, method: parsed.data.method, reference: parsed.data.reference, slip: form.slip, actor: actorOf(user), dataDir: config.dataDir },
        async (tx, refund, order) => {
          await writeAudit(tx, user, {
            action: 'refund.paid',
            orderNumber: order.number,
            target: `refund:${refund.id}`,
            details: { amount: refund.amount, method: refund.method, reference: refund.reference, slip: refund.slipPath !== null },
          });
        },
      );
      if (!result.paid && !result.refund) return showFinance(request, reply, { error: t('error.notFound') }, 404);
      const done = result.paid ? 'ledger.refundPaid' : 'ledger.refundAlreadyPaid';
      const { channel: shown } = financeQuery.parse(request.query ?? {});
      const url = `/admin/finance?done=${done}${shown ? `&channel=${shown}` : ''}`;
      if (isHtmx(request)) return reply.header('hx-redirect', url).code(204).send();
      return reply.redirect(url, 303);
    } catch (err) {
      if (isAppError(err, 'REFUND_SLIP_INVALID')) return again({ slip: t('ledger.slip.invalid') });
      throw err;
    }
  });

  app.get('/finance/refunds/:id/slip', { config: finance }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    const [row] = params.success ? await db.select({ slipPath: refunds.slipPath }).from(refunds).where(eq(refunds.id, params.data.id)) : [];
    // Only DATA_DIR/refund-slips is ever read, whatever a row says (the returns page reads it the same way).
    const file = refundSlipFile(config.dataDir, row?.slipPath);
    const body = file ? await readFile(file).catch(() => undefined) : undefined;
    if (!body) {
      const { t } = helpers(request);
      return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('error.notFound') }, 404);
    }
    return reply.header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff').type(refundSlipType(file!)).send(body);
  });

  // ---------- payments ledger ----------

  function ledgerFilter(request: FastifyRequest): { filter: LedgerFilter & { page: number }; errors: FieldErrors } {
    // Keep what is valid, say what is not.
    const { data, errors } = lenient(ledgerQuery, request);
    return { filter: { ...data, page: data.page ?? 1 }, errors };
  }

  const queryOf = (f: LedgerFilter, extra: Record<string, string> = {}) => {
    const q = new URLSearchParams();
    if (f.from) q.set('from', f.from);
    if (f.to) q.set('to', f.to);
    if (f.method) q.set('method', f.method);
    if (f.channel) q.set('channel', f.channel);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return q.toString();
  };

  app.get('/finance/ledger', { config: finance }, async (request, reply) => {
    const { filter, errors } = ledgerFilter(request);
    const result = await ledgerPage(db, config.shop.timeZone, filter, filter.page, PER_PAGE);
    const pages = Math.max(1, Math.ceil(result.count / PER_PAGE));
    return render(request, reply, 'ledger/ledger', {
      ...result,
      filter,
      errors,
      methods: ledgerMethods,
      channelChoices: orderChannel.enumValues,
      page: Math.min(filter.page, pages),
      pages,
      currency: config.shop.currency,
      pageUrl: (p: number) => `/admin/finance/ledger?${queryOf(filter, { page: String(p) })}`,
      csvUrl: `/admin/finance/ledger.csv?${queryOf(filter)}`,
    });
  });

  app.get('/finance/ledger.csv', { config: finance }, async (request, reply) => {
    const { filter } = ledgerFilter(request);
    const entries = await ledgerAll(db, config.shop.timeZone, filter);
    const stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: config.shop.timeZone, dateStyle: 'short', timeStyle: 'medium' });
    // The channel comes last, so the columns accountants already read keep their places.
    const rows: (string | number)[][] = [['date', 'order_number', 'customer', 'kind', 'method', 'reference', 'amount', 'currency', 'channel']];
    for (const e of entries) rows.push([stamp.format(e.at), e.orderNumber, e.customerName, e.kind, e.method, e.reference ?? '', decimal(e.amount), e.currency, e.orderChannel]);
    rows.push(['total', '', '', '', '', '', decimal(entries.reduce((n, e) => n + e.amount, 0)), config.shop.currency, filter.channel ?? '']);
    return reply
      .header('content-disposition', `attachment; filename="ledger-${filter.from ?? 'start'}-${filter.to ?? today()}${filter.channel ? `-${filter.channel}` : ''}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(writeCsv(rows));
  });

  // ---------- daily reconciliation ----------

  app.get('/finance/reconciliation', { config: finance }, async (request, reply) => {
    const { data, errors } = lenient(dayQuery, request);
    const rec = await reconciliation(db, config.shop.timeZone, data.day ?? today(), new Date(), data.channel);
    return render(request, reply, 'ledger/reconciliation', {
      rec,
      errors,
      currency: config.shop.currency,
      methods: reconciledMethods,
      channelChoices: orderChannel.enumValues,
    });
  });

  // ---------- accounting export ----------

  app.get('/finance/export', { config: finance }, async (request, reply) =>
    render(request, reply, 'ledger/export', {
      values: { from: today(), to: today(), kind: 'all', channel: '' },
      errors: {},
      kinds: accountingKinds,
      channelChoices: orderChannel.enumValues,
      vat: config.shop.vatRegistered,
    }),
  );

  /** The export's range and channel from the query, or the form again with what is wrong beside each field (400). */
  async function exportRange(request: FastifyRequest, reply: FastifyReply) {
    const { t } = helpers(request);
    // Without dates, today's figures (the link from the finance page names its own dates).
    const parsed = parseForm(exportQuery, { from: today(), to: today(), ...(request.query as Record<string, unknown>) }, t);
    const errors: FieldErrors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok) {
      const span = (Date.parse(parsed.data.to) - Date.parse(parsed.data.from)) / 86_400_000;
      if (span < 0) errors.to = t('ledger.export.toBeforeFrom');
      else if (span >= MAX_EXPORT_DAYS) errors.to = t('ledger.export.tooLong', { days: MAX_EXPORT_DAYS });
    }
    if (!parsed.ok || Object.keys(errors).length) {
      const values = Object.fromEntries(Object.entries((request.query ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      await render(request, reply, 'ledger/export', { values, errors, kinds: accountingKinds, channelChoices: orderChannel.enumValues, vat: config.shop.vatRegistered }, 400);
      return undefined;
    }
    // A channel that is not one is refused (400, beside the field) rather than ignored: an export of every channel
    // under a one-channel request would pass for that channel's books.
    const { from, to, channel: only } = parsed.data;
    return { range: { from, to, timeZone: config.shop.timeZone, channel: only }, kind: parsed.data.kind ?? 'all', name: `${from}-${to}${only ? `-${only}` : ''}` };
  }

  app.get('/finance/export.csv', { config: finance }, async (request, reply) => {
    const asked = await exportRange(request, reply);
    if (!asked) return reply;
    const csv = await accountingCsv(db, asked.range, asked.kind, { vatRegistered: config.shop.vatRegistered });
    return reply
      .header('content-disposition', `attachment; filename="accounting-${asked.kind}-${asked.name}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(csv);
  });

  // The same export as a workbook, a sheet per section, in the reader's language.
  app.get('/finance/export.xlsx', { config: finance }, async (request, reply) => {
    const h = helpers(request);
    const asked = await exportRange(request, reply);
    if (!asked) return reply;
    const codeName = (column: string, value: string) => {
      if (column === 'channel') return h.channel(value);
      if (column === 'status') return h.has(`status.${value}`) ? h.status(value as OrderStatus) : value;
      if (column === 'kind') return h.has(`accounting.kind.${value}`) ? h.t(`accounting.kind.${value}` as MessageKey) : value;
      return h.payment(value);
    };
    const xlsx = await accountingXlsx(db, asked.range, {
      vatRegistered: config.shop.vatRegistered,
      words: { label: (key, params) => h.t(key as MessageKey, params), humanDate: (d) => h.f.dateTime(d), describe: codeName },
    });
    return reply
      .header('content-disposition', `attachment; filename="accounting-${asked.name}.xlsx"`)
      .header('cache-control', 'private, no-store')
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(xlsx);
  });
};
