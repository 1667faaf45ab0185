import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Product } from '#src/db/schema/index.ts';
import { findProduct, listCategories, productImagePath, variantsOf } from '#src/modules/catalog/index.ts';
import { allowed } from '../../auth/roles.ts';
import { stockOfProduct } from '../../queries/catalog.ts';
import { helpers, isHtmx, render } from '../../view.ts';
import { idParams, productValues } from './forms.ts';

/** Every catalog page is for catalog.manage. */
export const manage = { roles: allowed('catalog.manage') };

export function notFound(request: FastifyRequest, reply: FastifyReply) {
  const { t } = helpers(request);
  return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('error.notFound') }, 404);
}

/** After an htmx upload: HX-Redirect; a plain form: 303. */
export function goTo(request: FastifyRequest, reply: FastifyReply, url: string) {
  if (isHtmx(request)) return reply.header('hx-redirect', url).code(204).send();
  return reply.redirect(url, 303);
}

/** The product of the :id in the address, if there is one. */
async function productOf(request: FastifyRequest): Promise<Product | undefined> {
  const params = idParams.safeParse(request.params);
  return params.success ? findProduct(request.server.deps.db, params.data.id) : undefined;
}

/** A handler of /products/:id/…, given the product; a product that does not exist is a 404 page. */
export function forProduct(handler: (request: FastifyRequest, reply: FastifyReply, product: Product) => Promise<unknown>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const product = await productOf(request);
    return product ? handler(request, reply, product) : notFound(request, reply);
  };
}

/** The product page: its form, variants with what is available, photos; forms of other routes show their errors here. */
export async function showProduct(request: FastifyRequest, reply: FastifyReply, product: Product, extra: Record<string, unknown> = {}, status = 200) {
  const { db, config } = request.server.deps;
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
