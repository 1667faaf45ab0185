import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pgErrorCode, withTransaction } from '#src/db/client.ts';
import type { ImportRun, Product } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import {
  categoryByName,
  findCategory,
  findProduct,
  findVariant,
  formatOptions,
  listCategories,
  MAX_PRODUCT_CSV_BYTES,
  MAX_PRODUCT_IMAGE_BYTES,
  MAX_PRODUCT_IMAGE_FILES,
  mediaFileName,
  parseOptions,
  productCsv,
  productImagePath,
  removeProductImage,
  setProductImages,
  storeProductImage,
  updateCategory,
  updateProduct,
  variantsOf,
  type CsvRowError,
  type ProductFields,
  type VariantFields,
} from '#src/modules/catalog/index.ts';
import { discardImportRun, findImportRun, listImportRuns, rowsOfRun } from '#src/modules/imports/index.ts';
import { listWarehouses } from '#src/modules/inventory/index.ts';
import { payloadOf, previewProductFile, startProductImport } from '#src/workflows/imports/catalog-import.ts';
import { addVariant } from '#src/workflows/catalog/add-variant.ts';
import { createProductWithVariant } from '#src/workflows/catalog/create-product.ts';
import { editVariant } from '#src/workflows/catalog/edit-variant.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { baht, formValues, optional, parseForm, text, type FieldErrors } from '../forms.ts';
import { isMessageKey, type MessageKey, type Translate } from '../i18n/index.ts';
import { categoriesWithCounts, exportVariants, listProducts, stockOfProduct } from '../queries/catalog.ts';
import { helpers, isHtmx, render } from '../view.ts';

const PER_PAGE = 50;
const maxId = 2_147_483_647;
const idParams = z.object({ id: z.coerce.number().int().positive().max(maxId) });
const variantParams = idParams.extend({ variantId: z.coerce.number().int().positive().max(maxId) });
const imageParams = idParams.extend({ file: z.string().regex(mediaFileName) });

const listQuery = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  category: z.coerce.number().int().positive().max(maxId).optional().catch(undefined),
  active: z.enum(['yes', 'no']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === '1' || (Array.isArray(v) && v.includes('on')), z.boolean());
const wholeNumber = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/[,\s]/g, '') : v),
    z.string().regex(/^\d+$/, 'catalog.err.whole').transform(Number).pipe(z.number().int().min(0).max(max, 'catalog.err.whole')),
  );

const productBody = z.object({
  nameTh: text(200),
  nameEn: optional(text(200)),
  descriptionTh: optional(z.string().max(5000)),
  descriptionEn: optional(z.string().max(5000)),
  categoryId: optional(z.coerce.number().int().positive().max(maxId)),
  newCategory: optional(text(100)),
  lastsDays: optional(wholeNumber(3650)),
  active: checkbox,
});

const variantBody = z.object({
  sku: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z
      .string()
      .min(1)
      .max(64, 'catalog.err.sku')
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'catalog.err.sku'),
  ),
  options: z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    z
      .string()
      .max(500)
      .transform((s, ctx) => {
        const parsed = parseOptions(s);
        if (!parsed) {
          ctx.addIssue({ code: 'custom', message: 'catalog.err.options' });
          return z.NEVER;
        }
        return parsed;
      }),
  ),
  price: baht(),
  compareAtPrice: optional(baht()),
  cost: optional(baht()),
  weightGrams: optional(wholeNumber(1_000_000)),
  barcode: optional(text(64)),
  active: checkbox,
});

const openingBody = z.object({
  warehouseId: optional(z.coerce.number().int().positive().max(maxId)),
  openingQty: optional(wholeNumber(1_000_000)),
});

const categoryBody = z.object({
  nameTh: text(100),
  nameEn: optional(text(100)),
  sortOrder: optional(z.coerce.number().int().min(-100_000).max(100_000)),
});

const moneyText = (satang: number | null | undefined) =>
  satang === null || satang === undefined ? '' : `${Math.trunc(satang / 100)}.${String(satang % 100).padStart(2, '0')}`;

function variantValues(v: VariantFields | { sku: string; options: Record<string, string>; price: number; compareAtPrice: number | null; cost: number | null; weightGrams: number | null; barcode: string | null; active: boolean }) {
  return {
    sku: v.sku,
    options: formatOptions(v.options),
    price: moneyText(v.price),
    compareAtPrice: moneyText(v.compareAtPrice),
    cost: moneyText(v.cost),
    weightGrams: v.weightGrams === null ? '' : String(v.weightGrams),
    barcode: v.barcode ?? '',
    active: v.active ? 'on' : '',
  };
}

function productValues(p: Product) {
  return {
    nameTh: p.nameTh,
    nameEn: p.nameEn === p.nameTh ? '' : p.nameEn,
    descriptionTh: p.descriptionTh,
    descriptionEn: p.descriptionEn,
    categoryId: p.categoryId === null ? '' : String(p.categoryId),
    lastsDays: p.lastsDays === null ? '' : String(p.lastsDays),
    active: p.active ? 'on' : '',
  };
}

function toVariantFields(d: z.output<typeof variantBody>): VariantFields {
  return {
    sku: d.sku,
    options: d.options,
    price: d.price,
    compareAtPrice: d.compareAtPrice ?? null,
    cost: d.cost ?? null,
    weightGrams: d.weightGrams ?? null,
    barcode: d.barcode ?? null,
    active: d.active,
  };
}

/** A variant-form failure the core reports (a SKU in use, options missing) as a field error. */
function variantProblem(err: unknown, t: Translate): FieldErrors | undefined {
  if (isAppError(err, 'DUPLICATE_SKU')) return { sku: t('catalog.err.skuTaken', { sku: String(err.details?.sku ?? '') }) };
  if (pgErrorCode(err) === '23505') return { sku: t('catalog.err.skuTaken', { sku: '' }) };
  if (isAppError(err, 'VALIDATION_ERROR') && err.details?.reason === 'optionsNeeded') return { options: t('catalog.err.optionsNeeded') };
  return undefined;
}

/** A row error of the CSV in the reader's language: "price: is not an amount in baht". */
export function csvErrorText(e: CsvRowError, t: Translate): string {
  const key = `catalog.imp.err.${e.code}`;
  return isMessageKey(key) ? t(key as MessageKey) : e.code;
}

function fileProblem(err: unknown, t: Translate): string | undefined {
  if (isAppError(err, 'IMPORT_FILE_INVALID')) {
    const reason = String(err.details?.reason);
    const key = `catalog.imp.file.${reason}`;
    const columns = Array.isArray(err.details?.columns) ? (err.details.columns as string[]).join(', ') : '';
    return isMessageKey(key) ? t(key as MessageKey, { text: err.message, columns }) : err.message;
  }
  const code = (err as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT') return t('catalog.imp.file.tooLarge');
  return undefined;
}

/** Products, variants, photos, categories and the product CSV (catalog.manage). */
export const catalogRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  await app.register(multipart, {
    limits: { fileSize: Math.max(MAX_PRODUCT_IMAGE_BYTES, MAX_PRODUCT_CSV_BYTES), files: MAX_PRODUCT_IMAGE_FILES, fields: 10, parts: 20, fieldSize: 10_000 },
  });
  const manage = { roles: allowed('catalog.manage') };

  function notFound(request: FastifyRequest, reply: FastifyReply) {
    const { t } = helpers(request);
    return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('error.notFound') }, 404);
  }

  /** After an htmx upload: HX-Redirect; a plain form: 303. */
  function goTo(request: FastifyRequest, reply: FastifyReply, url: string) {
    if (isHtmx(request)) return reply.header('hx-redirect', url).code(204).send();
    return reply.redirect(url, 303);
  }

  // ---------- list ----------

  app.get('/products', { config: manage }, async (request, reply) => {
    const f = listQuery.parse(request.query ?? {});
    const { rows, total } = await listProducts(db, { q: f.q, categoryId: f.category, active: f.active, page: f.page, perPage: PER_PAGE });
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const pageUrl = (page: number) => {
      const params = new URLSearchParams();
      if (f.q) params.set('q', f.q);
      if (f.category) params.set('category', String(f.category));
      if (f.active) params.set('active', f.active);
      if (page > 1) params.set('page', String(page));
      const qs = params.toString();
      return qs ? `/admin/products?${qs}` : '/admin/products';
    };
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

  // ---------- product page ----------

  async function showProduct(request: FastifyRequest, reply: FastifyReply, product: Product, extra: Record<string, unknown> = {}, status = 200) {
    const variants = await variantsOf(db, product.id);
    const stock = await stockOfProduct(db, product.id);
    const available = new Map<number, number>();
    for (const s of stock) available.set(s.variantId, (available.get(s.variantId) ?? 0) + s.onHand - s.reserved);
    return render(
      request,
      reply,
      'catalog/product',
      {
        product,
        variants: variants.map((v) => ({ ...v, available: available.get(v.id) ?? 0 })),
        images: product.images.map((file) => ({ file, url: productImagePath(product.id, file), thumb: productImagePath(product.id, file, true) })),
        categories: await listCategories(db),
        currency: config.shop.currency,
        errors: {},
        values: productValues(product),
        variantErrors: {},
        variantValues: { active: 'on' },
        imageErrors: [],
        ...extra,
      },
      status,
    );
  }

  async function productOf(request: FastifyRequest): Promise<Product | undefined> {
    const params = idParams.safeParse(request.params);
    return params.success ? findProduct(db, params.data.id) : undefined;
  }

  app.get('/products/:id', { config: manage }, async (request, reply) => {
    const product = await productOf(request);
    return product ? showProduct(request, reply, product) : notFound(request, reply);
  });

  app.post('/products/:id', { config: manage }, async (request, reply) => {
    const product = await productOf(request);
    if (!product) return notFound(request, reply);
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
  });

  // ---------- variants ----------

  app.post('/products/:id/variants', { config: manage }, async (request, reply) => {
    const product = await productOf(request);
    if (!product) return notFound(request, reply);
    const { t } = helpers(request);
    const parsed = parseForm(variantBody, request.body, t);
    const again = (variantErrors: FieldErrors) =>
      showProduct(request, reply, product, { variantErrors, variantValues: formValues(request.body) }, 400);
    if (!parsed.ok) return again(parsed.errors);
    const me = request.admin!.user;
    try {
      await addVariant(db, product.id, toVariantFields(parsed.data), config.shop.currency, async (tx, variant) => {
        await writeAudit(tx, me, { action: 'variant.create', target: `variant:${variant.id}`, details: { productId: product.id, sku: variant.sku } });
      });
    } catch (err) {
      const problem = variantProblem(err, t);
      if (problem) return again(problem);
      throw err;
    }
    return reply.redirect(`/admin/products/${product.id}?done=catalogVariantAdded#variants`, 303);
  });

  async function variantOf(request: FastifyRequest) {
    const params = variantParams.safeParse(request.params);
    if (!params.success) return undefined;
    const product = await findProduct(db, params.data.id);
    const variant = await findVariant(db, params.data.variantId);
    return product && variant && variant.productId === product.id ? { product, variant } : undefined;
  }

  app.get('/products/:id/variants/:variantId', { config: manage }, async (request, reply) => {
    const found = await variantOf(request);
    if (!found) return notFound(request, reply);
    return render(request, reply, 'catalog/variant', { ...found, errors: {}, values: variantValues(found.variant) });
  });

  app.post('/products/:id/variants/:variantId', { config: manage }, async (request, reply) => {
    const found = await variantOf(request);
    if (!found) return notFound(request, reply);
    const { t } = helpers(request);
    const parsed = parseForm(variantBody, request.body, t);
    const again = (errors: FieldErrors) => render(request, reply, 'catalog/variant', { ...found, errors, values: formValues(request.body) }, 400);
    if (!parsed.ok) return again(parsed.errors);
    const me = request.admin!.user;
    const fields = toVariantFields(parsed.data);
    try {
      await editVariant(db, found.product.id, found.variant.id, fields, async (tx) => {
        await writeAudit(tx, me, { action: 'variant.update', target: `variant:${found.variant.id}`, details: { ...fields, before: { sku: found.variant.sku, price: found.variant.price } } });
      });
    } catch (err) {
      const problem = variantProblem(err, t);
      if (problem) return again(problem);
      throw err;
    }
    return reply.redirect(`/admin/products/${found.product.id}?done=catalogVariantSaved#variants`, 303);
  });

  app.post('/products/:id/variants/:variantId/active', { config: manage }, async (request, reply) => {
    const found = await variantOf(request);
    if (!found) return notFound(request, reply);
    const active = (request.body as Record<string, unknown> | undefined)?.active === 'true';
    const me = request.admin!.user;
    const { t } = helpers(request);
    try {
      await editVariant(db, found.product.id, found.variant.id, { ...found.variant, active }, async (tx) => {
        await writeAudit(tx, me, { action: active ? 'variant.activate' : 'variant.deactivate', target: `variant:${found.variant.id}`, details: { sku: found.variant.sku } });
      });
    } catch (err) {
      const problem = variantProblem(err, t);
      if (problem) return showProduct(request, reply, found.product, { variantErrors: problem }, 400);
      throw err;
    }
    return reply.redirect(`/admin/products/${found.product.id}?done=catalogVariantSaved#variants`, 303);
  });

  // ---------- photos ----------

  app.post('/products/:id/images', { config: manage }, async (request, reply) => {
    const product = await productOf(request);
    if (!product) return notFound(request, reply);
    const { t } = helpers(request);
    const stored: string[] = [];
    const problems: string[] = [];
    try {
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        const data = await part.toBuffer();
        if (data.length === 0 && !part.filename) continue;
        const file = part.filename.slice(0, 100) || 'upload';
        try {
          stored.push(await storeProductImage(config.dataDir, product.id, data));
        } catch (err) {
          if (!isAppError(err, 'PRODUCT_IMAGE_INVALID')) throw err;
          const reason = String(err.details?.reason);
          problems.push(
            t(`catalog.err.image.${reason}` as MessageKey, { file, width: Number(err.details?.width ?? 0), height: Number(err.details?.height ?? 0) }),
          );
        }
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') problems.push(t('catalog.err.image.tooMany'));
      else throw err;
    }
    if (stored.length === 0 && problems.length === 0) problems.push(t('catalog.err.image.none'));
    const me = request.admin!.user;
    let images = product.images;
    if (stored.length > 0) {
      images = await withTransaction(db, async (tx) => {
        const current = (await findProduct(tx, product.id))!.images;
        const next = [...current, ...stored.filter((f) => !current.includes(f))];
        await setProductImages(tx, product.id, next);
        await writeAudit(tx, me, { action: 'product.images_add', target: `product:${product.id}`, details: { files: stored } });
        return next;
      });
    }
    if (problems.length > 0) {
      const status = isHtmx(request) ? 200 : 400;
      return showProduct(request, reply, { ...product, images }, { imageErrors: problems }, status);
    }
    return goTo(request, reply, `/admin/products/${product.id}?done=catalogImages#images`);
  });

  async function imageOf(request: FastifyRequest) {
    const params = imageParams.safeParse(request.params);
    if (!params.success) return undefined;
    const product = await findProduct(db, params.data.id);
    return product && product.images.includes(params.data.file) ? { product, file: params.data.file } : undefined;
  }

  app.post('/products/:id/images/:file/up', { config: manage }, async (request, reply) => {
    const found = await imageOf(request);
    if (!found) return notFound(request, reply);
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      const images = [...(await findProduct(tx, found.product.id))!.images];
      const at = images.indexOf(found.file);
      if (at > 0) {
        [images[at - 1], images[at]] = [images[at]!, images[at - 1]!];
        await setProductImages(tx, found.product.id, images);
        await writeAudit(tx, me, { action: 'product.images_order', target: `product:${found.product.id}`, details: { images } });
      }
    });
    return reply.redirect(`/admin/products/${found.product.id}?done=catalogImageMoved#images`, 303);
  });

  app.post('/products/:id/images/:file/delete', { config: manage }, async (request, reply) => {
    const found = await imageOf(request);
    if (!found) return notFound(request, reply);
    const me = request.admin!.user;
    await withTransaction(db, async (tx) => {
      const images = (await findProduct(tx, found.product.id))!.images.filter((f) => f !== found.file);
      await setProductImages(tx, found.product.id, images);
      await writeAudit(tx, me, { action: 'product.images_delete', target: `product:${found.product.id}`, details: { file: found.file } });
    });
    // The file goes after the commit: a failed transaction never leaves a listed photo without its file.
    await removeProductImage(config.dataDir, found.product.id, found.file);
    return reply.redirect(`/admin/products/${found.product.id}?done=catalogImageDeleted#images`, 303);
  });

  // ---------- categories ----------

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

  // ---------- CSV export and import ----------

  app.get('/products/export.csv', { config: manage }, async (_request, reply) => {
    const csv = productCsv(await exportVariants(db));
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: config.shop.timeZone }).format(new Date());
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="products-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });

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
