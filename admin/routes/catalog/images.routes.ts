import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { withTransaction } from '#src/db/client.ts';
import { isAppError } from '#src/errors.ts';
import { findProduct, removeProductImage, setProductImages, storeProductImage } from '#src/modules/catalog/index.ts';
import { writeAudit } from '../../audit.ts';
import { isMessageKey } from '../../i18n/index.ts';
import { helpers, isHtmx } from '../../view.ts';
import { imageParams } from './forms.ts';
import { forProduct, goTo, manage, notFound, showProduct } from './pages.ts';

/** A product's photos: upload, move one up, delete one. */
export const imagesRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;

  app.post('/products/:id/images', { config: manage }, forProduct(async (request, reply, product) => {
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
          const key = `catalog.err.image.${String(err.details?.reason)}`;
          problems.push(isMessageKey(key) ? t(key, { file, width: Number(err.details?.width ?? 0), height: Number(err.details?.height ?? 0) }) : key);
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
  }));

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
};
