import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { mediaFileName, productMediaDir } from '../modules/catalog/index.ts';
import { staffPhotoDir, staffPhotoName } from '../modules/conversations/index.ts';

const params = z.object({
  productId: z.string().regex(/^[1-9]\d{0,9}$/),
  file: z.string().regex(mediaFileName),
});

/**
 * GET /media/products/<productId>/<file>.webp: product photos, public because LINE and Telegram fetch
 * them for the catalog cards. Names are content hashes, so a file never changes: cached for a year.
 */
export async function mediaRoutes(app: FastifyInstance) {
  app.get('/media/products/:productId/:file', { schema: { hide: true } }, async (request, reply) => {
    const parsed = params.safeParse(request.params);
    const notFound = () => reply.status(404).header('cache-control', 'no-store').send({ error: { code: 'NOT_FOUND', message: 'No such image' } });
    if (!parsed.success) return notFound();
    const dir = productMediaDir(app.deps.config.dataDir, Number(parsed.data.productId));
    const where = path.join(dir, parsed.data.file);
    // The regexes already exclude separators and dots; this keeps it so if they ever change.
    if (path.dirname(where) !== dir) return notFound();
    const body = await readFile(where).catch(() => undefined);
    if (!body) return notFound();
    return reply
      .type('image/webp')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });

  /** GET /media/chat/<sha256>.<format>: photos staff sent from the inbox (LINE fetches them); named by content, never changed. */
  app.get('/media/chat/:file', { schema: { hide: true } }, async (request, reply) => {
    const file = (request.params as { file?: unknown }).file;
    const notFound = () => reply.status(404).header('cache-control', 'no-store').send({ error: { code: 'NOT_FOUND', message: 'No such image' } });
    if (typeof file !== 'string' || !staffPhotoName.test(file)) return notFound();
    const body = await readFile(path.join(staffPhotoDir(app.deps.config.dataDir), file)).catch(() => undefined);
    if (!body) return notFound();
    return reply
      .type(`image/${file.split('.')[1]}`)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });
}
