import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { openParcelsOf, THAIPOST_MAX_BARCODES, type CarrierRegistry } from '../modules/shipping/index.ts';
import { applyCarrierEvents } from '../workflows/shipping/apply-carrier-events.ts';

export interface TrackParcelsResult {
  asked: number;
  recorded: number;
}

/**
 * Follows every open parcel of the carriers that are polled (Thailand Post: no public URL needed), in
 * batches of at most 1,000 numbers a call, and records what changed like a webhook would. `outForDelivery`
 * limits a run to parcels out for delivery (the frequent run on the day of delivery); the hourly run
 * asks about all of them. Safe to repeat: an event already recorded changes nothing.
 */
export async function trackOpenParcels(
  db: Db,
  deps: { config: Pick<Config, 'shop' | 'merchant' | 'line' | 'telegram'>; carriers: CarrierRegistry; logger?: Logger | undefined },
  opts: { outForDelivery?: boolean; batchSize?: number } = {},
): Promise<TrackParcelsResult> {
  const batchSize = Math.min(THAIPOST_MAX_BARCODES, opts.batchSize ?? THAIPOST_MAX_BARCODES);
  const result: TrackParcelsResult = { asked: 0, recorded: 0 };
  // Carriers that push their news (a webhook) are not polled.
  const polled = deps.carriers.enabled().filter((c) => c.track && !c.verifyWebhook);
  for (const carrier of polled) {
    let afterId = 0;
    for (;;) {
      const parcels = await openParcelsOf(db, [carrier.name], batchSize, afterId, opts.outForDelivery ? 'out_for_delivery' : undefined);
      if (parcels.length === 0) break;
      afterId = parcels.at(-1)!.id;
      const events = await carrier.track!(parcels.map((p) => p.trackingNumber!));
      result.asked += parcels.length;
      result.recorded += (await applyCarrierEvents(db, deps, events, 'track')).recorded;
      if (parcels.length < batchSize) break;
    }
  }
  return result;
}
