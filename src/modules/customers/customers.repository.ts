import { and, desc, eq, ilike, inArray, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import {
  customerAddresses,
  customerIdentities,
  customers,
  reorderReminders,
  type ChatChannel,
  type Customer,
  type CustomerAddress,
  type Language,
} from '../../db/schema/index.ts';
import { normalizeThaiPhone } from '../../lib/phone.ts';
import { likePattern } from '../../lib/like-pattern.ts';
import { insertRows, jsonRows } from '../../db/json-rows.ts';

export async function findCustomer(db: DbOrTx, id: number): Promise<Customer | undefined> {
  const [c] = await db.select().from(customers).where(eq(customers.id, id));
  return c;
}

/**
 * The customer with this phone, or a new one. Phones are normalised first so "081-234-5678" and
 * "+66812345678" are one person; a number that is not a Thai one is kept as typed.
 */
export async function findOrCreateCustomerByPhone(
  tx: Tx,
  input: { name: string; phone: string; language?: Language | undefined },
): Promise<Customer> {
  const [customer] = await findOrCreateCustomersByPhone(tx, [input]);
  return customer!;
}

/**
 * findOrCreateCustomerByPhone for several people at once (a group of orders placed together), in one
 * read and at most one insert: the customers found are row-locked in id order (two groups never lock
 * each other's rows crosswise), and people with the same phone are one customer. Returns one per input.
 */
export async function findOrCreateCustomersByPhone(
  tx: Tx,
  inputs: readonly { name: string; phone: string; language?: Language | undefined }[],
): Promise<Customer[]> {
  const phones = inputs.map((i) => normalizeThaiPhone(i.phone) ?? i.phone.trim());
  const found = await tx
    .select()
    .from(customers)
    .where(inArray(customers.phone, [...new Set(phones)]))
    .orderBy(customers.id)
    .for('update');
  const byPhone = new Map<string, Customer>();
  // A record merged into another (the same person) still has its phone: the one not merged comes first,
  // else the merged one is followed to the kept record.
  for (const c of [...found].sort((a, b) => Number(a.mergedIntoId !== null) - Number(b.mergedIntoId !== null) || a.id - b.id)) {
    if (!byPhone.has(c.phone!)) byPhone.set(c.phone!, c.mergedIntoId === null ? c : ((await keptCustomer(tx, c)) ?? c));
  }
  const missing = new Map<string, { name: string; phone: string; language?: Language | undefined }>();
  inputs.forEach((input, i) => {
    const phone = phones[i]!;
    if (!byPhone.has(phone) && !missing.has(phone)) missing.set(phone, { name: input.name, phone, language: input.language });
  });
  if (missing.size > 0) {
    for (const created of await insertRows(tx, customers, [...missing.values()])) byPhone.set(created.phone!, created);
  }
  return phones.map((phone) => byPhone.get(phone)!);
}

/** The customer behind a chat identity (LINE user, Telegram chat, web-chat visitor), created on first contact. */
export async function findOrCreateCustomerByIdentity(
  tx: Tx,
  input: { channel: ChatChannel; externalId: string; displayName?: string | undefined; language?: Language | undefined },
): Promise<Customer> {
  return (await ensureChatIdentity(tx, input)).customer;
}

export async function ensureChatIdentity(
  tx: Tx,
  input: ChatIdentityInput,
): Promise<{ customer: Customer; identityId: number; created: boolean }> {
  const [found] = await tx
    .select({ customer: customers, identityId: customerIdentities.id })
    .from(customerIdentities)
    .innerJoin(customers, eq(customers.id, customerIdentities.customerId))
    .where(and(eq(customerIdentities.channel, input.channel), eq(customerIdentities.externalId, input.externalId)));
  if (found) return { ...found, created: false };
  const [made] = await createChatIdentities(tx, [input]);
  // A concurrent first message from the same person may have won the race: then use theirs.
  return made ? { customer: made.customer, identityId: made.identityId, created: true } : ensureChatIdentity(tx, input);
}

export interface ChatIdentityInput {
  channel: ChatChannel;
  externalId: string;
  displayName?: string | undefined;
  language?: Language | undefined;
}

/**
 * A customer and a chat identity for each person who never wrote before, in two statements however
 * many there are. Someone whose identity another transaction created meanwhile is left out (their
 * customer record made here is removed again); the caller reads theirs.
 */
export async function createChatIdentities(
  tx: Tx,
  inputs: ChatIdentityInput[],
): Promise<{ input: ChatIdentityInput; customer: Customer; identityId: number }[]> {
  if (inputs.length === 0) return [];
  // PostgreSQL inserts and returns a multi-row VALUES in its order (ids ascending): row i is inputs[i].
  const made = (await tx.insert(customers).values(inputs.map((i) => ({ name: i.displayName ?? '', language: i.language }))).returning()).sort(
    (a, b) => a.id - b.id,
  );
  const inserted = await tx
    .insert(customerIdentities)
    .values(inputs.map((i, n) => ({ customerId: made[n]!.id, channel: i.channel, externalId: i.externalId, displayName: i.displayName })))
    .onConflictDoNothing()
    .returning({ id: customerIdentities.id, customerId: customerIdentities.customerId });
  const identityOf = new Map(inserted.map((r) => [r.customerId, r.id]));
  const orphans = made.filter((c) => !identityOf.has(c.id)).map((c) => c.id);
  if (orphans.length > 0) await tx.delete(customers).where(inArray(customers.id, orphans));
  return inputs.flatMap((input, n) => {
    const customer = made[n]!;
    const identityId = identityOf.get(customer.id);
    return identityId === undefined ? [] : [{ input, customer, identityId }];
  });
}

export async function updateCustomerContact(
  db: DbOrTx,
  customerId: number,
  patch: { name?: string; phone?: string; language?: Language; reminderOptOut?: boolean },
) {
  const phone = patch.phone === undefined ? undefined : (normalizeThaiPhone(patch.phone) ?? patch.phone);
  await db
    .update(customers)
    .set({ ...patch, ...(phone === undefined ? {} : { phone }) })
    .where(eq(customers.id, customerId));
}

/** Remembers a delivery address unless the customer already has this exact one. */
export async function saveAddress(
  db: DbOrTx,
  customerId: number,
  address: { name: string; phone: string; address: string; postcode?: string | undefined },
): Promise<void> {
  await saveAddresses(db, [{ customerId, ...address }]);
}

/**
 * Keeps each address in its customer's book, in one statement: an address the customer already has
 * (same name, phone and address) is not saved again, nor one given twice.
 */
export async function saveAddresses(
  db: DbOrTx,
  addresses: readonly { customerId: number; name: string; phone: string; address: string; postcode?: string | undefined }[],
): Promise<void> {
  const seen = new Set<string>();
  const distinct = addresses.filter((a) => {
    const key = JSON.stringify([a.customerId, a.name, a.phone, a.address]);
    return !seen.has(key) && seen.add(key);
  });
  if (distinct.length === 0) return;
  await db.execute(sql`
    insert into ${customerAddresses} (customer_id, name, phone, address, postcode)
    select v.customer_id, v.name, v.phone, v.address, v.postcode
    from ${jsonRows('v', { customer_id: 'int', name: 'text', phone: 'text', address: 'text', postcode: 'text' }, distinct)}
    where not exists (
      select 1 from ${customerAddresses} a
      where a.customer_id = v.customer_id and a.name = v.name and a.phone = v.phone and a.address = v.address
    )`);
}

export async function lastAddress(db: DbOrTx, customerId: number): Promise<CustomerAddress | undefined> {
  const [row] = await db
    .select()
    .from(customerAddresses)
    .where(eq(customerAddresses.customerId, customerId))
    .orderBy(desc(customerAddresses.createdAt), desc(customerAddresses.id))
    .limit(1);
  return row;
}

/** The record a merged customer now lives on (following a chain of merges); the customer itself when not merged. */
export async function keptCustomer(db: DbOrTx, customer: Customer): Promise<Customer | undefined> {
  let current: Customer | undefined = customer;
  for (let hops = 0; current && current.mergedIntoId !== null && hops < 10; hops++) {
    current = await findCustomer(db, current.mergedIntoId);
  }
  return current;
}

export interface CustomerHit {
  id: number;
  name: string;
  phone: string | null;
  chats: string[];
  address: { name: string; phone: string; address: string; postcode: string | null } | undefined;
}

/** Customers by name or phone (any way it is typed), merged records left out; with their chats and last address. */
export async function searchCustomers(db: DbOrTx, q: string, limit = 8): Promise<CustomerHit[]> {
  const text = q.trim();
  if (text.length < 2) return [];
  const like = likePattern(text);
  const digits = text.replace(/\D/g, '');
  const phone = normalizeThaiPhone(text);
  const byPhone = phone ? [eq(customers.phone, phone)] : digits.length >= 4 ? [sql`${customers.phone} like ${`%${digits.replace(/^0/, '')}%`}`] : [];
  const rows = await db
    .select()
    .from(customers)
    .where(and(isNull(customers.mergedIntoId), or(ilike(customers.name, like), ...byPhone)))
    .orderBy(customers.name)
    .limit(limit);
  return Promise.all(
    rows.map(async (c) => {
      const chats = await db.select({ channel: customerIdentities.channel }).from(customerIdentities).where(eq(customerIdentities.customerId, c.id));
      const addr = await lastAddress(db, c.id);
      return {
        id: c.id,
        name: c.name,
        phone: c.phone,
        chats: [...new Set(chats.map((x) => x.channel))],
        address: addr ? { name: addr.name, phone: addr.phone, address: addr.address, postcode: addr.postcode ?? null } : undefined,
      };
    }),
  );
}

/** Row-locks a customer for a change that must not interleave (a merge). */
export async function lockCustomer(tx: Tx, id: number): Promise<Customer | undefined> {
  const [row] = await tx.select().from(customers).where(eq(customers.id, id)).for('update');
  return row;
}

/**
 * Moves a duplicate customer's chat identities (and with them carts and chat sessions, which hang on the
 * identity), saved addresses and reorder reminders to the kept record; returns how many of each moved.
 */
export async function moveCustomerRecords(tx: Tx, fromId: number, toId: number): Promise<{ identities: number; addresses: number; reminders: number }> {
  const move = async <T extends typeof customerIdentities | typeof customerAddresses | typeof reorderReminders>(table: T) => {
    const rows = await tx
      .update(table)
      .set({ customerId: toId } as never)
      .where(eq(table.customerId, fromId))
      .returning({ id: table.id });
    return rows.length;
  };
  return { identities: await move(customerIdentities), addresses: await move(customerAddresses), reminders: await move(reorderReminders) };
}

/**
 * The kept record takes what only the duplicate knew (phone, email, language, name; an opt-out from
 * reminders on either stays), and the duplicate keeps only a pointer to where it went. Returns the
 * kept record and which contact fields were filled.
 */
export async function absorbCustomer(tx: Tx, keep: Customer, dup: Customer): Promise<{ kept: Customer; filled: string[] }> {
  const patch: Partial<Customer> = {};
  const filled: string[] = [];
  if (!keep.phone && dup.phone) {
    patch.phone = dup.phone;
    filled.push('phone');
  }
  if (!keep.email && dup.email) {
    patch.email = dup.email;
    filled.push('email');
  }
  if (!keep.language && dup.language) patch.language = dup.language;
  if (!keep.name && dup.name) patch.name = dup.name;
  // A customer who opted out of reminders on either account stays opted out.
  if (dup.reminderOptOut && !keep.reminderOptOut) patch.reminderOptOut = true;
  const [kept] = await tx
    .update(customers)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(customers.id, keep.id))
    .returning();
  await tx.update(customers).set({ mergedIntoId: keep.id, updatedAt: new Date() }).where(eq(customers.id, dup.id));
  return { kept: kept!, filled };
}
