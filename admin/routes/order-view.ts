import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Order, OrderStatus, UserRole } from '#src/db/schema/index.ts';
import {
  allowedTransitions,
  approvesSlip,
  cancels,
  isEditable,
  isMergeable,
  isPackingMove,
  isShippable,
  isSplittable,
  isUnpacking,
  mayReceipt,
  returnsToUnpaid,
  ships,
} from '#src/modules/orders/index.ts';
import { nothingShipped, type CarrierRegistry } from '#src/modules/shipping/index.ts';
import { can } from '../auth/roles.ts';
import type { FieldErrors } from '../forms.ts';
import type { MessageKey } from '../i18n/index.ts';
import { orderPageData } from '../queries/order-page.ts';
import { helpers, render } from '../view.ts';

export interface OrderAction {
  to: OrderStatus;
  label: MessageKey;
  /** Which form posts it: packing moves are open to packers, shipping needs a tracking number. */
  route: 'status' | 'pack' | 'ship';
  needsReason: boolean;
  tone: 'primary' | 'normal' | 'danger';
}

/** A reason is asked where someone else will want to know why: a cancellation, a rejected slip. */
export const needsReason = (to: OrderStatus) => cancels(to) || returnsToUnpaid(to);

/** One control per legal move of the order (transitions.ts), and only those the role may use. */
export function actionsFor(order: Order, role: UserRole): OrderAction[] {
  const actions: OrderAction[] = [];
  for (const to of allowedTransitions(order.status, order.paymentMethod)) {
    const route = ships(to) ? 'ship' : isPackingMove(order.status, to) ? 'pack' : 'status';
    if (!can(role, route === 'status' ? 'orders.manage' : 'orders.pack')) continue;
    const label: MessageKey =
      approvesSlip(order.status, to)
        ? 'action.paid.fromReview'
        : isUnpacking(order.status, to)
          ? 'action.confirmed.unpack'
          : (`action.${to}` as MessageKey);
    const tone = needsReason(to) ? 'danger' : isUnpacking(order.status, to) ? 'normal' : 'primary';
    actions.push({ to, label, route, needsReason: needsReason(to), tone });
  }
  return actions;
}

/** The carriers the shipping forms offer: the enabled ones of the shop's carrier registry, read at each use. */
export const carrierOptions = (carriers: CarrierRegistry) => carriers.choices();

/** A shipping form's carrier field: the code of a carrier the shop offers. */
export const carrierField = (carriers: CarrierRegistry) =>
  z.string().refine((c) => carrierOptions(carriers).some((o) => o.code === c), 'field.choice');

export const carrierName = (carriers: CarrierRegistry, code: string) => carriers.describe(code).name;

export interface OrderPageProblems {
  error?: string | undefined;
  form?: string | undefined;
  errors?: FieldErrors;
  values?: Record<string, string>;
}

/** The order page, also shown again with a problem (a refused move, a form with errors) and that status. */
export async function showOrderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  number: string,
  problems: OrderPageProblems = {},
  status = 200,
) {
  const { db, config, carriers } = request.server.deps;
  const h = helpers(request);
  const data = await orderPageData(db, number, config.shop.locale);
  if (!data) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.orderNotFound', { number }) }, 404);
  const role = request.admin!.user.role;
  return render(
    request,
    reply,
    'orders/detail',
    {
      ...data,
      actions: actionsFor(data.order, role),
      // What the page offers, by the orders policy: the templates only show it.
      may: {
        edit: isEditable(data.order) && nothingShipped(data.shipments),
        split: isSplittable(data.order),
        merge: isMergeable(data.order),
        receipt: mayReceipt(data.order),
        ship: isShippable(data.order),
      },
      carriers: carrierOptions(carriers.registry()),
      trackingUrl: (carrier: string | null, n: string | null) => (carrier && n ? carriers.registry().describe(carrier).trackingUrl(n) : null),
      showMoney: can(role, 'revenue.view'),
      messageId: randomUUID(),
      problems: { errors: {}, values: {}, ...problems },
    },
    status,
  );
}
