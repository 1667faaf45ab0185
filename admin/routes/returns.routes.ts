import { readFile } from 'node:fs/promises';
import path from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { orderChannel, returnStatus } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { safeEqual } from '#src/modules/accounts/index.ts';
import { MAX_IMAGE_BYTES } from '#src/lib/image-guard.ts';
import { checkRefundSlip, refundMethods, refundSlipFile, refundSlipType, removeRefundSlip, saveRefundSlip } from '#src/modules/payments/index.ts';
import { decideReturn } from '#src/workflows/returns/decide-return.ts';
import { exchangeReturn } from '#src/workflows/returns/exchange-return.ts';
import { receiveReturn, type ReceiptChoice } from '#src/workflows/returns/receive-return.ts';
import { refundReturn } from '#src/workflows/returns/refund-return.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { refuse } from '../auth/guard.ts';
import { allowed } from '../auth/roles.ts';
import { baht, formValues, optional, parseForm, text, type FieldErrors } from '../forms.ts';
import { listReturns, returnPage, warehouseChoices } from '../queries/returns.ts';
import { helpers, render } from '../view.ts';

const PER_PAGE = 25;
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const listQuery = z.object({
  status: optional(z.enum(returnStatus.enumValues)).catch(undefined),
  // As on the order list, a channel that is not one is left out rather than refused.
  channel: optional(z.enum(orderChannel.enumValues)).catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
const approveBody = z.object({ note: optional(z.string().trim().max(500)) });
const rejectBody = z.object({ note: text(500) });
const refundBody = z.object({
  amount: baht(),
  method: z.enum(refundMethods),
  reference: optional(z.string().trim().max(100)),
  later: optional(z.enum(['1', 'on', 'true'])),
});
const exchangeBody = z.object({ skus: text(4000) });

/** Exchange lines as a scanner types them: one SKU per line, optionally with "x2", "*2" or " 2". */
export function parseSkuLines(input: string): { sku: string; qty: number }[] | null {
  const lines = input
    .split(/[\r\n,]+/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0 || lines.length > 100) return null;
  const out: { sku: string; qty: number }[] = [];
  for (const l of lines) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._/-]{0,63})(?:\s*[x×*]\s*|\s+)?(\d{1,4})?$/.exec(l);
    if (!m) return null;
    const qty = m[2] ? Number(m[2]) : 1;
    if (qty < 1) return null;
    out.push({ sku: m[1]!, qty });
  }
  return out;
}

/** Back-office returns pages: the desk, one return, and each step of handling it. */
export const returnsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const manage = { roles: allowed('returns.manage') };
  // Only the refund form uploads (a slip image); the plugin stays inside this route module.
  await app.register(multipart, { limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 10, parts: 11 } });

  app.get('/returns', { config: manage }, async (request, reply) => {
    const f = listQuery.parse(request.query ?? {});
    const { rows, counts, total } = await listReturns(db, { status: f.status, channel: f.channel, page: f.page, perPage: PER_PAGE });
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    /** A link to the desk keeping the filter; `patch` changes one part of it (a status tab keeps the channel). */
    const listUrl = (patch: { status?: string | undefined; page?: number } = {}) => {
      const params = new URLSearchParams();
      const status = 'status' in patch ? patch.status : f.status;
      if (status) params.set('status', status);
      if (f.channel) params.set('channel', f.channel);
      if (patch.page && patch.page > 1) params.set('page', String(patch.page));
      const qs = params.toString();
      return qs ? `/admin/returns?${qs}` : '/admin/returns';
    };
    const pageUrl = (page: number) => listUrl({ page });
    return render(request, reply, 'returns/list', {
      rows,
      counts,
      total,
      filter: f,
      page: f.page,
      pages,
      pageUrl,
      listUrl,
      statuses: returnStatus.enumValues,
      channelChoices: orderChannel.enumValues,
    });
  });

  async function show(request: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const page = await returnPage(db, id);
    const h = helpers(request);
    if (!page) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.notFound') }, 404);
    return render(
      request,
      reply,
      'returns/detail',
      { ...page, warehouses: await warehouseChoices(db), refundMethods, form: '', errors: {}, values: {}, ...extra },
      status,
    );
  }

  /** The id of the return a request is about; a bad one answers 404 itself. */
  async function idOf(request: FastifyRequest, reply: FastifyReply): Promise<number | undefined> {
    const params = idParams.safeParse(request.params);
    if (params.success) return params.data.id;
    await show(request, reply, 0);
    return undefined;
  }

  /** A refusal by the workflow (already received, too much money, out of stock) shown on the page. */
  async function failed(request: FastifyRequest, reply: FastifyReply, id: number, err: unknown, form: string) {
    if (!isAppError(err)) throw err;
    if (err.code === 'RETURN_NOT_FOUND') return show(request, reply, 0);
    const h = helpers(request);
    const message =
      err.code === 'REFUND_TOO_LARGE'
        ? h.t('returns.tooMuch', { max: h.f.money(Number(err.details?.max ?? 0), config.shop.currency) })
        : h.t('error.generic', { message: err.message });
    return show(request, reply, id, { error: message, form, values: formValues(request.body) }, err.kind === 'invalid' ? 400 : 409);
  }

  app.get('/returns/:id', { config: manage }, async (request, reply) => {
    const id = await idOf(request, reply);
    if (id === undefined) return reply;
    return show(request, reply, id);
  });

  app.get('/returns/:id/photos/:n', { config: manage }, async (request, reply) => {
    const params = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647), n: z.coerce.number().int().min(1).max(20) }).safeParse(request.params);
    const page = params.success ? await returnPage(db, params.data.id) : undefined;
    const stored = page?.ret.photos[params.data!.n - 1];
    // Only files under the data directory are ever read, whatever a row says.
    const file = stored ? path.resolve(stored) : undefined;
    const inData = file !== undefined && file.startsWith(path.resolve(config.dataDir) + path.sep);
    const bytes = inData ? await readFile(file).catch(() => undefined) : undefined;
    if (!bytes) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const type = /\.png$/i.test(file!) ? 'image/png' : /\.webp$/i.test(file!) ? 'image/webp' : 'image/jpeg';
    return reply.header('cache-control', 'private, max-age=3600').type(type).send(bytes);
  });

  app.get('/returns/:id/refunds/:refundId/slip', { config: manage }, async (request, reply) => {
    const params = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647), refundId: z.coerce.number().int().positive().max(2_147_483_647) }).safeParse(request.params);
    const page = params.success ? await returnPage(db, params.data.id) : undefined;
    const refund = page?.refunds.find((r) => r.id === params.data!.refundId);
    // Stored relative to DATA_DIR, as the finance page stores and reads it; only DATA_DIR/refund-slips is ever read.
    const file = refundSlipFile(config.dataDir, refund?.slipPath);
    const bytes = file ? await readFile(file).catch(() => undefined) : undefined;
    if (!bytes) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    return reply.header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff').type(refundSlipType(file!)).send(bytes);
  });

  for (const decision of ['approved', 'rejected'] as const) {
    app.post(`/returns/:id/${decision === 'approved' ? 'approve' : 'reject'}`, { config: manage }, async (request, reply) => {
      const id = await idOf(request, reply);
      if (id === undefined) return reply;
      const h = helpers(request);
      const parsed = parseForm(decision === 'approved' ? approveBody : rejectBody, request.body, h.t);
      if (!parsed.ok) return show(request, reply, id, { form: decision, errors: parsed.errors, values: formValues(request.body) }, 400);
      const me = request.admin!.user;
      try {
        await decideReturn(db, { id, decision, note: parsed.data.note, actor: actorOf(me), locale: config.shop.locale }, (tx, ret, order) =>
          writeAudit(tx, me, { action: `return.${decision}`, orderNumber: order.number, target: `return:${ret.id}`, details: { note: parsed.data.note } }),
        );
      } catch (err) {
        return failed(request, reply, id, err, decision);
      }
      return reply.redirect(`/admin/returns/${id}?done=${decision === 'approved' ? 'returnApproved' : 'returnRejected'}`, 303);
    });
  }

  app.post('/returns/:id/receive', { config: manage }, async (request, reply) => {
    const id = await idOf(request, reply);
    if (id === undefined) return reply;
    const page = await returnPage(db, id);
    if (!page) return show(request, reply, 0);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const choices = new Set<ReceiptChoice>(['sellable', 'damaged', 'write_off']);
    const lines: { returnLineId: number; choice: ReceiptChoice; warehouseId: number }[] = [];
    const errors: FieldErrors = {};
    for (const l of page.lines) {
      const choice = body[`choice_${l.id}`];
      const warehouseId = Number(body[`warehouse_${l.id}`]);
      if (typeof choice !== 'string' || !choices.has(choice as ReceiptChoice) || !Number.isInteger(warehouseId) || warehouseId <= 0) {
        errors[`line_${l.id}`] = helpers(request).t('returns.badPick');
        continue;
      }
      lines.push({ returnLineId: l.id, choice: choice as ReceiptChoice, warehouseId });
    }
    if (Object.keys(errors).length > 0) return show(request, reply, id, { form: 'receive', errors, values: formValues(request.body) }, 400);
    const me = request.admin!.user;
    try {
      await receiveReturn(db, { id, lines, actor: actorOf(me) }, (tx, ret, order) =>
        writeAudit(tx, me, { action: 'return.receive', orderNumber: order.number, target: `return:${ret.id}`, details: { lines } }),
      );
    } catch (err) {
      return failed(request, reply, id, err, 'receive');
    }
    return reply.redirect(`/admin/returns/${id}?done=returnReceived`, 303);
  });

  /**
   * The refund form may carry a slip image, so it arrives as multipart: the fields are read here and
   * the CSRF token is checked once they are (the guard cannot see inside a multipart body).
   */
  app.post('/returns/:id/refund', { config: { ...manage, ownCsrf: true } }, async (request, reply) => {
    const fields: Record<string, string> = {};
    let slip: Buffer | undefined;
    let slipTooLarge = false;
    if (request.isMultipart()) {
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            const bytes = await part.toBuffer();
            if (bytes.length > 0) slip = bytes;
          } else if (typeof part.value === 'string') {
            fields[part.fieldname] = part.value;
          }
        }
      } catch (err) {
        if ((err as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw err;
        slipTooLarge = true;
      }
    } else {
      Object.assign(fields, formValues(request.body), { _csrf: (request.body as Record<string, unknown> | undefined)?._csrf });
    }
    const expected = request.admin?.session.csrfToken;
    const sent = typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : fields._csrf;
    if (!expected || typeof sent !== 'string' || !safeEqual(sent, expected)) return refuse(request, reply, 'csrf');

    const id = await idOf(request, reply);
    if (id === undefined) return reply;
    const h = helpers(request);
    const values = formValues(fields);
    const parsed = parseForm(refundBody, fields, h.t);
    const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
    let slipFormat: Awaited<ReturnType<typeof checkRefundSlip>> | undefined;
    if (slipTooLarge) errors.slip = h.t('returns.badSlip');
    else if (slip) {
      try {
        slipFormat = await checkRefundSlip(slip);
      } catch (err) {
        if (!isAppError(err, 'REFUND_SLIP_INVALID')) throw err;
        errors.slip = h.t('returns.badSlip');
      }
    }
    if (!parsed.ok || Object.keys(errors).length > 0) return show(request, reply, id, { form: 'refund', errors, values }, 400);
    // Kept as the finance page keeps its slips: relative to DATA_DIR, so either page can show it.
    const slipPath = slip && slipFormat ? await saveRefundSlip(config.dataDir, slip, { prefix: `return-${id}`, format: slipFormat }) : undefined;
    const me = request.admin!.user;
    const data = parsed.data;
    try {
      await refundReturn(
        db,
        { id, amount: data.amount, method: data.method, reference: data.reference, slipPath, later: data.later !== undefined, actor: actorOf(me), locale: config.shop.locale, timeZone: config.shop.timeZone },
        (tx, ret, order, refund) =>
          writeAudit(tx, me, {
            action: 'return.refund',
            orderNumber: order.number,
            target: `return:${ret.id}`,
            details: { refundId: refund.id, amount: refund.amount, status: refund.status, method: refund.method },
          }),
      );
    } catch (err) {
      if (slipPath) await removeRefundSlip(config.dataDir, slipPath);
      return failed(request, reply, id, err, 'refund');
    }
    return reply.redirect(`/admin/returns/${id}?done=returnRefunded`, 303);
  });

  app.post('/returns/:id/exchange', { config: manage }, async (request, reply) => {
    const id = await idOf(request, reply);
    if (id === undefined) return reply;
    const h = helpers(request);
    const parsed = parseForm(exchangeBody, request.body, h.t);
    const lines = parsed.ok ? parseSkuLines(parsed.data.skus) : null;
    if (!lines) return show(request, reply, id, { form: 'exchange', errors: { skus: parsed.ok ? h.t('returns.badLines') : parsed.errors.skus }, values: formValues(request.body) }, 400);
    const me = request.admin!.user;
    try {
      await exchangeReturn(db, { id, lines, actor: actorOf(me), locale: config.shop.locale, billing: config.shop }, (tx, ret, order, exchange) =>
        writeAudit(tx, me, { action: 'return.exchange', orderNumber: order.number, target: `return:${ret.id}`, details: { exchangeOrder: exchange.number, lines } }),
      );
    } catch (err) {
      return failed(request, reply, id, err, 'exchange');
    }
    return reply.redirect(`/admin/returns/${id}?done=returnExchanged`, 303);
  });
};
