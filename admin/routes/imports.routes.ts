import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import type { ImportRun } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { findSellablesBySku } from '#src/modules/catalog/index.ts';
import {
  defaultMappings,
  discardImportRun,
  fieldsOf,
  findImportRun,
  lastHeadersOf,
  listImportRuns,
  mappingFor,
  marketplaceKinds,
  MAX_IMPORT_BYTES,
  requiredFields,
  resetMapping,
  rowsOfRun,
  saveMapping,
  saveSkuAlias,
  type MappingKind,
  type MarketplaceKind,
} from '#src/modules/imports/index.ts';
import { previewCodFile, previewCodRun, startCodImport } from '#src/workflows/payments/cod-remittance.ts';
import { previewMarketplaceFile, previewMarketplaceRun, startMarketplaceImport } from '#src/workflows/imports/marketplace-import.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { formValues, parseForm, text, type FieldErrors } from '../forms.ts';
import { isMessageKey, type MessageKey, type Translate } from '../i18n/index.ts';
import { skuChoices } from '../queries/imports.ts';
import { helpers, isHtmx, render, type ViewHelpers } from '../view.ts';

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const kindQuery = z.object({ kind: z.enum(marketplaceKinds).catch('shopee') });
const daysQuery = z.object({ days: z.coerce.number().int().min(0).max(365).catch(14) });
const skuBody = z.object({ externalSku: text(200), sku: text(100) });

const marketplaceRunKinds = marketplaceKinds;

/** A row result's message (a text code and its parameters) in the reader's language; amounts formatted. */
export function describeRow(message: string | null, h: Pick<ViewHelpers, 't' | 'f'>, currency: string): string {
  if (!message) return '';
  let parsed: { code?: unknown; params?: Record<string, string | number> };
  try {
    parsed = JSON.parse(message) as typeof parsed;
  } catch {
    return message;
  }
  const code = String(parsed.code ?? '');
  const params: Record<string, string | number> = { ...parsed.params };
  for (const k of ['amount', 'expected', 'remitted', 'difference']) {
    if (typeof params[k] === 'number') params[k] = h.f.money(params[k], currency);
  }
  const key = `imports.msg.${code}`;
  if (isMessageKey(key)) return h.t(key as MessageKey, params);
  return String(params.text ?? code);
}

function fileProblem(err: unknown, t: Translate): string | undefined {
  if (isAppError(err, 'IMPORT_COLUMNS_MISSING')) {
    return t('imports.missingColumns', { columns: ((err.details?.columns as string[]) ?? []).map((c) => `“${c}”`).join(', ') });
  }
  if (isAppError(err, 'IMPORT_FILE_INVALID')) {
    const key = `imports.file.${String(err.details?.reason)}`;
    return isMessageKey(key) ? t(key as MessageKey, { text: err.message }) : err.message;
  }
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT') return t('imports.file.tooLarge');
  return undefined;
}

/**
 * Reads the upload: the file (by content, later) and the few text fields beside it. The CSRF token
 * comes in the x-csrf-token header (htmx sends it): the guard checks it before the body is read.
 */
async function readUpload(request: FastifyRequest): Promise<{ fields: Record<string, string>; file?: { filename: string; data: Buffer } }> {
  const fields: Record<string, string> = {};
  let file: { filename: string; data: Buffer } | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      if (!file && data.length > 0) file = { filename: part.filename.slice(0, 200) || 'upload', data };
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    }
  }
  return file ? { fields, file } : { fields };
}

/** Marketplace order imports (imports.manage) and COD remittances (finance.view). */
export const importsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 10_000 } });
  const manage = { roles: allowed('imports.manage') };
  const finance = { roles: allowed('finance.view') };

  /** After an upload: htmx follows HX-Redirect, a plain form a 303. */
  function goTo(request: FastifyRequest, reply: FastifyReply, url: string) {
    if (isHtmx(request)) return reply.header('hx-redirect', url).code(204).send();
    return reply.redirect(url, 303);
  }

  function notFound(request: FastifyRequest, reply: FastifyReply) {
    const { t } = helpers(request);
    return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('error.notFound') }, 404);
  }

  async function runOf(request: FastifyRequest, cod: boolean): Promise<ImportRun | undefined> {
    const params = idParams.safeParse(request.params);
    if (!params.success) return undefined;
    const run = await findImportRun(db, params.data.id);
    if (!run || (run.kind === 'cod_remittance') !== cod || run.kind === 'products') return undefined;
    return run;
  }

  async function resultRows(request: FastifyRequest, run: ImportRun) {
    const h = helpers(request);
    const rows = run.status === 'preview' || run.status === 'discarded' ? [] : await rowsOfRun(db, run.id);
    return rows.map((r) => ({ ...r, text: describeRow(r.message, h, config.shop.currency) }));
  }

  // ---------- marketplace orders ----------

  async function showList(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const runs = await listImportRuns(db, marketplaceRunKinds);
    return render(request, reply, 'imports/list', { runs, kinds: marketplaceKinds, values: { kind: 'shopee' }, error: undefined, ...extra }, status);
  }

  app.get('/imports', { config: manage }, async (request, reply) => showList(request, reply));

  app.post('/imports', { config: manage }, async (request, reply) => {
    const { t } = helpers(request);
    const again = (error: string, values: Record<string, string>) => showList(request, reply, { error, values }, isHtmx(request) ? 200 : 400);
    let upload: Awaited<ReturnType<typeof readUpload>>;
    try {
      upload = await readUpload(request);
    } catch (err) {
      const problem = fileProblem(err, t);
      if (problem) return again(problem, {});
      throw err;
    }
    const kind = z.enum(marketplaceKinds).safeParse(upload.fields.kind);
    if (!kind.success) return again(t('field.choice'), upload.fields);
    if (!upload.file) return again(t('imports.file.missing'), upload.fields);
    try {
      const run = await previewMarketplaceFile(db, { kind: kind.data, filename: upload.file.filename, file: upload.file.data, actor: actorOf(request.admin!.user) });
      return goTo(request, reply, `/admin/imports/${run.id}`);
    } catch (err) {
      const problem = fileProblem(err, t);
      if (problem) return again(problem, upload.fields);
      throw err;
    }
  });

  async function showMapping(request: FastifyRequest, reply: FastifyReply, kind: MappingKind, extra: Record<string, unknown> = {}, status = 200) {
    const mapping = await mappingFor(db, kind);
    return render(
      request,
      reply,
      'imports/mapping',
      {
        kind,
        kinds: kind === 'cod_remittance' ? [] : marketplaceKinds,
        fields: fieldsOf(kind),
        required: requiredFields[kind],
        defaults: defaultMappings[kind],
        values: mapping,
        headers: await lastHeadersOf(db, kind),
        action: kind === 'cod_remittance' ? '/admin/imports/cod/mapping' : '/admin/imports/mapping',
        back: kind === 'cod_remittance' ? '/admin/imports/cod' : '/admin/imports',
        errors: {},
        ...extra,
      },
      status,
    );
  }

  async function saveMappingForm(request: FastifyRequest, reply: FastifyReply, kind: MappingKind) {
    const { t } = helpers(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const columns: Record<string, string> = {};
    const errors: FieldErrors = {};
    for (const field of fieldsOf(kind)) {
      const v = body[`col_${field}`];
      const value = typeof v === 'string' ? v.trim() : '';
      if (value.length > 200) errors[`col_${field}`] = t('field.tooLong', { max: 200 });
      if (!value && requiredFields[kind].includes(field)) errors[`col_${field}`] = t('field.required');
      columns[field] = value;
    }
    if (kind === 'cod_remittance' && !columns.trackingNumber && !columns.orderNumber) errors.col_trackingNumber = t('field.required');
    if (Object.keys(errors).length > 0) {
      const values = Object.fromEntries(Object.entries(formValues(body)).map(([k, v]) => [k.replace(/^col_/, ''), v]));
      return showMapping(request, reply, kind, { errors, values }, 400);
    }
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      await saveMapping(tx, kind, columns, actorOf(me));
      await writeAudit(tx, me, { action: 'imports.mapping', target: `mapping:${kind}`, details: columns });
    });
    const back = kind === 'cod_remittance' ? '/admin/imports/cod/mapping' : `/admin/imports/mapping?kind=${kind}`;
    return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}done=importsMapping`, 303);
  }

  async function resetMappingForm(request: FastifyRequest, reply: FastifyReply, kind: MappingKind) {
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      await resetMapping(tx, kind);
      await writeAudit(tx, me, { action: 'imports.mapping_reset', target: `mapping:${kind}` });
    });
    const back = kind === 'cod_remittance' ? '/admin/imports/cod/mapping' : `/admin/imports/mapping?kind=${kind}`;
    return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}done=importsMappingReset`, 303);
  }

  app.get('/imports/mapping', { config: manage }, async (request, reply) => showMapping(request, reply, kindQuery.parse(request.query ?? {}).kind));
  app.post('/imports/mapping', { config: manage }, async (request, reply) => {
    const kind = z.enum(marketplaceKinds).safeParse((request.body as Record<string, unknown> | undefined)?.kind);
    if (!kind.success) return notFound(request, reply);
    return saveMappingForm(request, reply, kind.data);
  });
  app.post('/imports/mapping/reset', { config: manage }, async (request, reply) => {
    const kind = z.enum(marketplaceKinds).safeParse((request.body as Record<string, unknown> | undefined)?.kind);
    if (!kind.success) return notFound(request, reply);
    return resetMappingForm(request, reply, kind.data);
  });

  async function showRun(request: FastifyRequest, reply: FastifyReply, run: ImportRun, extra: Record<string, unknown> = {}, status = 200) {
    const preview = run.status === 'preview' ? await previewMarketplaceRun(db, run) : undefined;
    const h = helpers(request);
    return render(
      request,
      reply,
      'imports/run',
      {
        run,
        preview,
        errorsText: preview?.errors.map((e) => ({ line: e.line, text: describeRow(JSON.stringify(e), h, config.shop.currency) })) ?? [],
        skus: preview && preview.unmatchedSkus.length > 0 ? await skuChoices(db) : [],
        rows: await resultRows(request, run),
        currency: config.shop.currency,
        errors: {},
        values: {},
        ...extra,
      },
      status,
    );
  }

  app.get('/imports/:id', { config: manage }, async (request, reply) => {
    const run = await runOf(request, false);
    return run ? showRun(request, reply, run) : notFound(request, reply);
  });

  app.get('/imports/:id/progress', { config: manage }, async (request, reply) => {
    const run = await runOf(request, false);
    if (!run) return notFound(request, reply);
    return render(request, reply, 'imports/progress', { run, rows: await resultRows(request, run), base: '/admin/imports' });
  });

  app.post('/imports/:id/skus', { config: manage }, async (request, reply) => {
    const run = await runOf(request, false);
    if (!run) return notFound(request, reply);
    const { t } = helpers(request);
    const parsed = parseForm(skuBody, request.body, t);
    if (!parsed.ok) return showRun(request, reply, run, { errors: parsed.errors, values: formValues(request.body) }, 400);
    const ours = (await findSellablesBySku(db, [parsed.data.sku])).get(parsed.data.sku.toLowerCase());
    if (!ours) {
      return showRun(request, reply, run, { errors: { sku: t('imports.skus.unknown', { sku: parsed.data.sku }) }, values: formValues(request.body) }, 400);
    }
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      await saveSkuAlias(tx, run.kind, parsed.data.externalSku, ours.variantId);
      await writeAudit(tx, me, { action: 'imports.sku_alias', target: `sku:${ours.sku}`, details: { channel: run.kind, externalSku: parsed.data.externalSku } });
    });
    return reply.redirect(`/admin/imports/${run.id}?done=importsSku#skus`, 303);
  });

  app.post('/imports/:id/apply', { config: manage }, async (request, reply) => {
    const run = await runOf(request, false);
    if (!run) return notFound(request, reply);
    const me = request.admin!.user;
    const started = await startMarketplaceImport(db, run, { actor: actorOf(me), currency: config.shop.currency, billing: config.shop, logger: request.log });
    if (!started) return showRun(request, reply, run, { error: helpers(request).t('imports.notWaiting') }, 409);
    await writeAudit(db, me, { action: 'imports.apply', target: `import:${run.id}`, details: { kind: run.kind, filename: run.filename } });
    return reply.redirect(`/admin/imports/${run.id}?done=importsStarted`, 303);
  });

  app.post('/imports/:id/discard', { config: manage }, async (request, reply) => {
    const run = await runOf(request, false);
    if (!run) return notFound(request, reply);
    await discardImportRun(db, run.id);
    return reply.redirect('/admin/imports', 303);
  });

  // ---------- COD remittances ----------

  async function showCodList(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const runs = await listImportRuns(db, ['cod_remittance']);
    return render(request, reply, 'imports/cod-list', { runs, error: undefined, ...extra }, status);
  }

  app.get('/imports/cod', { config: finance }, async (request, reply) => showCodList(request, reply));

  app.post('/imports/cod', { config: finance }, async (request, reply) => {
    const { t } = helpers(request);
    const again = (error: string) => showCodList(request, reply, { error }, isHtmx(request) ? 200 : 400);
    let upload: Awaited<ReturnType<typeof readUpload>>;
    try {
      upload = await readUpload(request);
    } catch (err) {
      const problem = fileProblem(err, t);
      if (problem) return again(problem);
      throw err;
    }
    if (!upload.file) return again(t('imports.file.missing'));
    try {
      const run = await previewCodFile(db, { filename: upload.file.filename, file: upload.file.data, actor: actorOf(request.admin!.user) });
      return goTo(request, reply, `/admin/imports/cod/${run.id}`);
    } catch (err) {
      const problem = fileProblem(err, t);
      if (problem) return again(problem);
      throw err;
    }
  });

  app.get('/imports/cod/mapping', { config: finance }, async (request, reply) => showMapping(request, reply, 'cod_remittance'));
  app.post('/imports/cod/mapping', { config: finance }, async (request, reply) => saveMappingForm(request, reply, 'cod_remittance'));
  app.post('/imports/cod/mapping/reset', { config: finance }, async (request, reply) => resetMappingForm(request, reply, 'cod_remittance'));

  async function showCodRun(request: FastifyRequest, reply: FastifyReply, run: ImportRun, extra: Record<string, unknown> = {}, status = 200) {
    const { days } = daysQuery.parse(request.query ?? {});
    const preview = run.status === 'preview' ? await previewCodRun(db, run, { days }) : undefined;
    const h = helpers(request);
    return render(
      request,
      reply,
      'imports/cod-run',
      {
        run,
        days,
        preview,
        errorsText: preview?.errors.map((e) => ({ line: e.line, text: describeRow(JSON.stringify(e), h, config.shop.currency) })) ?? [],
        rows: await resultRows(request, run),
        currency: config.shop.currency,
        ...extra,
      },
      status,
    );
  }

  app.get('/imports/cod/:id', { config: finance }, async (request, reply) => {
    const run = await runOf(request, true);
    return run ? showCodRun(request, reply, run) : notFound(request, reply);
  });

  app.get('/imports/cod/:id/progress', { config: finance }, async (request, reply) => {
    const run = await runOf(request, true);
    if (!run) return notFound(request, reply);
    return render(request, reply, 'imports/progress', { run, rows: await resultRows(request, run), base: '/admin/imports/cod' });
  });

  app.post('/imports/cod/:id/apply', { config: finance }, async (request, reply) => {
    const run = await runOf(request, true);
    if (!run) return notFound(request, reply);
    const me = request.admin!.user;
    const started = await startCodImport(db, run, {
      actor: actorOf(me),
      vatRegistered: config.shop.vatRegistered,
      timeZone: config.shop.timeZone,
      logger: request.log,
    });
    if (!started) return showCodRun(request, reply, run, { error: helpers(request).t('imports.notWaiting') }, 409);
    await writeAudit(db, me, { action: 'imports.cod_apply', target: `import:${run.id}`, details: { filename: run.filename } });
    return reply.redirect(`/admin/imports/cod/${run.id}?done=importsStarted`, 303);
  });

  app.post('/imports/cod/:id/discard', { config: finance }, async (request, reply) => {
    const run = await runOf(request, true);
    if (!run) return notFound(request, reply);
    await discardImportRun(db, run.id);
    return reply.redirect('/admin/imports/cod', 303);
  });
};

export type { MarketplaceKind };
