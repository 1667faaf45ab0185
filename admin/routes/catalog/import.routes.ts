import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ImportRun } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import type { CsvRowError } from '#src/modules/catalog/index.ts';
import { discardImportRun, findImportRun, listImportRuns, rowsOfRun } from '#src/modules/imports/index.ts';
import { payloadOf, previewProductFile, startProductImport } from '#src/workflows/imports/catalog-import.ts';
import { actorOf, writeAudit } from '../../audit.ts';
import { isMessageKey, type Translate } from '../../i18n/index.ts';
import { helpers, isHtmx, render } from '../../view.ts';
import { idParams } from './forms.ts';
import { goTo, manage, notFound } from './pages.ts';

/** A row error of the CSV in the reader's language: "price: is not an amount in baht". */
function csvErrorText(e: CsvRowError, t: Translate): string {
  const key = `catalog.imp.err.${e.code}`;
  return isMessageKey(key) ? t(key) : e.code;
}

function fileProblem(err: unknown, t: Translate): string | undefined {
  if (isAppError(err, 'IMPORT_FILE_INVALID')) {
    const reason = String(err.details?.reason);
    const key = `catalog.imp.file.${reason}`;
    const columns = Array.isArray(err.details?.columns) ? (err.details.columns as string[]).join(', ') : '';
    return isMessageKey(key) ? t(key, { text: err.message, columns }) : err.message;
  }
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT') return t('catalog.imp.file.tooLarge');
  return undefined;
}

/** The product CSV import: upload and preview, follow a run, apply or discard it. */
export const importRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;

  async function showImports(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const runs = await listImportRuns(db, ['products']);
    return render(request, reply, 'catalog/import', { runs: runs.slice(0, 20), error: undefined, ...extra }, status);
  }

  app.get('/products/import', { config: manage }, async (request, reply) => showImports(request, reply));

  app.post('/products/import', { config: manage }, async (request, reply) => {
    const { t } = helpers(request);
    const again = (error: string) => showImports(request, reply, { error }, isHtmx(request) ? 200 : 400);
    let file: { filename: string; data: Buffer } | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        const data = await part.toBuffer();
        if (!file && data.length > 0) file = { filename: part.filename.slice(0, 200) || 'products.csv', data };
      }
    } catch (err) {
      const problem = fileProblem(err, t);
      if (problem) return again(problem);
      throw err;
    }
    if (!file) return again(t('catalog.imp.file.missing'));
    try {
      const run = await previewProductFile(db, { filename: file.filename, file: file.data, actor: actorOf(request.admin!.user) });
      return goTo(request, reply, `/admin/products/import/${run.id}`);
    } catch (err) {
      const problem = fileProblem(err, t);
      if (problem) return again(problem);
      throw err;
    }
  });

  async function runOf(request: FastifyRequest): Promise<ImportRun | undefined> {
    const params = idParams.safeParse(request.params);
    if (!params.success) return undefined;
    const run = await findImportRun(db, params.data.id);
    return run && run.kind === 'products' ? run : undefined;
  }

  const SHOWN_ROWS = 2000;

  async function runView(request: FastifyRequest, run: ImportRun) {
    const { t } = helpers(request);
    const payload = run.status === 'preview' ? payloadOf(run) : { rows: [], errors: [] };
    const results = run.status === 'preview' || run.status === 'discarded' ? [] : await rowsOfRun(db, run.id, SHOWN_ROWS);
    return {
      run,
      planned: payload.rows.slice(0, SHOWN_ROWS),
      plannedMore: payload.rows.length > SHOWN_ROWS,
      rowErrors: payload.errors.map((e) => ({ ...e, text: csvErrorText(e, t) })),
      results,
      shown: SHOWN_ROWS,
      currency: config.shop.currency,
    };
  }

  app.get('/products/import/:id', { config: manage }, async (request, reply) => {
    const run = await runOf(request);
    if (!run) return notFound(request, reply);
    return render(request, reply, 'catalog/import-run', await runView(request, run));
  });

  app.get('/products/import/:id/progress', { config: manage }, async (request, reply) => {
    const run = await runOf(request);
    if (!run) return notFound(request, reply);
    return render(request, reply, 'catalog/import-progress', await runView(request, run));
  });

  app.post('/products/import/:id/apply', { config: manage }, async (request, reply) => {
    const run = await runOf(request);
    if (!run) return notFound(request, reply);
    const { t } = helpers(request);
    const me = request.admin!.user;
    try {
      const started = await startProductImport(db, run, request.log, config.shop.currency);
      if (started) await writeAudit(db, me, { action: 'products.import', target: `import:${run.id}`, details: { filename: run.filename, rows: run.totalRows } });
    } catch (err) {
      if (isAppError(err, 'IMPORT_FILE_INVALID')) {
        return render(request, reply, 'catalog/import-run', { ...(await runView(request, run)), error: fileProblem(err, t) }, 409);
      }
      throw err;
    }
    return reply.redirect(`/admin/products/import/${run.id}`, 303);
  });

  app.post('/products/import/:id/discard', { config: manage }, async (request, reply) => {
    const run = await runOf(request);
    if (!run) return notFound(request, reply);
    await discardImportRun(db, run.id);
    return reply.redirect('/admin/products/import?done=catalogImportDiscarded', 303);
  });
};
