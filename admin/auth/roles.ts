import type { UserRole } from '#src/db/schema/index.ts';
import { shippableStatuses } from '#src/modules/orders/index.ts';

export const roles = ['owner', 'admin', 'staff', 'packer'] as const satisfies readonly UserRole[];

/**
 * The role matrix: the one place that says who may do what in the back office. Routes declare
 * `config: { roles: allowed('capability') }` and a single hook enforces it; templates ask `can()`
 * to hide what a role may not use, so a button is never shown for a request that would be refused.
 */
const matrix = {
  /** The dashboard itself; packers see the work counts only. */
  'dashboard.view': ['owner', 'admin', 'staff', 'packer'],
  /** Money in the desk: today's revenue, totals, prices, payments. */
  'revenue.view': ['owner', 'admin', 'staff'],
  /** Finance pages: revenue per channel, refunds due. */
  'finance.view': ['owner', 'admin'],
  /** The order list and order pages (packers see only orders to pack and to ship, without money). */
  'orders.view': ['owner', 'admin', 'staff', 'packer'],
  /** Payments and status changes: approve or reject a slip, confirm, cancel, deliver. */
  'orders.manage': ['owner', 'admin', 'staff'],
  /** Packing and shipping: mark packed, ship with a tracking number. */
  'orders.pack': ['owner', 'admin', 'staff', 'packer'],
  /** Internal notes on an order. */
  'orders.note': ['owner', 'admin', 'staff', 'packer'],
  /** Write to the customer's chat. */
  'customers.message': ['owner', 'admin', 'staff'],
  /** Messages that could not be delivered, and sending them again; upcoming reorder reminders. */
  'messages.manage': ['owner', 'admin', 'staff'],
  /** Orders typed in by staff (phone, walk-in, other chats); editing, splitting and merging orders before they ship. */
  'orders.edit': ['owner', 'admin', 'staff'],
  /** Products, variants, images, categories and the product CSV import/export. */
  'catalog.manage': ['owner', 'admin', 'staff'],
  /** Stock per warehouse and the ledger, and moving stock: receive, count, damage, transfer (warehouse work). */
  'stock.manage': ['owner', 'admin', 'staff', 'packer'],
  /** Warehouses themselves and low-stock thresholds. */
  'warehouses.manage': ['owner', 'admin'],
  /** Customer list and pages; merging duplicates. */
  'customers.view': ['owner', 'admin', 'staff'],
  'customers.merge': ['owner', 'admin'],
  /** Picking lists, packing slips and shipping labels (no prices on them). */
  'print.shipping': ['owner', 'admin', 'staff', 'packer'],
  /** Receipts and tax invoices (they show money). */
  'print.invoice': ['owner', 'admin', 'staff'],
  /** Marketplace order imports and SKU mapping. */
  'imports.manage': ['owner', 'admin', 'staff'],
  /** Return requests: decide, receive the items back, refund or exchange. */
  'returns.manage': ['owner', 'admin', 'staff'],
  /** Reports with sales figures. */
  'reports.view': ['owner', 'admin'],
  /** Shop settings: profile, payments, shipping, carriers, notifications, reminders, language, time zone. */
  'settings.manage': ['owner', 'admin'],
  /** Where customers pay (PromptPay id, receiving accounts and names): the owner's alone. */
  'settings.payments': ['owner'],
  /** Staff accounts: create, change role, reset password, deactivate. */
  'users.manage': ['owner'],
  /** API keys for the JSON API: make, name, list and revoke (the owner sees everyone's, an admin their own). */
  'apikeys.manage': ['owner', 'admin'],
  /** The chat inbox: every conversation, answering as a person, take over and hand back, assignment, labels. */
  'inbox.use': ['owner', 'admin', 'staff'],
  /** The inbox's saved replies (templates picked with "/"). */
  'inbox.replies': ['owner', 'admin'],
  /** One's own account: password, language. */
  'account.self': ['owner', 'admin', 'staff', 'packer'],
} as const satisfies Record<string, readonly UserRole[]>;

export type Capability = keyof typeof matrix;

export function allowed(capability: Capability): readonly UserRole[] {
  return matrix[capability];
}

export function can(role: UserRole, capability: Capability): boolean {
  return (matrix[capability] as readonly UserRole[]).includes(role);
}

/** Packers work on orders that are ready to pack or to hand to the carrier; nothing else is theirs. */
export const packerStatuses = shippableStatuses;

/**
 * May this role open this order (its page, notes, printed documents)? Roles that see money see every
 * order; a packer only those to pack and ship, and any other is answered as if it did not exist (404).
 */
export function mayViewOrder(role: UserRole, status: string): boolean {
  return can(role, 'revenue.view') || (packerStatuses as readonly string[]).includes(status);
}
