import type { PayAccount } from '#src/modules/payments/banks.ts';
import type { OrderStatus } from '#src/db/schema/index.ts';

export interface CartLineText {
  name: string;
  qty: number;
  /** Formatted line total. */
  total: string;
}

export interface OrderLineText {
  number: string;
  status: OrderStatus;
  total: string;
  date: string;
}

/** Returns and exchanges in chat: asking for one, and what the shop decided. */
export interface ReturnMessages {
  button: {
    done: string;
    send: string;
    cancel: string;
    start: (orderNumber: string) => string;
    reason: Record<'damaged' | 'wrong_item' | 'not_as_described' | 'changed_mind' | 'other', string>;
  };
  which: string;
  none: (days: number) => string;
  notFound: (orderNumber: string) => string;
  notDelivered: (orderNumber: string, status: string) => string;
  windowPassed: (orderNumber: string, days: number) => string;
  alreadyOpen: (orderNumber: string, returnNumber: string) => string;
  nothingLeft: (orderNumber: string) => string;
  pickLines: (orderNumber: string, lines: { no: number; name: string; qty: number }[]) => string;
  askQty: (name: string, max: number) => string;
  badQty: (max: number) => string;
  picked: (lines: string[]) => string;
  nothingPicked: string;
  askReason: string;
  askOtherReason: string;
  askPhotos: string;
  photoSaved: (count: number) => string;
  tooManyPhotos: (max: number) => string;
  requested: (returnNumber: string, orderNumber: string) => string;
  cancelled: string;
  notInFlow: string;
  // Queued by the back office, sent later.
  approved: (returnNumber: string, orderNumber: string, note: string | undefined) => string;
  rejected: (returnNumber: string, orderNumber: string, note: string | undefined) => string;
  refunded: (returnNumber: string, amount: string, later: boolean) => string;
  exchanged: (returnNumber: string, newOrderNumber: string, toPay: string | undefined, refund: string | undefined) => string;
  merchantRequested: (returnNumber: string, orderNumber: string, customer: string, reason: string, lines: string[]) => string;
}

/** The web chat page's own texts (not the bot's): its controls, and why an upload or a request was refused. */
export interface WebchatTexts {
  /** Handed to templates/webchat/chat.js in the page; {shop} in welcomeTitle is the shop's name. */
  page: {
    placeholder: string;
    send: string;
    attach: string;
    messages: string;
    connecting: string;
    reconnecting: string;
    online: string;
    sending: string;
    failed: string;
    retry: string;
    read: string;
    today: string;
    yesterday: string;
    welcomeTitle: string;
    welcomeBody: string;
    chips: { label: string; command: string }[];
    photo: string;
    yourPhoto: string;
    saveImage: string;
    openImage: string;
    noImage: string;
    products: string;
    prev: string;
    next: string;
    newMessages: string;
    notImage: string;
    genericError: string;
    quickReplies: string;
  };
  refused: Record<'NOT_AN_IMAGE' | 'UNSUPPORTED_FORMAT' | 'TOO_LARGE' | 'TOO_MANY_PIXELS' | 'CORRUPT_IMAGE' | 'NO_FILE' | 'BAD_TOKEN' | 'NOT_FOUND' | 'RATE_LIMITED' | 'QUOTA', string>;
}

/** Every text the bot says, one implementation per language. Amounts arrive formatted. */
export interface Messages {
  returns: ReturnMessages;
  statusName: Record<OrderStatus, string>;
  button: {
    menu: string;
    cart: string;
    checkout: string;
    status: string;
    confirm: string;
    edit: string;
    clearCart: string;
    useSavedAddress: string;
    add: string;
    more: string;
    reorder: string;
    help: string;
    cancelOrder: (number: string) => string;
    editCart: string;
    editAddress: string;
    cancel: string;
    human: string;
    backToBot: string;
    /** "Add <product>" under a price or stock answer (LINE: at most 20 characters). */
    addNamed: (name: string) => string;
  };
  greeting: (shop: string) => string;
  /** The merchant sent the one-time code from Settings: this chat now hears of new orders and slips. */
  merchantLinked: (shop: string) => string;
  help: string;
  notUnderstood: string;
  sticker: string;
  chooseCategory: string;
  productsAlt: string;
  noProducts: string;
  inStock: string;
  outOfStock: string;
  added: (lines: string[]) => string;
  cart: (lines: CartLineText[], subtotal: string) => string;
  cartEmpty: string;
  cartCleared: string;
  removed: (name: string) => string;
  notInCart: (query: string) => string;
  unknownProduct: (query: string, suggestions: string[]) => string;
  ambiguous: (query: string) => string;
  notEnough: (name: string, available: number) => string;
  noLongerSold: (name: string) => string;
  askAddress: (saved: string | undefined) => string;
  /** What was understood of the delivery details (any may be absent), one labelled line each. */
  deliveryEcho: (d: { name?: string | undefined; phone?: string | undefined; address?: string | undefined; province?: string | undefined }) => string;
  /** What was understood so far, echoed, and only what is still missing asked. */
  deliveryAsk: (echo: string, missing: ('name' | 'phone' | 'address' | 'postcode')[]) => string;
  postcodeUnknown: (echo: string, postcode: string) => string;
  postcodeMismatch: (echo: string, postcode: string, province: string) => string;
  checkoutCancelled: string;
  smalltalk: string;
  askWhichProduct: string;
  /** One product's price and what is left (0 = sold out). */
  productFacts: (name: string, price: string, available: number) => string;
  handedOver: (minutes: number) => string;
  handedBack: string;
  questionForwarded: string;
  merchantHandover: (customer: string, said: string, minutes: number) => string;
  merchantQuestion: (customer: string, said: string) => string;
  summary: (p: { lines: CartLineText[]; subtotal: string; shipping: string; total: string; address: string }) => string;
  nothingToConfirm: string;
  orderPlaced: (number: string, total: string) => string;
  payByPromptPay: (total: string, promptPayId: string) => string;
  /** Without PromptPay: the shop's accounts (bank, number, holder); none set = the shop will send the details. */
  payByTransfer: (total: string, accounts: PayAccount[]) => string;
  stockChanged: (lines: string[]) => string;
  /** Checkout refused: the customer (or the address) already holds this many unpaid orders, or units in them. */
  unpaidLimit: { orders: (max: number) => string; units: (max: number) => string };
  orders: (orders: OrderLineText[]) => string;
  noOrders: string;
  reordered: (added: string[], skipped: string[]) => string;
  nothingToReorder: string;
  cancelled: (number: string) => string;
  cancelWhich: string;
  orderNotFound: (number: string) => string;
  cannotCancel: (number: string, status: string) => string;
  languageSet: string;
  remindersOff: string;
  remindersOn: string;
  imageWithoutOrder: string;
  slipReceived: (number: string) => string;
  slipAccepted: (number: string, paid: string) => string;
  slipPartial: (number: string, paid: string, remaining: string) => string;
  slipInReview: (number: string) => string;
  notASlip: string;
  imageRefused: Record<'NOT_AN_IMAGE' | 'UNSUPPORTED_FORMAT' | 'TOO_LARGE' | 'TOO_MANY_PIXELS' | 'CORRUPT_IMAGE' | 'UNREADABLE', string>;
  webchat: WebchatTexts;
  payQrAlt: (total: string) => string;
  somethingWrong: string;
  // Messages queued by workflows and sent later (outbox templates).
  notify: {
    paid: (number: string, total: string) => string;
    confirmed: (number: string) => string;
    shipped: (number: string, carrier: string | undefined, tracking: string | undefined, url: string | undefined) => string;
    delivered: (number: string) => string;
    outForDelivery: (number: string, carrier: string, tracking: string, url: string | undefined) => string;
    merchantParcelProblem: (number: string, carrier: string, tracking: string, status: 'failed_attempt' | 'returning' | 'returned' | 'exception', description: string) => string;
    cancelled: (number: string, note: string | undefined) => string;
    merchantNewOrder: (number: string, total: string, customer: string, channel: string, lines: string[]) => string;
    paymentReminder: (number: string, total: string, promptPayId: string | undefined, accounts: PayAccount[]) => string;
    expired: (number: string) => string;
    reorderReminder: (product: string, days: number) => string;
    merchantLowStock: (items: { sku: string; name: string; available: number; threshold: number }[]) => string;
    merchantDailySummary: (p: { date: string; orders: number; revenue: string; awaiting?: string | undefined; cod?: string | undefined; toReview: number; toConfirm: number; toPack: number; toShip: number }) => string;
    merchantSlipReview: (number: string, reasons: string[]) => string;
    slipRejected: (number: string, reason: string | undefined) => string;
    /** The shop changed an order: the new total and what is still to pay (0 when paid in full) or to refund. */
    orderEdited: (number: string, total: string, due: string | undefined, refund: string | undefined) => string;
    /** A payment recorded: what came in, what is still to pay (and where), what the shop gives back. */
    paymentReceived: (number: string, received: string, remaining: string | undefined, refund: string | undefined, promptPayId: string | undefined) => string;
    /** Two orders became one: the absorbed order's number and the one total to pay. */
    ordersMerged: (kept: string, absorbed: string, total: string) => string;
  };
}
