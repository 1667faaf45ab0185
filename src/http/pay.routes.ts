import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { safeEqual } from '../modules/accounts/index.ts';
import { findOrderByNumber } from '../modules/orders/index.ts';
import { buildPromptPayPayload, renderPromptPayQrPng } from '../modules/payments/promptpay.ts';
import { paidAmount } from '../modules/payments/index.ts';
import { payQrSignature } from '../modules/payments/pay-qr.ts';

/** GET /pay/<order number>.png: the PromptPay QR for exactly what is still owed on the order. */
export async function payRoutes(app: FastifyInstance) {
  const params = z.object({ file: z.string().regex(/^TL-\d{4,9}\.png$/) });
  app.get('/pay/:file', { schema: { hide: true } }, async (request, reply) => {
    const { config, db, secret } = app.deps;
    const parsed = params.safeParse(request.params);
    const { s } = z.object({ s: z.string().max(64).default('') }).parse(request.query);
    if (!parsed.success || !config.promptPayId) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such QR code' } });
    const number = parsed.data.file.slice(0, -4);
    if (!safeEqual(s, payQrSignature(secret, number))) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such QR code' } });
    const order = await findOrderByNumber(db, number);
    if (!order) return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No such QR code' } });
    const owed = Math.max(0, order.total - (await paidAmount(db, order.id)));
    const png = await renderPromptPayQrPng(buildPromptPayPayload({ id: config.promptPayId, amountMinor: owed }));
    return reply.type('image/png').header('cache-control', 'private, max-age=60').send(png);
  });
}
