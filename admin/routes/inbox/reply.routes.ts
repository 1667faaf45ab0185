import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { setLabels, type HandoverChange, type HandoverEvent } from '#src/modules/conversations/index.ts';
import { listCatalogCards } from '#src/modules/catalog/index.ts';
import { availableByVariant } from '#src/modules/inventory/index.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import type { ChatAddress, CustomerNotice } from '#src/modules/notify/index.ts';
import { payQrUrl } from '#src/modules/payments/pay-qr.ts';
import { formatMoney } from '#src/lib/money.ts';
import { moveConversation, replyAsStaff } from '#src/workflows/conversations/reply-as-staff.ts';
import { buildProductCard } from '#bots/engine/product-card.ts';
import { messages as allMessages } from '#templates/messages/index.ts';
import { writeAudit } from '../../audit.ts';
import { allowed } from '../../auth/roles.ts';
import { latestParcel, type ConversationHead } from '../../queries/inbox.ts';
import { helpers, isHtmx } from '../../view.ts';
import { chatAddressOf, headOf } from './conversation.routes.ts';

const replyBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string().trim().min(1).max(2000), messageId: z.uuid() }),
  z.object({ kind: z.literal('product'), sku: z.string().trim().min(1).max(64), text: z.string().trim().max(2000).optional(), messageId: z.uuid() }),
  z.object({ kind: z.literal('payment'), order: z.string().trim().min(1).max(32), messageId: z.uuid() }),
  z.object({ kind: z.literal('tracking'), order: z.string().trim().min(1).max(32), messageId: z.uuid() }),
]);
const assignBody = z.object({ userId: z.union([z.literal(''), z.coerce.number().int().positive().max(2_147_483_647)]) });
const labelsBody = z.object({ labels: z.string().max(800) });

/** Answering as a person, and moving the conversation: take over, hand back, assign, labels. Each is audited. */
export const inboxReplyRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, secret, carriers } = app.deps;
  const inbox = { roles: allowed('inbox.use') };

  /** After a change: htmx reloads the conversation in place, a plain form follows the redirect. */
  const done = (request: FastifyRequest, reply: FastifyReply, head: ConversationHead, key: string) => {
    const url = `/admin/inbox/${head.id}?done=${key}`;
    // htmx stays on the page: the next message needs a new id (the same id is the same message, queued once).
    if (isHtmx(request)) return reply.header('hx-trigger', JSON.stringify({ 'inbox-sent': { messageId: randomUUID(), key } })).code(204).send();
    return reply.redirect(url, 303);
  };
  const refused = (reply: FastifyReply, message: string) => reply.code(400).type('text/html; charset=utf-8').send(`<p class="alert alert-error" role="alert">${message}</p>`);

  /** What the reply form asks to send, as notices in the customer's language; a string is a refusal to show. */
  async function noticesOf(head: ConversationHead, body: z.output<typeof replyBody>, to: ChatAddress, t: ReturnType<typeof helpers>['t']): Promise<CustomerNotice[] | string> {
    const m = allMessages[to.locale];
    const money = (n: number) => formatMoney(n, config.shop.currency, to.locale);
    switch (body.kind) {
      case 'text':
        return [{ kind: 'chat.messages', by: 'staff', messages: [{ type: 'text', text: body.text }] }];
      case 'product': {
        const card = (await listCatalogCards(db)).find((c) => c.sku === body.sku);
        if (!card) return t('inbox.error.product');
        const available = (await availableByVariant(db, [card.variantId])).get(card.variantId) ?? 0;
        const products = { type: 'products' as const, altText: m.productsAlt, cards: [buildProductCard(card, available, { m, locale: to.locale, money, publicUrl: config.publicUrl })] };
        return [{ kind: 'chat.messages', by: 'staff', messages: body.text ? [{ type: 'text', text: body.text }, products] : [products] }];
      }
      case 'payment': {
        const order = await findOrderByNumber(db, body.order);
        if (!order || order.customerId !== head.customerId) return t('inbox.error.order');
        const facts = { orderNumber: order.number, total: order.total, currency: order.currency };
        // The same payment request the unpaid-order reminder sends, with the PromptPay QR when there is one.
        const out: CustomerNotice[] = [{ kind: 'order.payment_reminder', promptPayId: config.promptPayId, accounts: config.receivers.payTo, ...facts } as CustomerNotice];
        if (config.promptPayId) {
          out.push({ kind: 'chat.messages', by: 'staff', messages: [{ type: 'image', url: payQrUrl(config.publicUrl, secret, order.number), altText: m.payQrAlt(money(order.total)) }] });
        }
        return out;
      }
      case 'tracking': {
        const parcel = await latestParcel(db, head.customerId, body.order);
        const order = await findOrderByNumber(db, body.order);
        if (!parcel || !order) return t('inbox.error.tracking');
        const url = carriers.registry().describe(parcel.carrier).trackingUrl(parcel.trackingNumber);
        const facts = { orderNumber: order.number, total: order.total, currency: order.currency };
        return [{ kind: 'order.shipped', carrier: parcel.carrier, trackingNumber: parcel.trackingNumber, trackingUrl: url, ...facts } as CustomerNotice];
      }
    }
  }

  app.post('/inbox/:id/reply', { config: inbox }, async (request, reply) => {
    const head = await headOf(request, reply);
    if (!head) return reply;
    const { t } = helpers(request);
    const parsed = replyBody.safeParse(request.body ?? {});
    if (!parsed.success) return refused(reply, t('inbox.error.empty'));
    const to = await chatAddressOf(request, head);
    const notices = await noticesOf(head, parsed.data, to, t);
    if (typeof notices === 'string') return refused(reply, notices);
    const me = request.admin!.user;
    await replyAsStaff(
      db,
      { conversationId: head.id, to, notices, staffUserId: me.id, messageId: parsed.data.messageId, handoverMinutes: config.merchant.handoverMinutes },
      async (tx, result) => {
        await writeAudit(tx, me, {
          action: 'inbox.reply',
          target: `conversation:${head.id}`,
          details: { kind: parsed.data.kind, delivery: result.queued ? result.delivery : undefined, ...('text' in parsed.data && parsed.data.text ? { text: parsed.data.text.slice(0, 500) } : {}) },
        });
        if (result.queued && result.change.before.state !== result.change.after.state) {
          await writeAudit(tx, me, { action: 'inbox.state', target: `conversation:${head.id}`, details: { from: result.change.before.state, to: result.change.after.state } });
        }
      },
    );
    void app.chat.dispatcher.kick();
    return done(request, reply, head, 'inboxSent');
  });

  /** Take over, hand back, assign: the state machine moves, the audit says who did it. */
  const move = (path: string, key: string, eventOf: (request: FastifyRequest) => HandoverEvent | undefined) =>
    app.post(`/inbox/:id/${path}`, { config: inbox }, async (request, reply) => {
      const head = await headOf(request, reply);
      if (!head) return reply;
      const event = eventOf(request);
      if (!event) return refused(reply, helpers(request).t('inbox.error.user'));
      const me = request.admin!.user;
      await moveConversation(db, head.id, event, config.merchant.handoverMinutes, async (tx, change: HandoverChange) => {
        await writeAudit(tx, me, {
          action: `inbox.${path}`,
          target: `conversation:${head.id}`,
          details: { from: change.before.state, to: change.after.state, assignedUserId: change.after.assignedUserId },
        });
      });
      return done(request, reply, head, key);
    });
  move('take-over', 'inboxTakenOver', (request) => ({ type: 'take_over', userId: request.admin!.user.id }));
  move('hand-back', 'inboxHandedBack', () => ({ type: 'hand_back' }));
  move('assign', 'inboxAssigned', (request) => {
    const parsed = assignBody.safeParse(request.body ?? {});
    return parsed.success ? { type: 'assign', userId: parsed.data.userId === '' ? null : parsed.data.userId } : undefined;
  });

  app.post('/inbox/:id/labels', { config: inbox }, async (request, reply) => {
    const head = await headOf(request, reply);
    if (!head) return reply;
    const parsed = labelsBody.safeParse(request.body ?? {});
    const labels = parsed.success ? parsed.data.labels.split(',') : [];
    await setLabels(db, head.id, labels);
    await writeAudit(db, request.admin!.user, { action: 'inbox.labels', target: `conversation:${head.id}`, details: { labels } });
    return done(request, reply, head, 'inboxLabels');
  });
};
