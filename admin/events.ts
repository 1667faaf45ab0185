import type { OrderEvent, UserRole } from '#src/db/schema/index.ts';
import type { MessageKey, Translate } from './i18n/index.ts';

/** What the renderers need from the page's helpers. */
export interface EventWords {
  t: Translate;
  has: (key: string) => boolean;
  channel: (c: string) => string;
  role: (r: UserRole) => string;
  f: { money: (amount: number, currency: string) => string };
}

export interface Person {
  name: string;
  role: UserRole;
}

const methodText = (w: EventWords, method: string | undefined) =>
  method ? (w.has(`ledger.method.${method}`) ? w.t(`ledger.method.${method}` as MessageKey) : method) : '';

/** A timeline event in the reader's language; an unknown kind (from a newer version) says so plainly. */
export function eventText(event: OrderEvent, w: EventWords): string {
  const { t } = w;
  switch (event.kind) {
    case 'order.placed':
      return t('event.order.placed', { channel: w.channel(event.params.channel) });
    case 'order.expired':
      return t('event.order.expired', { hours: event.params.hours });
    case 'order.merged':
      return t('event.order.merged', { number: event.params.number });
    case 'order.paidAtCounter':
      return t('event.order.paidAtCounter');
    case 'order.paidOnMarketplace':
      return t('event.order.paidOnMarketplace', { channel: w.channel(event.params.channel) });
    case 'order.markedPaid':
      return t('event.order.markedPaid');
    case 'order.split':
      return t('event.order.split', { parcels: event.params.parcels });
    case 'order.messaged':
      return t('event.order.messaged');
    case 'order.entered': {
      const source = w.has(`orderEntry.source.${event.params.source}`) ? t(`orderEntry.source.${event.params.source}` as MessageKey) : event.params.source;
      return t(event.params.pickup ? 'event.order.enteredPickup' : 'event.order.entered', { source });
    }
    case 'slip.verified':
      return t('event.slip.verified', { ref: event.params.ref }).replace(/\s+/g, ' ');
    case 'slip.toCheck':
      return t('event.slip.toCheck', {
        reasons: event.params.reasons.map((r) => (w.has(`slipReason.${r}`) ? t(`slipReason.${r}` as MessageKey) : r)).join(', '),
      });
    case 'shipped.parcel': {
      const sent = t('event.shipped.parcel', { carrier: event.params.carrier, tracking: event.params.tracking });
      return event.params.waiting ? `${sent} · ${t('event.shipped.waiting', { n: event.params.waiting })}` : sent;
    }
    case 'shipped.lastParcel':
      return t('event.shipped.lastParcel', { carrier: event.params.carrier, tracking: event.params.tracking });
    case 'parcel.cancelled':
      return t('event.parcel.cancelled', { carrier: event.params.carrier, tracking: event.params.tracking });
    case 'parcel.pickup': {
      const asked = t('event.parcel.pickup', { carrier: event.params.carrier, parcels: event.params.parcels, reference: event.params.reference ?? '-' });
      return event.params.courier ? `${asked} · ${event.params.courier}` : asked;
    }
    case 'return.requested':
      return t('event.return.requested', { number: event.params.number });
    case 'return.decided':
      return t(event.params.decision === 'approved' ? 'event.return.decided.approved' : 'event.return.decided.rejected', { number: event.params.number });
    case 'return.received':
      return t('event.return.received', {
        number: event.params.number,
        items: event.params.items
          .map((i) => `${i.name} ×${i.qty} ${w.has(`return.choice.${i.choice}`) ? t(`return.choice.${i.choice}` as MessageKey) : i.choice} (${i.warehouse})`)
          .join('; '),
      });
    case 'return.exchanged':
      return t('event.return.exchanged', { number: event.params.number, exchange: event.params.exchange });
    case 'return.exchangeFor':
      return t('event.return.exchange', { number: event.params.number, order: event.params.order });
    case 'return.paidBy':
      return t('event.return.paidBy', { number: event.params.number });
    case 'return.refund': {
      const p = event.params;
      const amount = w.f.money(p.amount, p.currency);
      if (p.due) return t('event.return.refundDue', { amount, number: p.number });
      return t('event.return.refundPaid', { amount, number: p.number, method: [methodText(w, p.method), p.reference].filter(Boolean).join(' ') });
    }
    case 'refund.paid': {
      const p = event.params;
      return t('event.refund.paid', { amount: w.f.money(p.amount, p.currency), method: [methodText(w, p.method), p.reference].filter(Boolean).join(' ') });
    }
    default:
      return t('event.unknown');
  }
}

/**
 * Who did something, as people say it: "เจ้าของร้าน สมชาย", "ลูกค้า (LINE)", "ระบบตรวจสลิป". Actors are
 * stored as ids ("admin:<email>", "customer:<channel>", "system:<part>", "api", "api:<email>"); an
 * actor of another shape (an old row) is shown as it was written.
 */
export function actorText(actor: string, people: ReadonlyMap<string, Person>, w: EventWords): string {
  const i = actor.indexOf(':');
  const kind = i < 0 ? actor : actor.slice(0, i);
  const id = i < 0 ? '' : actor.slice(i + 1);
  const person = (email: string) => {
    const p = people.get(email.toLowerCase());
    return p ? w.t('actor.person', { role: w.role(p.role), name: p.name }) : w.t('actor.formerStaff', { email });
  };
  switch (kind) {
    case 'admin':
      return person(id);
    case 'api':
      return id ? w.t('actor.apiKey', { person: person(id) }) : w.t('actor.api');
    case 'customer':
      return w.t('actor.customer', { channel: w.channel(id) });
    case 'system':
      return id && w.has(`actor.system.${id}`) ? w.t(`actor.system.${id}` as MessageKey) : w.t('actor.system');
    default:
      return actor;
  }
}

/**
 * A stock-ledger note in the reader's language. The notes the system itself writes are a fixed few
 * (demo data, opening stock, returns, cancellations); what staff typed is shown as typed.
 */
export function stockNoteText(note: string | null, w: EventWords): string {
  if (!note) return '';
  const { t } = w;
  if (note === 'seed') return t('ledger.note.seed');
  if (note === 'opening stock') return t('ledger.note.openingStock');
  if (note === 'order cancelled') return t('ledger.note.orderCancelled');
  if (note === 'order cancelled after payment') return t('ledger.note.orderCancelledPaid');
  let m = /^order edited \(revision (\d+)\)$/.exec(note);
  if (m) return t('ledger.note.orderEdited', { n: m[1]! });
  m = /^(R-\d+) written off$/.exec(note);
  if (m) return t('ledger.note.writtenOff', { number: m[1]! });
  m = /^(R-\d+) (sellable|damaged|write_off)$/.exec(note);
  if (m) return t('ledger.note.returned', { number: m[1]!, choice: t(`return.choice.${m[2]}` as MessageKey) });
  return note;
}

/** What a stock move belongs to, named (the raw reference id means nothing to people). */
export function stockRefText(refType: string | null, w: EventWords): string {
  if (!refType) return '';
  return w.has(`stockRef.${refType}`) ? w.t(`stockRef.${refType}` as MessageKey) : refType;
}
