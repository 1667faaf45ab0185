import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { withTransaction } from '#src/db/client.ts';
import { categoryByName, findCategory, updateCategory } from '#src/modules/catalog/index.ts';
import { writeAudit } from '../../audit.ts';
import { formValues, parseForm } from '../../forms.ts';
import { categoriesWithCounts } from '../../queries/catalog.ts';
import { helpers, render } from '../../view.ts';
import { categoryBody, idParams } from './forms.ts';
import { manage, notFound } from './pages.ts';

/** The categories page: add a category, rename or reorder one. */
export const categoriesRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.deps;

  async function showCategories(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    return render(request, reply, 'catalog/categories', { categories: await categoriesWithCounts(db), errors: {}, values: {}, ...extra }, status);
  }

  app.get('/products/categories', { config: manage }, async (request, reply) => showCategories(request, reply));

  app.post('/products/categories', { config: manage }, async (request, reply) => {
    const { t } = helpers(request);
    const parsed = parseForm(categoryBody, request.body, t);
    if (!parsed.ok) return showCategories(request, reply, { errors: parsed.errors, values: formValues(request.body) }, 400);
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      const id = await categoryByName(tx, parsed.data.nameTh, parsed.data.nameEn);
      await updateCategory(tx, id, { nameTh: parsed.data.nameTh, nameEn: parsed.data.nameEn ?? parsed.data.nameTh, sortOrder: parsed.data.sortOrder ?? 0 });
      await writeAudit(tx, me, { action: 'category.save', target: `category:${id}`, details: { nameTh: parsed.data.nameTh } });
    });
    return reply.redirect('/admin/products/categories?done=catalogCategory', 303);
  });

  app.post('/products/categories/:id', { config: manage }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    const category = params.success ? await findCategory(db, params.data.id) : undefined;
    if (!category) return notFound(request, reply);
    const { t } = helpers(request);
    const parsed = parseForm(categoryBody, request.body, t);
    if (!parsed.ok) return showCategories(request, reply, { editErrors: { id: category.id, errors: parsed.errors } }, 400);
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      await updateCategory(tx, category.id, { nameTh: parsed.data.nameTh, nameEn: parsed.data.nameEn ?? parsed.data.nameTh, sortOrder: parsed.data.sortOrder ?? 0 });
      await writeAudit(tx, me, { action: 'category.save', target: `category:${category.id}`, details: { nameTh: parsed.data.nameTh } });
    });
    return reply.redirect('/admin/products/categories?done=catalogCategory', 303);
  });
};
