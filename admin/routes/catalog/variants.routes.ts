import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { findProduct, findVariant } from '#src/modules/catalog/index.ts';
import { addVariant } from '#src/workflows/catalog/add-variant.ts';
import { editVariant } from '#src/workflows/catalog/edit-variant.ts';
import { writeAudit } from '../../audit.ts';
import { formValues, parseForm, type FieldErrors } from '../../forms.ts';
import { helpers, render } from '../../view.ts';
import { toVariantFields, variantBody, variantParams, variantProblem, variantValues } from './forms.ts';
import { forProduct, manage, notFound, showProduct } from './pages.ts';

/** A product's variants: add one, edit one, switch one on or off. */
export const variantsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;

  app.post('/products/:id/variants', { config: manage }, forProduct(async (request, reply, product) => {
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
  }));

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
};
