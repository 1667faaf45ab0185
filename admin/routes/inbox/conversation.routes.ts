import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { inArray } from 'drizzle-orm';
import { users } from '#src/db/schema/index.ts';
import { listCatalogCards } from '#src/modules/catalog/index.ts';
import { markRead } from '#src/modules/conversations/index.ts';
import { findCustomer } from '#src/modules/customers/index.ts';
import type { ChatAddress } from '#src/modules/notify/index.ts';
import { awaitingPaymentStatuses } from '#src/modules/orders/index.ts';
import { allowed } from '../../auth/roles.ts';
import { customerPage } from '../../queries/customers.ts';
import { conversationHead, fillSavedReply, inboundPhoto, latestParcel, openCart, savedReplyList, transcriptPage, type ConversationHead } from '../../queries/inbox.ts';
import { helpers, render } from '../../view.ts';

export const PAGE_SIZE = 30;
export const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const pageQuery = z.object({
  before: z.coerce.number().int().positive().optional().catch(undefined),
  after: z.coerce.number().int().min(0).optional().catch(undefined),
});

/** The conversation of the route's :id, or a 404 page (undefined). */
export async function headOf(request: FastifyRequest, reply: FastifyReply): Promise<ConversationHead | undefined> {
  const parsed = idParams.safeParse(request.params);
  const head = parsed.success ? await conversationHead(request.server.deps.db, parsed.data.id) : undefined;
  if (!head) {
    const { t } = helpers(request);
    await render(request, reply, 'error', { title: t('error.notFound.title'), message: t('inbox.notFound') }, 404);
  }
  return head;
}

/** Where a reply to the conversation goes: its chat, in the customer's language (else the shop's). */
export async function chatAddressOf(request: FastifyRequest, head: ConversationHead): Promise<ChatAddress> {
  const { db, config } = request.server.deps;
  const customer = await findCustomer(db, head.customerId);
  return { channel: head.channel as ChatAddress['channel'], recipient: head.externalId, locale: customer?.language ?? config.shop.locale };
}

/** The conversation page: the transcript (newest page, older on demand, new ones live), the customer and the reply box. */
export const inboxConversationRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, carriers } = app.deps;
  const inbox = { roles: allowed('inbox.use') };

  app.get('/inbox/:id', { config: inbox }, async (request, reply) => {
    const head = await headOf(request, reply);
    if (!head) return reply;
    const me = request.admin!.user;
    const h = helpers(request);
    const [transcript, customer, cart, staff, saved, catalog, parcel] = await Promise.all([
      transcriptPage(db, head.id, { limit: PAGE_SIZE }),
      customerPage(db, head.customerId),
      openCart(db, head.identityId),
      db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.role, ['owner', 'admin', 'staff'])).orderBy(users.name),
      savedReplyList(db),
      listCatalogCards(db),
      latestParcel(db, head.customerId),
    ]);
    await markRead(db, head.id, me.id);
    const orders = customer?.orders ?? [];
    const latest = orders[0];
    const trackingUrl = parcel ? (carriers.registry().describe(parcel.carrier).trackingUrl(parcel.trackingNumber) ?? parcel.trackingNumber) : '';
    const facts = {
      name: customer?.customer.name ?? head.displayName ?? '',
      order: latest?.number ?? '',
      total: latest ? h.f.money(latest.total, latest.currency) : '',
      tracking: trackingUrl,
    
    };
    return render(request, reply, 'inbox/conversation', {
      head,
      messages: transcript.messages,
      older: transcript.older,
      customer,
      cart,
      staff,
      saved: saved.map((r) => ({ title: r.title, text: fillSavedReply(r.body, facts) })),
      products: catalog.slice(0, 300).map((c) => ({ sku: c.sku, name: h.lang === 'th' ? c.nameTh : c.nameEn || c.nameTh })),
      payable: orders.filter((o) => (awaitingPaymentStatuses as readonly string[]).includes(o.status)).slice(0, 20),
      shipped: orders.filter((o) => o.status === 'shipped' || o.status === 'delivered').slice(0, 20),
      currency: config.shop.currency,
      messageId: crypto.randomUUID(),
      ownFlash: false,
    });
  });

  /** A page of the transcript as HTML: older messages (?before=) or those newer than the last shown (?after=, live). */
  app.get('/inbox/:id/messages', { config: inbox }, async (request, reply) => {
    const head = await headOf(request, reply);
    if (!head) return reply;
    const q = pageQuery.parse(request.query ?? {});
    const page = await transcriptPage(db, head.id, { before: q.before, after: q.after, limit: q.after !== undefined ? 200 : PAGE_SIZE });
    if (q.after !== undefined && page.messages.length > 0) await markRead(db, head.id, request.admin!.user.id);
    return render(request, reply, 'inbox/messages', { head, messages: page.messages, older: page.older, currency: config.shop.currency, fragment: true });
  });

  /** A photo the customer sent, from under DATA_DIR only, whatever a row says. */
  app.get('/inbox/:id/media/:messageId', { config: inbox }, async (request, reply) => {
    const parsed = idParams.extend({ messageId: z.coerce.number().int().positive() }).safeParse(request.params);
    const file = parsed.success ? await inboundPhoto(db, parsed.data.id, parsed.data.messageId) : undefined;
    const where = file ? path.resolve(config.dataDir, file) : undefined;
    const inData = where !== undefined && where.startsWith(path.resolve(config.dataDir) + path.sep);
    const bytes = inData ? await readFile(where).catch(() => undefined) : undefined;
    if (!bytes) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const type = /\.png$/i.test(where!) ? 'image/png' : /\.webp$/i.test(where!) ? 'image/webp' : 'image/jpeg';
    return reply.header('cache-control', 'private, max-age=3600').type(type).send(bytes);
  });
};
