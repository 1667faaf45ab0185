import { createHash } from 'node:crypto';
import type { Db, Tx } from '#src/db/client.ts';
import { pgErrorCode, withTransaction } from '#src/db/client.ts';
import type { Order } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { findOrCreateCustomersByPhone, normalizeThaiPhone, saveAddresses } from '#src/modules/customers/index.ts';
import {
  bindIdempotencyKeys,
  claimIdempotencyKeys,
  findOrderByExternalId,
  ordersByExternalIds,
  ordersByIds,
  releaseIdempotencyKeys,
  type CreateOrderInput,
} from '#src/modules/orders/index.ts';
import type { ShippingRules } from '#src/modules/shipping/index.ts';
import { createGrouper, type Grouper } from '#src/lib/grouper.ts';
import { checkOrdersLines, placeOrdersInTx, type CheckedLines, type PlacedOrder } from './place-order.ts';

export interface ImportOrderOptions {
  idempotencyKey?: string | undefined;
  actor: string;
  currency: string;
  /** The shop's shipping rule, for orders that do not say their shipping fee (an explicit fee is kept as sent). */
  shipping?: ShippingRules | undefined;
}

export type ImportedOrder = { order: Order; created: false } | (PlacedOrder & { created: true });

export interface ImportRequest {
  input: CreateOrderInput;
  opts: ImportOrderOptions;
  requestHash: string;
}

/**
 * API orders are placed in groups, per database. Placements of the same products queue on their stock
 * rows and the order counter until commit, so one at a time each costs a round trip of ~15 statements
 * and a commit. A group does the same steps once for all its orders: one read to check the lines, one
 * transaction of about fifteen statements, one commit. Two groups run at once (one gathers and checks
 * while the other places); a lone order is a group of one and waits for nothing. `holding` is what the
 * running groups' orders are taking, by variant: a group's check counts it as gone.
 */
const lanes = new WeakMap<Db, { grouper: Grouper<ImportRequest, ImportedOrder>; holding: Map<number, number> }>();
const GROUP_SIZE = 50;

/**
 * An order sent by another system (a website, a marketplace, staff typing it in): the customer is
 * found or created by phone, then the same place-order workflow as chat runs. With an Idempotency-Key
 * a retried request returns the order the first one created, even when both arrive at once.
 */
export async function importOrder(db: Db, input: CreateOrderInput, opts: ImportOrderOptions): Promise<ImportedOrder> {
  let lane = lanes.get(db);
  if (!lane) {
    const holding = new Map<number, number>();
    const grouper = createGrouper({
      maxSize: GROUP_SIZE,
      concurrency: 2,
      // The same key or external id is never in two groups at once: the later one sees what the first did.
      keys: ({ input, opts }) => [
        ...(opts.idempotencyKey ? [`key\n${opts.idempotencyKey}`] : []),
        ...(input.externalId ? [`external\n${input.channel}\n${input.externalId}`] : []),
      ],
      run: (requests: ImportRequest[]) => placeGroup(db, requests, holding),
    });
    lane = { grouper, holding };
    lanes.set(db, lane);
  }
  return lane.grouper.submit(importRequest(input, opts));
}

/** A request as a group holds it: with the hash that tells a retry from another request under the same key. */
export function importRequest(input: CreateOrderInput, opts: ImportOrderOptions): ImportRequest {
  return { input, opts, requestHash: createHash('sha256').update(JSON.stringify(input)).digest('hex') };
}

/**
 * A group's lines are checked in one read before a transaction opens: under a burst of buyers for the
 * last units each refused one costs no transaction. Each order's check counts as gone what the orders
 * before it in the group take and what the other running group is taking (`holding`: this group's
 * checked lines from its check until its last statement, just before its commit, so a committed take is
 * never counted twice; a retry in a running group counts as taking until that group ends). Whatever a
 * check counts, the locked allocation decides. With an Idempotency-Key or an external id a
 * refusal waits for their checks, so a replay still gets its order and a duplicate its error. If the
 * group's transaction fails as a whole (a race for the last units, a duplicate external id from
 * elsewhere), each order is placed alone. importOrder's groups call it; tests call it to hold a group
 * at a chosen point.
 */
export async function placeGroup(
  db: Db,
  requests: ImportRequest[],
  holding = new Map<number, number>(),
): Promise<PromiseSettledResult<ImportedOrder>[]> {
  const checks = await checkOrdersLines(db, requests.map((r) => r.input.lines), holding);
  const outcomes: PromiseSettledResult<ImportedOrder>[] = [];
  const entries: Entry[] = [];
  requests.forEach((request, i) => {
    const checked = checks[i]!;
    if (checked instanceof AppError && !(request.opts.idempotencyKey || request.input.externalId)) outcomes[i] = refused(checked);
    else entries.push({ request, checked, index: i });
  });

  const taking = new Map<number, number>();
  for (const { checked } of entries) if (!(checked instanceof AppError)) for (const l of checked.resolved) addTo(taking, l.item.variantId, l.qty);
  for (const [variantId, qty] of taking) addTo(holding, variantId, qty);
  let held = true;
  const letGo = () => {
    if (held) for (const [variantId, qty] of taking) addTo(holding, variantId, -qty);
    held = false;
  };
  const place = (list: Entry[]) =>
    withTransaction(db, async (tx) => {
      try {
        return await placeInTx(tx, list);
      } finally {
        letGo();
      }
    });
  const settleAlone = async (entry: Entry) => {
    try {
      outcomes[entry.index] = (await place([entry]))[0]!;
    } catch (err) {
      outcomes[entry.index] = refused(await explained(db, entry.request.input, err));
    }
  };
  try {
    if (entries.length === 1) await settleAlone(entries[0]!);
    else if (entries.length > 1) {
      try {
        const settled = await place(entries);
        entries.forEach((entry, i) => (outcomes[entry.index] = settled[i]!));
      } catch {
        for (const entry of entries) await settleAlone(entry);
      }
    }
  } finally {
    letGo();
  }
  return outcomes;
}

function addTo(map: Map<number, number>, key: number, qty: number) {
  const total = (map.get(key) ?? 0) + qty;
  if (total === 0) map.delete(key);
  else map.set(key, total);
}

interface Entry {
  request: ImportRequest;
  checked: CheckedLines | AppError;
  index: number;
}

/** One transaction for the entries: each is replayed, refused or placed; only an unexpected error fails them all. */
async function placeInTx(tx: Tx, entries: Entry[]): Promise<PromiseSettledResult<ImportedOrder>[]> {
  const outcomes = new Map<Entry, PromiseSettledResult<ImportedOrder>>();
  const keyOf = (e: Entry) => e.request.opts.idempotencyKey;

  // Keys first: a retry gets the order its first request made, whatever has changed since.
  const claims = await claimIdempotencyKeys(tx, entries.flatMap((e) => (keyOf(e) ? [{ key: keyOf(e)!, requestHash: e.request.requestHash }] : [])));
  const replays = new Map<Entry, number>();
  for (const e of entries) {
    const claim = keyOf(e) ? claims.get(keyOf(e)!)! : { claimed: true as const };
    if (claim.claimed) continue;
    if (claim.requestHash !== e.request.requestHash) {
      outcomes.set(e, refused(new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request')));
    } else if (claim.orderId === null) {
      outcomes.set(e, refused(new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key belongs to a request that failed')));
    } else replays.set(e, claim.orderId);
  }
  if (replays.size > 0) {
    const found = new Map((await ordersByIds(tx, [...replays.values()])).map((o) => [o.id, o]));
    for (const [e, orderId] of replays) {
      const order = found.get(orderId);
      outcomes.set(e, order ? { status: 'fulfilled', value: { order, created: false } } : refused(new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key belongs to a request that failed')));
    }
  }

  // Then external ids already used, then the lines' refusals (a sold-out product is refused before
  // anything is written). Their keys were claimed above: they are given back.
  const claimed = entries.filter((e) => !outcomes.has(e));
  const external = claimed.filter((e) => e.request.input.externalId);
  for (const channel of new Set(external.map((e) => e.request.input.channel))) {
    const list = external.filter((e) => e.request.input.channel === channel);
    const existing = new Map((await ordersByExternalIds(tx, channel, list.map((e) => e.request.input.externalId!))).map((o) => [o.externalId, o]));
    for (const e of list) {
      const order = existing.get(e.request.input.externalId!);
      if (order) outcomes.set(e, refused(duplicateExternalId(e.request.input, order.number)));
    }
  }
  for (const e of claimed) if (!outcomes.has(e) && e.checked instanceof AppError) outcomes.set(e, refused(e.checked));
  await releaseIdempotencyKeys(tx, claimed.filter((e) => outcomes.has(e) && keyOf(e)).map((e) => keyOf(e)!));

  const placing = claimed.filter((e) => !outcomes.has(e));
  if (placing.length > 0) {
    const customers = await findOrCreateCustomersByPhone(tx, placing.map((e) => e.request.input.customer));
    const addresses = placing.map(({ request: { input } }) => ({
      ...input.shippingAddress,
      phone: normalizeThaiPhone(input.shippingAddress.phone) ?? input.shippingAddress.phone,
    }));
    const placed = await placeOrdersInTx(
      tx,
      placing.map(({ request: { input, opts }, checked }, i) => ({
        channel: input.channel,
        externalId: input.externalId,
        customer: { id: customers[i]!.id, name: input.customer.name, phone: customers[i]!.phone ?? undefined },
        lines: checked as CheckedLines,
        shippingAddress: addresses[i]!,
        paymentMethod: input.paymentMethod,
        currency: opts.currency,
        shippingFee: input.shippingFee?.amount ?? (opts.shipping ? { rules: opts.shipping } : 0),
        discount: input.discount?.amount ?? 0,
        note: input.note,
        actor: opts.actor,
      })),
      async (tx, placed) => {
        await saveAddresses(tx, placing.map((_, i) => ({ customerId: customers[i]!.id, ...addresses[i]! })));
        await bindIdempotencyKeys(tx, placing.flatMap((e, i) => (keyOf(e) ? [{ key: keyOf(e)!, orderId: placed[i]!.order.id }] : [])));
      },
    );
    placing.forEach((e, i) => outcomes.set(e, { status: 'fulfilled', value: { ...placed[i]!, created: true } }));
  }
  return entries.map((e) => outcomes.get(e)!);
}

const refused = (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason });

/** Two requests with the same external id raced past the check; the unique index stopped the second. */
async function explained(db: Db, input: CreateOrderInput, err: unknown): Promise<unknown> {
  if (pgErrorCode(err) === '23505' && input.externalId) {
    const existing = await findOrderByExternalId(db, input.channel, input.externalId);
    if (existing) return duplicateExternalId(input, existing.number);
  }
  return err;
}

function duplicateExternalId(input: CreateOrderInput, number: string) {
  return new AppError(
    'DUPLICATE_EXTERNAL_ID',
    `A ${input.channel} order with external id ${input.externalId} already exists as ${number}`,
    { number },
  );
}
