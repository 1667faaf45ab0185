import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pgErrorCode, withTransaction, type DbOrTx } from '#src/db/client.ts';
import { stockReason } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import {
  clearLowStockThreshold,
  createWarehouse,
  findWarehouse,
  listWarehouses,
  lowStockItems,
  setLowStockThreshold,
  updateWarehouse,
  warehouseCodeTaken,
} from '#src/modules/inventory/index.ts';
import { assignBin } from '#src/workflows/stock/assign-bin.ts';
import { countStock } from '#src/workflows/stock/count-stock.ts';
import { receiveStock } from '#src/workflows/stock/receive-stock.ts';
import { transferStock } from '#src/workflows/stock/transfer-stock.ts';
import { writeOffDamage } from '#src/workflows/stock/write-off-damage.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { calendarDay, formValues, optional, parseForm, text, type FieldErrors } from '../forms.ts';
import {
  findStockItem,
  ledgerOfVariant,
  listStockRows,
  operationRows,
  resolveStockCode,
  stockItemsNamed,
  stockOfVariant,
  stockValue,
} from '../queries/stock.ts';
import { helpers, isHtmx, listPageUrl, render, wantsData } from '../view.ts';

const PER_PAGE = 50;
const LEDGER_PER_PAGE = 30;
const MAX_QTY = 1_000_000;

const id = z.coerce.number().int().positive().max(2_147_483_647);
const trimmed = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
const isoDay = calendarDay;

/** A whole number typed in a form, from `min` to a million. */
const wholeNumber = (min: 0 | 1) =>
  z.preprocess(
    trimmed,
    z
      .string()
      .regex(/^\d{1,7}$/, min === 0 ? 'field.qty' : 'stock.field.qtyPositive')
      .transform(Number)
      .refine((n) => n >= min && n <= MAX_QTY, min === 0 ? 'field.qty' : 'stock.field.qtyPositive'),
  );

export const operations = ['receive', 'count', 'damage', 'transfer'] as const;
type Operation = (typeof operations)[number];

const code = text(64);
const note = (required: boolean) => (required ? text(500) : optional(z.string().trim().max(500)));
const bodies = {
  receive: z.object({ code, warehouse: id, qty: wholeNumber(1), note: note(false) }),
  count: z.object({ code, warehouse: id, counted: wholeNumber(0), note: note(true) }),
  damage: z.object({ code, warehouse: id, qty: wholeNumber(1), note: note(true) }),
  transfer: z
    .object({ code, from: id, to: id, qty: wholeNumber(1), note: note(false) })
    .refine((b) => b.from !== b.to, { message: 'stock.sameWarehouse', path: ['to'] }),
};

const listQuery = z.object({
  q: optional(z.string().trim().max(100)),
  warehouse: optional(id),
  low: z.preprocess((v) => v === '1' || v === 'on' || v === 'true', z.boolean()),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

const ledgerQuery = z
  .object({
    warehouse: optional(id),
    reason: optional(z.enum(stockReason.enumValues)),
    from: optional(isoDay),
    to: optional(isoDay),
    page: z.coerce.number().int().min(1).max(100_000).catch(1),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'field.dateOrder', path: ['to'] });

const checkbox = z.preprocess((v) => v === 'on' || v === '1' || v === 'true', z.boolean());
const warehouseBody = z.object({
  code: z.preprocess(trimmed, z.string().min(1, 'field.required').max(32).regex(/^[A-Za-z0-9_-]+$/, 'stock.field.code')),
  name: text(100),
  address: z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().max(500)),
  priority: z.preprocess(trimmed, z.string().regex(/^-?\d{1,4}$/, 'stock.field.priority').transform(Number)),
  active: checkbox,
  sellable: checkbox,
});

const thresholdBody = z.object({ threshold: optional(wholeNumber(0)) });
const binBody = z.object({ warehouse: id, bin: optional(z.string().trim().max(32)) });

/** Stock per warehouse, the moves warehouse staff make, the ledger, thresholds, warehouses and the stock value. */
/** Why a typed code found no product: none has it, or several products' names hold it (named, to pick from). */
async function unknownCodeIn(db: DbOrTx, h: ReturnType<typeof helpers>, code: string): Promise<string> {
  const named = await stockItemsNamed(db, code);
  if (named.length < 2) return h.t('stock.unknownCode', { code });
  return h.t('stock.whichOne', { code, names: named.map((n) => `${h.lang === 'th' ? n.nameTh : n.nameEn} (${n.sku})`).join(', ') });
}

export const stockRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const stock = { roles: allowed('stock.manage') };
  const houses = { roles: allowed('warehouses.manage') };

  app.get('/stock', { config: stock }, async (request, reply) => {
    const h = helpers(request);
    const parsed = listQuery.safeParse(request.query ?? {});
    const f = parsed.success ? parsed.data : listQuery.parse({});
    const { rows, total } = await listStockRows(db, { q: f.q, warehouseId: f.warehouse, lowOnly: f.low, page: f.page, perPage: PER_PAGE });
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const pageUrl = (page: number) => listPageUrl('/admin/stock', { q: f.q, warehouse: f.warehouse, low: f.low ? '1' : undefined }, page);
    // Money only for those who see finance; packers and staff never receive it.
    const value = h.can('finance.view') ? await stockValue(db) : undefined;
    return render(request, reply, 'stock/list', {
      rows,
      total,
      filter: f,
      page: f.page,
      pages,
      pageUrl,
      warehouses: await listWarehouses(db),
      value,
      lowCount: (await lowStockItems(db)).length,
      currency: config.shop.currency,
    });
  });

  app.get('/stock/lookup', { config: stock }, async (request, reply) => {
    const h = helpers(request);
    const raw = (request.query as Record<string, unknown> | undefined)?.code;
    const typed = typeof raw === 'string' ? raw.trim().slice(0, 64) : '';
    const item = typed ? await resolveStockCode(db, typed) : undefined;
    if (wantsData(request)) {
      return item ? { sku: item.sku, barcode: item.barcode, name: h.lang === 'th' ? item.nameTh : item.nameEn } : reply.code(404).send({ error: { code: 'UNKNOWN_SKU', message: h.t('stock.unknownCode', { code: typed }) } });
    }
    const levels = item ? await stockOfVariant(db, item.variantId) : [];
    return render(request, reply, 'stock/lookup', { item, typed, levels, fragment: isHtmx(request) });
  });

  app.get('/stock/low', { config: stock }, async (request, reply) => render(request, reply, 'stock/low', { rows: await lowStockItems(db) }));

  app.get('/stock/value', { config: { roles: allowed('finance.view') } }, async (request, reply) =>
    render(request, reply, 'stock/value', { value: await stockValue(db), currency: config.shop.currency }),
  );

  // ---- operations ----------------------------------------------------------------------------

  async function showOperation(request: FastifyRequest, reply: FastifyReply, op: Operation, extra: { errors?: FieldErrors; values?: Record<string, string>; moved?: unknown } = {}, status = 200) {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = extra.values ?? {};
    if (!extra.values) {
      // Links from a SKU's page and the warehouse of the last move prefill the form.
      if (typeof query.code === 'string') values.code = query.code.slice(0, 64);
      if (typeof query.warehouse === 'string') {
        values.warehouse = query.warehouse;
        values.from = query.warehouse;
      }
    }
    const scanned = values.code ? await resolveStockCode(db, values.code) : undefined;
    return render(
      request,
      reply,
      'stock/operation',
      { op, errors: extra.errors ?? {}, values, moved: extra.moved, scanned, warehouses: (await listWarehouses(db)).filter((w) => w.active) },
      status,
    );
  }

  const refPattern = /^(receipt|count|damage|transfer):([0-9a-f-]{36})$/;

  for (const op of operations) {
    app.get(`/stock/${op}`, { config: stock }, async (request, reply) => {
      const ref = refPattern.exec(String((request.query as Record<string, unknown> | undefined)?.ref ?? ''));
      const moved = ref ? await operationRows(db, ref[1]!, ref[2]!) : undefined;
      // Named apart from the layout's `done` flash (a text), which would print this list as "[object Object]".
      return showOperation(request, reply, op, { moved: moved && moved.length > 0 ? moved : undefined });
    });

    app.post(`/stock/${op}`, { config: stock }, async (request, reply) => {
      const h = helpers(request);
      const { user } = request.admin!;
      const values = formValues(request.body);
      const again = (errors: FieldErrors, status = 400) => showOperation(request, reply, op, { errors, values }, status);
      const parsed = parseForm(bodies[op], request.body, h.t);
      if (!parsed.ok) return again(parsed.errors);
      const item = await resolveStockCode(db, parsed.data.code);
      if (!item) return again({ code: await unknownCodeIn(db, h, parsed.data.code) });
      values.code = item.sku;
      const actor = actorOf(user);
      try {
        const data = parsed.data as Record<string, unknown>;
        let res;
        let warehouseId: number;
        switch (op) {
          case 'receive':
            warehouseId = data.warehouse as number;
            res = await receiveStock(db, { variantId: item.variantId, warehouseId, qty: data.qty as number, note: data.note as string | undefined, actor });
            break;
          case 'count':
            warehouseId = data.warehouse as number;
            res = await countStock(db, { variantId: item.variantId, warehouseId, counted: data.counted as number, note: data.note as string, actor });
            break;
          case 'damage':
            warehouseId = data.warehouse as number;
            res = await writeOffDamage(db, { variantId: item.variantId, warehouseId, qty: data.qty as number, note: data.note as string, actor });
            break;
          case 'transfer':
            warehouseId = data.from as number;
            res = await transferStock(db, {
              variantId: item.variantId,
              fromWarehouseId: warehouseId,
              toWarehouseId: data.to as number,
              qty: data.qty as number,
              note: data.note as string | undefined,
              actor,
            });
            break;
        }
        const ref = `${res.ledgerRef.refType}:${res.ledgerRef.refId}`;
        return reply.redirect(`/admin/stock/${op}?ref=${encodeURIComponent(ref)}&warehouse=${warehouseId}`, 303);
      } catch (err) {
        if (!isAppError(err)) throw err;
        const d = (err.details ?? {}) as Record<string, number>;
        switch (err.code) {
          case 'COUNT_BELOW_RESERVED':
            return again({ counted: h.t('stock.countBelowReserved', { reserved: d.reserved ?? 0 }) }, 409);
          case 'INSUFFICIENT_STOCK':
            return again({ qty: h.t('stock.notAvailable', { available: d.available ?? 0, reserved: d.reserved ?? 0 }) }, 409);
          case 'TRANSFER_INVALID':
            return again({ to: h.t('stock.sameWarehouse') });
          case 'UNKNOWN_WAREHOUSE':
            return again({ [op === 'transfer' ? (d.warehouseId === (parsed.data as { to?: number }).to ? 'to' : 'from') : 'warehouse']: h.t('field.choice') });
          default:
            throw err;
        }
      }
    });
  }

  // ---- one SKU ---------------------------------------------------------------------------------

  async function showItem(request: FastifyRequest, reply: FastifyReply, extra: { errors?: FieldErrors; notice?: string } = {}, status = 200) {
    const h = helpers(request);
    const params = z.object({ variantId: id }).safeParse(request.params);
    const item = params.success ? await findStockItem(db, params.data.variantId) : undefined;
    if (!item) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.notFound') }, 404);
    const raw = { ...((request.query ?? {}) as Record<string, unknown>) };
    let parsed = parseForm(ledgerQuery, raw, h.t);
    const filterErrors = parsed.ok ? {} : parsed.errors;
    if (!parsed.ok) {
      for (const field of Object.keys(parsed.errors)) delete raw[field];
      parsed = parseForm(ledgerQuery, raw, h.t);
    }
    const f = parsed.ok ? parsed.data : ledgerQuery.parse({});
    const [levels, ledger] = await Promise.all([
      stockOfVariant(db, item.variantId),
      ledgerOfVariant(db, item.variantId, { warehouseId: f.warehouse, reason: f.reason, from: f.from, to: f.to, page: f.page, perPage: LEDGER_PER_PAGE }, config.shop.timeZone),
    ]);
    const pages = Math.max(1, Math.ceil(ledger.total / LEDGER_PER_PAGE));
    const pageUrl = (page: number) =>
      `${listPageUrl(`/admin/stock/items/${item.variantId}`, { warehouse: f.warehouse, reason: f.reason, from: f.from, to: f.to }, page)}#ledger`;
    const sellableAvailable = levels.filter((l) => l.active && l.sellable).reduce((n, l) => n + l.available, 0);
    return render(
      request,
      reply,
      'stock/item',
      {
        item,
        levels,
        sellableAvailable,
        ledger: ledger.rows,
        ledgerTotal: ledger.total,
        filter: f,
        filterErrors,
        page: f.page,
        pages,
        pageUrl,
        reasons: stockReason.enumValues,
        warehouses: await listWarehouses(db),
        errors: extra.errors ?? {},
        notice: extra.notice,
      },
      status,
    );
  }

  app.get('/stock/items/:variantId', { config: stock }, async (request, reply) => showItem(request, reply));

  app.post('/stock/items/:variantId/bin', { config: stock }, async (request, reply) => {
    const h = helpers(request);
    const params = z.object({ variantId: id }).safeParse(request.params);
    const item = params.success ? await findStockItem(db, params.data.variantId) : undefined;
    if (!item) return showItem(request, reply);
    const parsed = parseForm(binBody, request.body, h.t);
    if (!parsed.ok) return showItem(request, reply, { errors: { bin: Object.values(parsed.errors)[0]! } }, 400);
    const warehouse = await findWarehouse(db, parsed.data.warehouse);
    if (!warehouse) return showItem(request, reply, { errors: { bin: h.t('field.choice') } }, 400);
    await assignBin(db, { variantId: item.variantId, warehouseId: warehouse.id, bin: parsed.data.bin ?? null });
    await writeAudit(db, request.admin!.user, { action: 'stock.bin', target: `variant:${item.variantId}`, details: { warehouse: warehouse.code, bin: parsed.data.bin ?? null } });
    return reply.redirect(`/admin/stock/items/${item.variantId}?done=stockBin`, 303);
  });

  app.post('/stock/items/:variantId/threshold', { config: houses }, async (request, reply) => {
    const h = helpers(request);
    const params = z.object({ variantId: id }).safeParse(request.params);
    const item = params.success ? await findStockItem(db, params.data.variantId) : undefined;
    if (!item) return showItem(request, reply);
    const parsed = parseForm(thresholdBody, request.body, h.t);
    if (!parsed.ok) return showItem(request, reply, { errors: parsed.errors }, 400);
    const threshold = parsed.data.threshold;
    await withTransaction(db, async (tx) => {
      if (threshold === undefined) await clearLowStockThreshold(tx, item.variantId);
      else await setLowStockThreshold(tx, item.variantId, threshold);
      await writeAudit(tx, request.admin!.user, { action: 'stock.threshold', target: `variant:${item.variantId}`, details: { threshold: threshold ?? null } });
    });
    return reply.redirect(`/admin/stock/items/${item.variantId}?done=stockThreshold`, 303);
  });

  // ---- warehouses ------------------------------------------------------------------------------

  app.get('/warehouses', { config: houses }, async (request, reply) => render(request, reply, 'stock/warehouses', { warehouses: await listWarehouses(db) }));

  app.get('/warehouses/new', { config: houses }, async (request, reply) =>
    render(request, reply, 'stock/warehouse-form', { warehouse: undefined, errors: {}, values: { priority: '0', active: 'on', sellable: 'on' } }),
  );

  async function saveWarehouse(request: FastifyRequest, reply: FastifyReply, existingId: number | undefined) {
    const h = helpers(request);
    const values = formValues(request.body);
    const warehouse = existingId ? await findWarehouse(db, existingId) : undefined;
    const again = (errors: FieldErrors) => render(request, reply, 'stock/warehouse-form', { warehouse, errors, values }, 400);
    const parsed = parseForm(warehouseBody, request.body, h.t);
    if (!parsed.ok) return again(parsed.errors);
    const input = { ...parsed.data, code: parsed.data.code.toUpperCase() };
    if (await warehouseCodeTaken(db, input.code, existingId)) return again({ code: h.t('stock.codeTaken') });
    try {
      const saved = await withTransaction(db, async (tx) => {
        const w = existingId ? await updateWarehouse(tx, existingId, input) : await createWarehouse(tx, input);
        await writeAudit(tx, request.admin!.user, { action: existingId ? 'warehouse.update' : 'warehouse.create', target: `warehouse:${w!.id}`, details: input });
        return w!;
      });
      return reply.redirect(`/admin/warehouses?done=${existingId ? 'stockWarehouseSaved' : 'stockWarehouseCreated'}#warehouse-${saved.id}`, 303);
    } catch (err) {
      if (pgErrorCode(err) === '23505') return again({ code: h.t('stock.codeTaken') });
      throw err;
    }
  }

  app.post('/warehouses', { config: houses }, async (request, reply) => saveWarehouse(request, reply, undefined));

  app.get('/warehouses/:id', { config: houses }, async (request, reply) => {
    const h = helpers(request);
    const params = z.object({ id }).safeParse(request.params);
    const warehouse = params.success ? await findWarehouse(db, params.data.id) : undefined;
    if (!warehouse) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.notFound') }, 404);
    const values = {
      code: warehouse.code,
      name: warehouse.name,
      address: warehouse.address,
      priority: String(warehouse.priority),
      active: warehouse.active ? 'on' : '',
      sellable: warehouse.sellable ? 'on' : '',
    };
    return render(request, reply, 'stock/warehouse-form', { warehouse, errors: {}, values });
  });

  app.post('/warehouses/:id', { config: houses }, async (request, reply) => {
    const h = helpers(request);
    const params = z.object({ id }).safeParse(request.params);
    const warehouse = params.success ? await findWarehouse(db, params.data.id) : undefined;
    if (!warehouse) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.notFound') }, 404);
    return saveWarehouse(request, reply, warehouse.id);
  });

};
