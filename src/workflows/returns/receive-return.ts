/**
 * The returned items arrive: each line goes back on a sellable shelf, into a damaged-goods location, or
 * is written off, with its stock ledger rows; everything is checked before any stock moves.
 */
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, ReturnLine, ReturnRequest, Warehouse } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { changeStock, warehousesByIds } from '#src/modules/inventory/index.ts';
import { appendOrderNote, linesOf, lockOrderById } from '#src/modules/orders/index.ts';
import { formatReturnNumber, lockReturnForMove, recordLineReceipt, returnLinesOf, updateReturn } from '#src/modules/returns/index.ts';

/** What happens to one returned line: back on the shelf, kept apart as damaged, or written off. */
export type ReceiptChoice = 'sellable' | 'damaged' | 'write_off';

export interface ReceiveReturnInput {
  id: number;
  lines: { returnLineId: number; choice: ReceiptChoice; warehouseId: number }[];
  actor: string;
}

export async function receiveReturn(db: Db, input: ReceiveReturnInput, within?: (tx: Tx, ret: ReturnRequest, order: Order) => Promise<void>): Promise<ReturnRequest> {
  return withTransaction(db, async (tx) => {
    const ret = await lockReturnForMove(tx, input.id, 'received');
    const order = await lockOrderById(tx, ret.orderId);
    const lines = await returnLinesOf(tx, ret.id);
    const orderLines = new Map((await linesOf(tx, order.id)).map((l) => [l.id, l]));
    const chosen = new Map(input.lines.map((l) => [l.returnLineId, l]));
    const whs = new Map((await warehousesByIds(tx, input.lines.map((l) => l.warehouseId))).map((w) => [w.id, w]));
    // Check everything before moving any stock.
    const plan: { line: ReturnLine; variantId: number; sku: string; name: string; choice: ReceiptChoice; warehouse: Warehouse }[] = [];
    for (const line of lines) {
      const c = chosen.get(line.id);
      const warehouse = c ? whs.get(c.warehouseId) : undefined;
      if (!c || !warehouse || !warehouse.active) throw new AppError('RETURN_INVALID', 'Every returned line needs a condition and an active warehouse', { line: line.id });
      if (c.choice === 'sellable' && !warehouse.sellable) throw new AppError('RETURN_INVALID', `${warehouse.code} is not a sellable location`, { line: line.id });
      if (c.choice === 'damaged' && warehouse.sellable) throw new AppError('RETURN_INVALID', `Damaged items go to a non-sellable location or are written off`, { line: line.id });
      const ol = orderLines.get(line.orderLineId)!;
      plan.push({ line, variantId: ol.variantId, sku: ol.sku, name: ol.name, choice: c.choice, warehouse });
    }
    const number = formatReturnNumber(ret.id);
    const ref = { refType: 'return', refId: String(ret.id), actor: input.actor };
    for (const p of plan) {
      await changeStock(tx, { ...ref, warehouseId: p.warehouse.id, variantId: p.variantId, onHandDelta: p.line.qty, reason: 'return', note: `${number} ${p.choice}` });
      if (p.choice === 'write_off') {
        await changeStock(tx, { ...ref, warehouseId: p.warehouse.id, variantId: p.variantId, onHandDelta: -p.line.qty, reason: 'damage', note: `${number} written off` });
      }
      await recordLineReceipt(tx, p.line.id, { condition: p.choice === 'sellable' ? 'sellable' : 'damaged', warehouseId: p.warehouse.id });
    }
    const updated = await updateReturn(tx, ret.id, { status: 'received', receivedAt: new Date() });
    const items = plan.map((p) => ({ sku: p.sku, name: p.name, qty: p.line.qty, choice: p.choice, warehouse: p.warehouse.code }));
    await appendOrderNote(tx, order, input.actor, { event: { kind: 'return.received', params: { number, items } } });
    if (within) await within(tx, updated, order);
    return updated;
  });
}
