import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import { customers } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { findCustomer } from '#src/modules/customers/index.ts';
import { mergeCustomers } from '#src/workflows/customers/merge-customers.ts';
import { writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { customerPage, listCustomers } from '../queries/customers.ts';
import { helpers, listPageUrl, render } from '../view.ts';

const PER_PAGE = 50;
const maxId = 2_147_483_647;
const idParams = z.object({ id: z.coerce.number().int().positive().max(maxId) });
const pairParams = idParams.extend({ otherId: z.coerce.number().int().positive().max(maxId) });
const listQuery = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
const optOutBody = z.object({ optOut: z.enum(['true', 'false']) });
const noteBody = z.object({ note: z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().max(2000)) });
const mergeBody = z.object({ duplicateId: z.coerce.number().int().positive().max(maxId) });

/** Customer list and pages (customers.view); merging duplicates (customers.merge). */
export const customersRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const view = { roles: allowed('customers.view') };
  const merge = { roles: allowed('customers.merge') };

  function notFound(request: FastifyRequest, reply: FastifyReply) {
    const { t } = helpers(request);
    return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('error.notFound') }, 404);
  }

  function listPage(base: string, f: z.output<typeof listQuery>) {
    return (page: number) => listPageUrl(base, { q: f.q }, page);
  }

  app.get('/customers', { config: view }, async (request, reply) => {
    const f = listQuery.parse(request.query ?? {});
    const { rows, total } = await listCustomers(db, { q: f.q, page: f.page, perPage: PER_PAGE });
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    return render(request, reply, 'customers/list', {
      rows,
      total,
      filter: f,
      page: Math.min(f.page, pages),
      pages,
      pageUrl: listPage('/admin/customers', f),
      currency: config.shop.currency,
    });
  });

  /** The customer of the URL; a merged record answers with a redirect to the one it was merged into. */
  async function customerOf(request: FastifyRequest, reply: FastifyReply, suffix = '') {
    const params = idParams.safeParse(request.params);
    const customer = params.success ? await findCustomer(db, params.data.id) : undefined;
    if (!customer) {
      await notFound(request, reply);
      return undefined;
    }
    if (customer.mergedIntoId !== null) {
      await reply.redirect(`/admin/customers/${customer.mergedIntoId}${suffix}`, request.method === 'GET' ? 301 : 303);
      return undefined;
    }
    return customer;
  }

  app.get('/customers/:id', { config: view }, async (request, reply) => {
    const customer = await customerOf(request, reply);
    if (!customer) return reply;
    const page = await customerPage(db, customer.id);
    return render(request, reply, 'customers/detail', { ...page!, currency: config.shop.currency, error: undefined });
  });

  app.post('/customers/:id/reminders', { config: view }, async (request, reply) => {
    const customer = await customerOf(request, reply);
    if (!customer) return reply;
    const parsed = optOutBody.safeParse(request.body ?? {});
    if (!parsed.success) return notFound(request, reply);
    const optOut = parsed.data.optOut === 'true';
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      await tx.update(customers).set({ reminderOptOut: optOut, updatedAt: new Date() }).where(eq(customers.id, customer.id));
      await writeAudit(tx, me, {
        action: optOut ? 'customer.reminders_opt_out' : 'customer.reminders_opt_in',
        target: `customer:${customer.id}`,
        details: { from: customer.reminderOptOut, to: optOut },
      });
    });
    return reply.redirect(`/admin/customers/${customer.id}?done=${optOut ? 'customersOptOut' : 'customersOptIn'}`, 303);
  });

  app.post('/customers/:id/note', { config: view }, async (request, reply) => {
    const customer = await customerOf(request, reply);
    if (!customer) return reply;
    const parsed = noteBody.safeParse(request.body ?? {});
    if (!parsed.success) return notFound(request, reply);
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      await tx
        .update(customers)
        .set({ note: parsed.data.note || null, updatedAt: new Date() })
        .where(eq(customers.id, customer.id));
      await writeAudit(tx, me, { action: 'customer.note', target: `customer:${customer.id}` });
    });
    return reply.redirect(`/admin/customers/${customer.id}?done=customersNote`, 303);
  });

  // ---------- merging ----------

  app.get('/customers/:id/merge', { config: merge }, async (request, reply) => {
    const customer = await customerOf(request, reply, '/merge');
    if (!customer) return reply;
    const f = listQuery.parse(request.query ?? {});
    const { rows, total } = f.q ? await listCustomers(db, { q: f.q, page: f.page, perPage: 20, exceptId: customer.id }) : { rows: [], total: 0 };
    return render(request, reply, 'customers/merge', {
      customer,
      rows,
      total,
      filter: f,
      page: f.page,
      pages: Math.max(1, Math.ceil(total / 20)),
      pageUrl: listPage(`/admin/customers/${customer.id}/merge`, f),
      currency: config.shop.currency,
    });
  });

  app.get('/customers/:id/merge/:otherId', { config: merge }, async (request, reply) => {
    const params = pairParams.safeParse(request.params);
    if (!params.success) return notFound(request, reply);
    const keep = await customerPage(db, params.data.id);
    const dup = await customerPage(db, params.data.otherId);
    if (!keep || !dup) return notFound(request, reply);
    const { t } = helpers(request);
    const error =
      keep.customer.id === dup.customer.id
        ? t('customers.err.same')
        : keep.customer.mergedIntoId !== null || dup.customer.mergedIntoId !== null
          ? t('customers.err.merged')
          : undefined;
    return render(request, reply, 'customers/merge-confirm', { keep, dup, error, currency: config.shop.currency }, error ? 409 : 200);
  });

  app.post('/customers/:id/merge', { config: merge }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    const body = mergeBody.safeParse(request.body ?? {});
    if (!params.success || !body.success) return notFound(request, reply);
    const { t } = helpers(request);
    const me = request.admin!.user;
    try {
      await mergeCustomers(db, { keepId: params.data.id, duplicateId: body.data.duplicateId }, async (tx, result) => {
        await writeAudit(tx, me, {
          action: 'customer.merge',
          target: `customer:${params.data.id}`,
          details: { merged: body.data.duplicateId, moved: result.moved, filled: result.filled },
        });
      });
    } catch (err) {
      if (isAppError(err, 'CUSTOMER_MERGE_REFUSED')) {
        const message = err.details?.reason === 'same' ? t('customers.err.same') : t('customers.err.merged');
        return render(request, reply, 'error', { title: t('customers.confirmTitle'), message }, 409);
      }
      if (isAppError(err, 'NOT_FOUND')) return notFound(request, reply);
      throw err;
    }
    return reply.redirect(`/admin/customers/${params.data.id}?done=customersMerged`, 303);
  });
};
