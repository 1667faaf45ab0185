import type { Messages } from './types.ts';

const missingName = { name: "the recipient's name", phone: 'a mobile number (e.g. 0812345678)', address: 'the delivery address with postcode' };

export const en: Messages = {
  statusName: {
    pending_payment: 'awaiting payment',
    payment_review: 'payment being checked',
    paid: 'paid',
    confirmed: 'confirmed',
    packed: 'packed',
    shipped: 'shipped',
    delivered: 'delivered',
    completed: 'completed',
    cancelled: 'cancelled',
  },
  button: {
    menu: 'Products',
    cart: 'Cart',
    checkout: 'Checkout',
    status: 'My orders',
    confirm: 'Confirm',
    edit: 'Edit',
    clearCart: 'Clear cart',
    useSavedAddress: 'Use saved address',
    add: 'Add to cart',
    more: 'More',
    reorder: 'Reorder',
    help: 'How to order',
    cancelOrder: (n) => `Cancel ${n}`,
  },
  greeting: (shop) =>
    `Hello and welcome to ${shop} 🙏\nType "menu" to see our products, or just type a product and quantity, e.g. "coffee x2".\nType "cart" to see your cart and "checkout" when you are ready.`,
  help:
    'How to order:\n• "menu" shows the products\n• "<product name or SKU> x<qty>" adds to the cart (several lines at once are fine)\n• "cart" shows your cart\n• "checkout", then send name, phone and address\n• "status" lists your orders • "reorder" repeats your last order\n• "cancel <order number>" cancels an unpaid order\n• "lang th" สำหรับภาษาไทย',
  notUnderstood: 'Sorry, I did not understand that. Type "menu" to see the products or "help" for how to order.',
  sticker: 'Thanks for the sticker 😊 Type "menu" to see what we have.',
  chooseCategory: 'Pick a category:',
  productsAlt: 'Products',
  noProducts: 'Nothing in this category yet.',
  inStock: 'In stock',
  outOfStock: 'Out of stock',
  added: (lines) => `Added to your cart 🛒\n${lines.map((l) => `• ${l}`).join('\n')}`,
  cart: (lines, subtotal) => `Your cart\n${lines.map((l) => `• ${l.name} x${l.qty} = ${l.total}`).join('\n')}\nSubtotal ${subtotal}`,
  cartEmpty: 'Your cart is empty. Type "menu" to pick something.',
  cartCleared: 'Your cart is now empty.',
  removed: (name) => `Removed ${name} from your cart.`,
  notInCart: (q) => `"${q}" is not in your cart.`,
  unknownProduct: (q, s) =>
    `We don't have "${q}".${s.length ? `\nDid you mean ${s.map((x) => `"${x}"`).join(' or ')}?` : '\nType "menu" to see everything we sell.'}`,
  ambiguous: (q) => `Several products match "${q}". Which one?`,
  notEnough: (name, n) => (n > 0 ? `Only ${n} of ${name} left.` : `${name} is out of stock for now.`),
  noLongerSold: (name) => `${name} is no longer sold.`,
  askAddress: (saved) =>
    `Please send your delivery details in one message, one per line:\nname\nphone\naddress (with postcode)${saved ? `\n\nOr use your saved address:\n${saved}` : ''}`,
  addressMissing: (missing) => `I still need ${missing.map((m) => missingName[m]).join(', ')}.\nPlease send again: name / phone / address, one per line.`,
  summary: (p) =>
    `Order summary\n${p.lines.map((l) => `• ${l.name} x${l.qty} = ${l.total}`).join('\n')}\nItems ${p.subtotal}\nShipping ${p.shipping}\nTotal ${p.total}\n\nDeliver to:\n${p.address}\n\nType "confirm" to place the order or "edit" to change it.`,
  nothingToConfirm: 'There is nothing to confirm yet. Type "checkout" when you are ready.',
  orderPlaced: (n, total) => `Thank you, your order is in 🎉\nOrder number ${n}\nAmount to pay ${total}`,
  payByPromptPay: (total, id) => `Pay ${total} by PromptPay to ${id} (scan the QR above), then send a photo of the slip here.`,
  payByTransfer: (total) => `Please transfer ${total} and send a photo of the slip here; we will confirm it shortly.`,
  stockChanged: (lines) => `Sorry, some items ran short:\n${lines.map((l) => `• ${l}`).join('\n')}\nPlease adjust your cart and check out again.`,
  orders: (orders) => `Your orders\n${orders.map((o) => `• ${o.number} (${o.date}) ${o.total} — ${en.statusName[o.status]}`).join('\n')}`,
  noOrders: 'You have no open orders.',
  reordered: (added, skipped) =>
    `${added.length ? `Added your last order to the cart:\n${added.map((l) => `• ${l}`).join('\n')}` : 'Nothing from your last order can be reordered.'}${skipped.length ? `\nNo longer sold: ${skipped.join(', ')}` : ''}`,
  nothingToReorder: 'You have no previous order yet. Type "menu" to pick something.',
  cancelled: (n) => `Order ${n} is cancelled.`,
  cancelWhich: 'Which order? Type "cancel <order number>".',
  orderNotFound: (n) => `We could not find your order ${n}.`,
  cannotCancel: (n, status) => `Order ${n} is ${status} and cannot be cancelled here; the shop will contact you.`,
  languageSet: 'Switched to English.',
  remindersOff: 'Reminders are off. Type "start" to turn them back on.',
  remindersOn: 'Reminders are on.',
  imageWithoutOrder: 'Thanks for the picture. You have no order awaiting payment; if this is a slip, please place your order first.',
  slipReceived: (n) => `We received your slip for order ${n} and are checking it.`,
  somethingWrong: 'Sorry, something went wrong on our side. Please try again.',
  notify: {
    paid: (n, total) => `We received your payment of ${total} for order ${n}. Thank you 🙏`,
    confirmed: (n) => `The shop confirmed order ${n} and is preparing it.`,
    shipped: (n, carrier, tracking, url) =>
      `Order ${n} is on its way 🚚${carrier ? `\nCarrier: ${carrier}` : ''}${tracking ? `\nTracking number: ${tracking}` : ''}${url ? `\nTrack it: ${url}` : ''}`,
    delivered: (n) => `Order ${n} was delivered. Thank you for shopping with us!`,
    cancelled: (n, note) => `Order ${n} was cancelled.${note ? `\nReason: ${note}` : ''}`,
    merchantNewOrder: (n, total, customer, channel, lines) =>
      `🛎️ New order ${n}\n${customer} (${channel}) ${total}\n${lines.map((l) => `• ${l}`).join('\n')}`,
    paymentReminder: (n, total, id) =>
      `Order ${n} is still waiting for payment of ${total}.${id ? `\nPay by PromptPay to ${id}.` : ''}\nSend the slip here, or type "cancel ${n}" if you no longer want it.`,
    expired: (n) => `Order ${n} was cancelled because it was not paid in time. Type "reorder" to order it again.`,
    reorderReminder: (product, days) => `Running low on ${product}? It has been about ${days} days. Order more with one tap 🛒\nType "stop" to turn reminders off.`,
    merchantLowStock: (items) => `⚠️ Low stock\n${items.map((i) => `• ${i.name} (${i.sku}): ${i.available} left (threshold ${i.threshold})`).join('\n')}`,
    merchantDailySummary: (p) =>
      `📊 Daily summary ${p.date}\n${p.orders} orders, revenue ${p.revenue}\nSlips to review ${p.toReview} • to confirm ${p.toConfirm} • to pack ${p.toPack} • to ship ${p.toShip}`,
    merchantSlipReview: (n, reasons) => `🧾 The slip for order ${n} needs a look: ${reasons.join(', ')}`,
  },
};
