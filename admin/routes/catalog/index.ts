import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { MAX_PRODUCT_CSV_BYTES, MAX_PRODUCT_IMAGE_BYTES, MAX_PRODUCT_IMAGE_FILES } from '#src/modules/catalog/index.ts';
import { categoriesRoutes } from './categories.routes.ts';
import { imagesRoutes } from './images.routes.ts';
import { importRoutes } from './import.routes.ts';
import { productsRoutes } from './products.routes.ts';
import { variantsRoutes } from './variants.routes.ts';

/** Products, variants, photos, categories and the product CSV (catalog.manage), one file a resource. */
export const catalogRoutes: FastifyPluginAsync = async (app) => {
  // Photos and the CSV arrive as multipart forms; the limits fit the larger of the two.
  await app.register(multipart, {
    limits: { fileSize: Math.max(MAX_PRODUCT_IMAGE_BYTES, MAX_PRODUCT_CSV_BYTES), files: MAX_PRODUCT_IMAGE_FILES, fields: 10, parts: 20, fieldSize: 10_000 },
  });
  await app.register(productsRoutes);
  await app.register(variantsRoutes);
  await app.register(imagesRoutes);
  await app.register(categoriesRoutes);
  await app.register(importRoutes);
};
