import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Shipment } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { appendOrderNote, assertSplittable, linesOf, lockOrder } from '#src/modules/orders/index.ts';
import { assertNothingShipped, planParcels, type ParcelPlan } from '#src/modules/shipping/index.ts';

/**
 * Plans an order as several parcels (from two warehouses, or part now and part later): each parcel
 * lists which lines and how many travel in it, and every unit is in exactly one parcel. Planning
 * again replaces the plan while nothing has shipped. Each parcel then ships on its own (shipParcel).
 */
export async function splitOrder(db: Db, input: { number: string; parcels: ParcelPlan[]; actor: string }): Promise<Shipment[]> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    assertSplittable(order);
    await assertNothingShipped(tx, order);
    const lines = await linesOf(tx, order.id);
    const parcels = input.parcels.map((p) => ({ ...p, lines: p.lines.filter((l) => l.qty > 0) })).filter((p) => p.lines.length > 0);
    if (parcels.length < 2) throw new AppError('SPLIT_INVALID', 'A split needs at least two parcels, each with something in it');
    for (const line of lines) {
      const planned = parcels.reduce((sum, p) => sum + p.lines.filter((l) => l.orderLineId === line.id).reduce((s, l) => s + l.qty, 0), 0);
      if (planned !== line.qty) {
        throw new AppError('SPLIT_INVALID', `${line.sku}: ${planned} planned in parcels, the order has ${line.qty}`, { sku: line.sku, planned, ordered: line.qty });
      }
    }
    const foreign = parcels.flatMap((p) => p.lines).filter((l) => !lines.some((o) => o.id === l.orderLineId));
    if (foreign.length > 0) throw new AppError('SPLIT_INVALID', 'A parcel holds a line of another order');

    const created = await planParcels(tx, order.id, parcels);
    await appendOrderNote(tx, order, input.actor, { event: { kind: 'order.split', params: { parcels: created.length } } });
    return created;
  });
}
