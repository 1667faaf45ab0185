import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { withTransaction } from '#src/db/client.ts';
import { categoryByName, findCategory, listCategories, productCsv, productImagePath, updateProduct, type ProductFields } from '#src/modules/catalog/index.ts';
import { listWarehouses } from '#src/modules/inventory/index.ts';
import { createProductWithVariant } from '#src/workflows/catalog/create-product.ts';
import { actorOf, writeAudit } from '../../audit.ts';
import { formValues, parseForm, type FieldErrors } from '../../forms.ts';
import { exportVariants, listProducts } from '../../queries/catalog.ts';
import { helpers, listPageUrl, render } from '../../view.ts';
import { listQuery, openingBody, productBody, toVariantFields, variantBody, variantProblem } from './forms.ts';
import { forProduct, manage, showProduct } from './pages.ts';

const PER_PAGE = 50;

/** The product list, the CSV export, a new product with its first variant, and the product page's own form. */
export const productsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;

  // ---------- list ----------

  app.get('/products', { config: manage }, async (request, reply) => {
    const f = listQuery.parse(request.query ?? {});
    const { rows, total } = await listProducts(db, { q: f.q, categoryId: f.category, active: f.active, page: f.page, perPage: PER_PAGE });
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const pageUrl = (page: number) => listPageUrl('/admin/products', { q: f.q, category: f.category, active: f.active }, page);
    return render(request, reply, 'catalog/list', {
      rows: rows.map((r) => ({ ...r, thumb: r.product.images[0] ? productImagePath(r.product.id, r.product.images[0], true) : undefined })),
      total,
      filter: f,
      categories: await listCategories(db),
      page: Math.min(f.page, pages),
      pages,
      pageUrl,
      currency: config.shop.currency,
    });
  });

  // ---------- create ----------

  async function showNew(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const warehouses = (await listWarehouses(db)).filter((w) => w.active);
    return render(
      request,
      reply,
      'catalog/new',
      { errors: {}, values: { active: 'on', variantActive: 'on', warehouseId: warehouses[0] ? String(warehouses[0].id) : '' }, categories: await listCategories(db), warehouses, ...extra },
      status,
    );
  }

  app.get('/products/new', { config: manage }, async (request, reply) => showNew(request, reply));

  /** The category chosen, or the new one typed beside the list (created in the same transaction). */
  async function categoryOf(tx: Parameters<typeof categoryByName>[0], d: { categoryId?: number | undefined; newCategory?: string | undefined }) {
    if (d.newCategory) return categoryByName(tx, d.newCategory);
    if (d.categoryId && (await findCategory(tx, d.categoryId))) return d.categoryId;
    return null;
  }

  app.post('/products', { config: manage }, async (request, reply) => {
    const { t } = helpers(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const p = parseForm(productBody, body, t);
    const v = parseForm(variantBody, { ...body, active: body.variantActive }, t);
    const s = parseForm(openingBody, body, t);
    const errors: FieldErrors = { ...(p.ok ? {} : p.errors), ...(v.ok ? {} : v.errors), ...(s.ok ? {} : s.errors) };
    if (!v.ok && v.errors.active) errors.variantActive = v.errors.active;
    const warehouses = (await listWarehouses(db)).filter((w) => w.active);
    if (s.ok && (s.data.openingQty ?? 0) > 0 && !warehouses.some((w) => w.id === s.data.warehouseId)) errors.warehouseId = t('catalog.err.warehouse');
    const again = (e: FieldErrors) => showNew(request, reply, { errors: e, values: formValues(body) }, 400);
    if (!p.ok || !v.ok || !s.ok || Object.keys(errors).length > 0) return again(errors);
    const me = request.admin!.user;
    try {
      const categoryId = p.data.categoryId && (await findCategory(db, p.data.categoryId)) ? p.data.categoryId : null;
      const { product } = await createProductWithVariant(
        db,
        {
          product: {
            nameTh: p.data.nameTh,
            nameEn: p.data.nameEn ?? p.data.nameTh,
            descriptionTh: p.data.descriptionTh ?? '',
            descriptionEn: p.data.descriptionEn ?? '',
            categoryId,
            lastsDays: p.data.lastsDays || null,
            active: p.data.active,
          },
          newCategory: p.data.newCategory,
          variant: toVariantFields(v.data),
          openingStock: s.data.openingQty && s.data.warehouseId ? { warehouseId: s.data.warehouseId, qty: s.data.openingQty } : undefined,
          currency: config.shop.currency,
        },
        actorOf(me),
        async (tx, created) => {
          await writeAudit(tx, me, {
            action: 'product.create',
            target: `product:${created.product.id}`,
            details: { sku: created.variant.sku, openingQty: s.data.openingQty ?? 0, warehouseId: s.data.warehouseId ?? null },
          });
        },
      );
      return reply.redirect(`/admin/products/${product.id}?done=catalogCreated`, 303);
    } catch (err) {
      const problem = variantProblem(err, t);
      if (problem) return again(problem);
      throw err;
    }
  });

  app.get('/products/:id', { config: manage }, forProduct(showProduct));

  app.post('/products/:id', { config: manage }, forProduct(async (request, reply, product) => {
    const { t } = helpers(request);
    const parsed = parseForm(productBody, request.body, t);
    if (!parsed.ok) return showProduct(request, reply, product, { errors: parsed.errors, values: formValues(request.body) }, 400);
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      const fields: ProductFields = {
        nameTh: parsed.data.nameTh,
        nameEn: parsed.data.nameEn ?? parsed.data.nameTh,
        descriptionTh: parsed.data.descriptionTh ?? '',
        descriptionEn: parsed.data.descriptionEn ?? '',
        categoryId: await categoryOf(tx, parsed.data),
        lastsDays: parsed.data.lastsDays || null,
        active: parsed.data.active,
      };
      await updateProduct(tx, product.id, fields);
      await writeAudit(tx, me, { action: 'product.update', target: `product:${product.id}`, details: { ...fields } });
    });
    return reply.redirect(`/admin/products/${product.id}?done=catalogSaved`, 303);
  }));

  // ---------- CSV export (the import has its own routes) ----------

  app.get('/products/export.csv', { config: manage }, async (_request, reply) => {
    const csv = productCsv(await exportVariants(db));
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: config.shop.timeZone }).format(new Date());
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="products-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });
};
