import { randomUUID } from 'node:crypto';
import type { Db } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import { parcelLinesOf, shipmentsOf } from '#src/modules/shipping/index.ts';
import { bookParcel, type BookParcelDeps } from './book-parcel.ts';

export interface BulkBookingResult {
  number: string;
  ok: boolean;
  /** The carrier's numbers, one per parcel (a split order has several). */
  trackingNumbers?: string[] | undefined;
  /** The carrier's name, when booked. */
  carrier?: string | undefined;
  /** Why it was not booked: our code (CARRIER_REFUSED, ILLEGAL_TRANSITION, ...) and the carrier's reason or ours. */
  code?: string | undefined;
  reason?: string | undefined;
  /** Booked before this run (a re-run, a second click): nothing was asked of the carrier. */
  alreadyBooked?: boolean | undefined;
}

/**
 * Books one order with the carrier: its single parcel, or each waiting parcel of a split order in turn.
 * However often it runs, each parcel keeps its reference, so the carrier never makes a second parcel.
 */
export async function bookOrderParcels(db: Db, deps: BookParcelDeps, input: { number: string; carrier?: string | undefined; actor: string }): Promise<BulkBookingResult> {
  const { number } = input;
  try {
    const order = await findOrderByNumber(db, number);
    if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${number} does not exist`);
    const waiting: number[] = [];
    for (const s of await shipmentsOf(db, order.id)) {
      if ((s.status === 'pending' || s.status === 'booking') && (await parcelLinesOf(db, s.id)).length > 0) waiting.push(s.id);
    }
    const booked = [];
    for (const shipmentId of waiting.length > 0 ? waiting : [undefined]) {
      booked.push(await bookParcel(db, deps, { number, carrier: input.carrier, shipmentId, actor: input.actor }));
    }
    return {
      number,
      ok: true,
      trackingNumbers: booked.flatMap((b) => (b.shipment.trackingNumber ? [b.shipment.trackingNumber] : [])),
      carrier: booked[0]?.shipment.carrier ?? undefined,
      alreadyBooked: booked.every((b) => !b.recorded),
    };
  } catch (err) {
    if (!(err instanceof AppError)) deps.logger?.error({ err, number }, 'bulk booking failed unexpectedly');
    return { number, ok: false, code: err instanceof AppError ? err.code : 'UNEXPECTED', reason: err instanceof AppError ? err.message : 'unexpected error' };
  }
}

/**
 * Books many orders (the orders desk's "book with Flash"), a few at a time, each on its own: one
 * failure does not stop the rest, and each result is reported as it comes. Running it again for the
 * failed ones (or all of them) books only what is not booked yet: every parcel keeps its outTradeNo.
 */
export async function bookParcels(
  db: Db,
  deps: BookParcelDeps,
  input: { numbers: readonly string[]; carrier?: string | undefined; actor: string; concurrency?: number | undefined },
  onResult?: (result: BulkBookingResult) => void | Promise<void>,
): Promise<BulkBookingResult[]> {
  const numbers = [...new Set(input.numbers)];
  const results: BulkBookingResult[] = new Array(numbers.length);
  let next = 0;
  async function worker() {
    while (next < numbers.length) {
      const i = next++;
      results[i] = await bookOrderParcels(db, deps, { number: numbers[i]!, carrier: input.carrier, actor: input.actor });
      // What follows a result (its audit row, the page's record) failing never stops the other orders.
      try {
        await onResult?.(results[i]!);
      } catch (err) {
        deps.logger?.error({ err, number: numbers[i] }, 'after a bulk booking result');
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency ?? 4, numbers.length)) }, worker));
  return results;
}

export interface BulkBookingRun {
  id: string;
  carrier: string | undefined;
  actor: string;
  numbers: string[];
  /** By order number, as each finishes. */
  results: Map<string, BulkBookingResult>;
  done: boolean;
  startedAt: Date;
}

/**
 * Bulk bookings running in this process, for the progress page: started, they go on after the answer
 * (the page polls). A run is kept an hour after it ends. A restart loses the page, not the bookings:
 * each order keeps its parcel and reference, and a new run books only what is not booked.
 */
export function bulkBookingRuns(db: Db, deps: () => BookParcelDeps, opts: { keepMs?: number } = {}) {
  const runs = new Map<string, BulkBookingRun>();
  const keepMs = opts.keepMs ?? 3_600_000;
  return {
    start(input: { numbers: readonly string[]; carrier?: string | undefined; actor: string }, onResult?: (result: BulkBookingResult) => Promise<void>): BulkBookingRun {
      for (const [id, r] of runs) if (r.done && Date.now() - r.startedAt.getTime() > keepMs) runs.delete(id);
      const run: BulkBookingRun = { id: randomUUID(), carrier: input.carrier, actor: input.actor, numbers: [...new Set(input.numbers)], results: new Map(), done: false, startedAt: new Date() };
      runs.set(run.id, run);
      void bookParcels(db, deps(), { numbers: run.numbers, carrier: input.carrier, actor: input.actor }, async (r) => {
        run.results.set(r.number, r);
        await onResult?.(r);
      })
        .catch((err: unknown) => deps().logger?.error({ err, run: run.id }, 'bulk booking run stopped'))
        .finally(() => {
          run.done = true;
        });
      return run;
    },
    get: (id: string) => runs.get(id),
  };
}
