import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import type { Invoice } from '#src/db/schema/index.ts';
import { findNote, invoiceOf, issueInvoice, vatIncluded } from '#src/modules/billing/index.ts';
import { findOrderById, isCancelled, lockOrder, mayReceipt } from '#src/modules/orders/index.ts';
import {
  buildPickingList,
  buyerTaxId,
  code128Svg,
  createPdfRenderer,
  displayPhone,
  loadPrintOrders,
  logoDataUri,
  MAX_PRINT_ORDERS,
  parseOrderNumbers,
  pickRows,
  qrSvg,
  type PrintOrder,
} from '#src/modules/printing/index.ts';
import { writeAudit } from '../audit.ts';
import { allowed, mayViewOrder, type Capability } from '../auth/roles.ts';
import { list } from '../forms.ts';
import type { MessageKey } from '../i18n/index.ts';
import { helpers, render } from '../view.ts';

type Kind = 'picking' | 'packing' | 'labels' | 'invoices';

const documents: Record<Kind, { capability: Capability; title: MessageKey; file: string }> = {
  picking: { capability: 'print.shipping', title: 'printing.picking', file: 'picking-list' },
  packing: { capability: 'print.shipping', title: 'printing.packing', file: 'packing-slips' },
  labels: { capability: 'print.shipping', title: 'printing.labels', file: 'labels' },
  invoices: { capability: 'print.invoice', title: 'printing.invoices', file: 'receipts' },
};

/** Order numbers are short codes (TL-10001, or a marketplace's own); anything else cannot be one. */
const orderNumberShape = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;

/** Print pages hold only their own inline CSS and one inline script, allowed by a per-response nonce; nothing from outside. */
function documentCsp(nonce: string): string {
  return (
    `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; ` +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
  );
}

const bulkBody = z.object({
  doc: z.enum(['picking', 'packing', 'labels']),
  numbers: list(z.string().trim().min(1).max(32)),
});

/** Printable receipts without a number yet: the page offers the POST that issues them. */
class ReceiptsToIssue extends Error {
  constructor(readonly numbers: string[]) {
    super('receipts to issue');
  }
}

const issueBody = z.object({ orders: z.string().max(4000) });


/**
 * A note's reason as printed, Thai then English: the reasons the system writes (an edit, a cancellation,
 * a return) named in both languages, followed by what the staff typed; any other reason as typed.
 */
export function noteReason(reason: string): string {
  const edited = /^order edited \(revision (\d+)\)(?::\s*([\s\S]*))?$/.exec(reason);
  if (edited) return `แก้ไขคำสั่งซื้อ ครั้งที่ ${edited[1]} / Order edited (revision ${edited[1]})${edited[2] ? `: ${edited[2]}` : ''}`;
  const cancelled = /^cancelled(?::\s*([\s\S]*))?$/.exec(reason);
  if (cancelled) return `ยกเลิกคำสั่งซื้อ / Order cancelled${cancelled[1] ? `: ${cancelled[1]}` : ''}`;
  const returned = /^return (\S+)$/.exec(reason);
  if (returned) return `รับคืนสินค้า ${returned[1]} / Return ${returned[1]}`;
  return reason;
}

export class PrintRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Printable documents of orders: the same page is shown for the browser's print dialog and, with
 * format=pdf, rendered by a shared headless Chromium into a PDF download.
 */
export const printRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, logger, carriers } = app.deps;
  const pdf = createPdfRenderer({ executablePath: config.chromiumPath, concurrency: 2, logger });
  app.addHook('onClose', async () => pdf.close());

  async function shopProfile() {
    const { shop } = config;
    return {
      name: shop.name,
      address: shop.address,
      phone: shop.phone ? displayPhone(shop.phone) : '',
      taxId: shop.taxId ?? '',
      vatRegistered: shop.vatRegistered,
      logo: await logoDataUri(config.dataDir, shop.logoPath),
    };
  }

  async function docData(kind: Kind, request: FastifyRequest, found: PrintOrder[]): Promise<Record<string, unknown>> {
    const h = helpers(request);
    switch (kind) {
      case 'picking':
        return { orders: found, groups: buildPickingList(await pickRows(db, found)), printedAt: h.f.dateTime(new Date()) };
      case 'packing':
        return {
          docs: await Promise.all(
            found.map(async (p) => ({ order: p.order, lines: p.lines, phone: displayPhone(p.order.shippingAddress.phone), qr: await qrSvg(p.order.number) })),
          ),
        };
      case 'labels':
        return {
          docs: await Promise.all(
            found.map(async (p) => {
              const parcels = p.shipments.filter((s) => s.carrier || s.trackingNumber);
              // A parcel booked with a carrier is scanned by the carrier: its number is the barcode, its sort code printed big.
              const booked = parcels.find((s) => s.outTradeNo && s.trackingNumber && s.status !== 'cancelled');
              return {
                order: p.order,
                phone: displayPhone(p.order.shippingAddress.phone || p.order.customerPhone),
                cod: p.order.paymentMethod === 'cod',
                paid: mayReceipt({ status: p.order.status, paymentMethod: p.order.paymentMethod }),
                items: p.lines.reduce((n, l) => n + l.qty, 0),
                tracking: parcels
                  .map((s) => [s.carrier ? carriers.registry().describe(s.carrier).name : '', s.trackingNumber ?? ''].filter(Boolean).join(' '))
                  .join(' · '),
                barcode: await code128Svg(booked?.trackingNumber ?? p.order.number, { height: 14 }),
                carrierNumber: booked?.trackingNumber ?? undefined,
                sortCode: booked ? [booked.sortCode, booked.sortingLineCode].filter(Boolean).join(' ') : '',
                qr: await qrSvg(p.order.number),
              };
            }),
          ),
        };
      case 'invoices':
        return receipts(request, found);
    }
  }

  /** Why an order gets no receipt yet: cancelled, cash on delivery not collected, or not paid. */
  const skipReason = (order: PrintOrder['order']): 'cancelled' | 'codNotCollected' | 'notPaid' =>
    isCancelled(order) ? 'cancelled' : order.paymentMethod === 'cod' ? 'codNotCollected' : 'notPaid';

  /**
   * The receipts that can be printed (paid; COD: delivered) and the orders skipped with why; refused
   * only when none can be printed. Printing is a GET and never numbers a receipt: a printable order
   * still without a number (a COD order delivered but not remitted yet) is sent to the "issue receipt
   * numbers" form, a POST (issueReceipts) — the numbers stay one gap-free series.
   */
  async function receipts(request: FastifyRequest, found: PrintOrder[]) {
    const h = helpers(request);
    const skipped = found.filter((p) => !mayReceipt(p.order)).map((p) => ({ number: p.order.number, reason: h.t(`printing.skip.${skipReason(p.order)}`) }));
    const printable = found.filter((p) => mayReceipt(p.order));
    if (printable.length === 0) throw new PrintRefused(409, h.t('printing.notPaid', { numbers: skipped.map((s) => s.number).join(', ') }));
    const issued = new Map<number, Invoice>();
    for (const p of printable) {
      const invoice = await invoiceOf(db, p.order.id);
      if (invoice) issued.set(p.order.id, invoice);
    }
    const unnumbered = printable.filter((p) => !issued.has(p.order.id)).map((p) => p.order.number);
    if (unnumbered.length) throw new ReceiptsToIssue(unnumbered);
    const docs = printable.map((p) => {
      const invoice = issued.get(p.order.id)!;
      // The receipt as issued: a later change is a credit note, never a new amount under the same number.
      const total = invoice.total;
      const vat = invoice.vat > 0 ? invoice.vat : vatIncluded(total).vat;
      return {
        order: p.order,
        lines: p.lines,
        invoice,
        issuedOn: h.f.longDate(invoice.issuedAt),
        buyerTaxId: buyerTaxId(p.order.shippingAddress),
        taxInvoice: config.shop.vatRegistered,
        total,
        vat,
        net: total - vat,
      };
    });
    return { docs, skipped };
  }

  /** Numbers the receipts of the chosen orders that may have one (a POST with the form's CSRF token); the rest are left alone. */
  async function issueReceipts(request: FastifyRequest, numbers: string[]): Promise<void> {
    const user = request.admin!.user;
    const role = user.role;
    const { found } = await loadPrintOrders(db, numbers.filter((n) => orderNumberShape.test(n)));
    for (const p of found) {
      if (!mayViewOrder(role, p.order.status) || !mayReceipt(p.order) || (await invoiceOf(db, p.order.id))) continue;
      await withTransaction(db, async (tx) => {
        // The status is checked again under the order's lock: it may have been cancelled meanwhile.
        const locked = await lockOrder(tx, p.order.number);
        if (!mayReceipt(locked)) return;
        const had = await invoiceOf(tx, locked.id);
        const issued = await issueInvoice(tx, locked.id, { vatRegistered: config.shop.vatRegistered, timeZone: config.shop.timeZone });
        if (!had) await writeAudit(tx, user, { action: 'invoice.issued', orderNumber: locked.number, target: issued.number, details: { total: issued.total, vat: issued.vat } });
      });
    }
  }

  async function showChooser(request: FastifyRequest, reply: FastifyReply, kind: Kind, value: string, problem?: string, status = 200, toIssue?: string[]) {
    const h = helpers(request);
    return render(request, reply, 'print/choose', { title: h.t(documents[kind].title), action: `/admin/print/${kind}`, value, problem, max: MAX_PRINT_ORDERS, toIssue }, status);
  }

  async function printDocument(kind: Kind, request: FastifyRequest, reply: FastifyReply) {
    const h = helpers(request);
    const q = (request.query ?? {}) as Record<string, unknown>;
    const raw = [q.orders, q.order].flat().filter((v): v is string => typeof v === 'string');
    const value = raw.join(', ').slice(0, 4000);
    // Opened without a selection (from the menu, a bookmark): ask which orders.
    if (q.orders === undefined && q.order === undefined) return showChooser(request, reply, kind, '');
    const numbers = parseOrderNumbers(raw);
    if (numbers.length === 0) return showChooser(request, reply, kind, value, h.t('printing.empty'), 400);
    if (numbers.length > MAX_PRINT_ORDERS) {
      return showChooser(request, reply, kind, value, h.t('printing.tooMany', { max: MAX_PRINT_ORDERS, n: numbers.length }), 400);
    }
    const shaped = numbers.filter((n) => orderNumberShape.test(n));
    const { found, missing: absent } = await loadPrintOrders(db, shaped);
    // A packer's documents hold only orders to pack and ship; any other is unknown to them.
    const role = request.admin!.user.role;
    const missing = [...absent, ...found.filter((p) => !mayViewOrder(role, p.order.status)).map((p) => p.order.number)];
    const unknown = [...numbers.filter((n) => !orderNumberShape.test(n)).map((n) => n.slice(0, 40)), ...missing];
    if (unknown.length) return showChooser(request, reply, kind, value, h.t('printing.unknown', { numbers: unknown.join(', ') }), 404);

    let data: Record<string, unknown>;
    try {
      data = await docData(kind, request, found);
    } catch (err) {
      if (err instanceof PrintRefused) return showChooser(request, reply, kind, value, err.message, err.status);
      if (err instanceof ReceiptsToIssue) return showChooser(request, reply, kind, numbers.join(', '), undefined, 200, err.numbers);
      throw err;
    }
    const nonce = randomBytes(16).toString('base64');
    const pdfQuery = new URLSearchParams({ orders: numbers.join(','), format: 'pdf' });
    const html = await reply.viewAsync(`print/${kind}`, {
      ...h,
      ...data,
      kind,
      nonce,
      title: h.t(documents[kind].title),
      count: found.length,
      shop: await shopProfile(),
      pdfUrl: `/admin/print/${kind}?${pdfQuery.toString()}`,
    });

    const first = found[0]!.order.number;
    const name = `${documents[kind].file}-${first}${found.length > 1 ? `-and-${found.length - 1}-more` : ''}.pdf`;
    return sendDocument(request, reply, html, nonce, q.format === 'pdf' ? name : undefined);
  }

  /** A document page as HTML under its own CSP, or (given a file name) rendered into a PDF download. */
  async function sendDocument(request: FastifyRequest, reply: FastifyReply, html: string, nonce: string, pdfName?: string) {
    if (pdfName) {
      let bytes: Buffer;
      try {
        bytes = await pdf.render(html);
      } catch (err) {
        const h = helpers(request);
        request.log.error({ err }, 'PDF rendering failed');
        return render(request, reply, 'error', { title: h.t('printing.problem'), message: h.t('printing.pdfFailed') }, 503);
      }
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${pdfName}"`)
        .header('content-length', bytes.length)
        .send(bytes);
    }
    return reply.header('content-security-policy', documentCsp(nonce)).type('text/html; charset=utf-8').send(html);
  }

  for (const kind of Object.keys(documents) as Kind[]) {
    app.get(`/print/${kind}`, { config: { roles: allowed(documents[kind].capability) } }, (request, reply) => printDocument(kind, request, reply));
  }

  // Receipt numbers are taken only here (or when the order is paid): a POST with the form's CSRF token, then the receipts are shown.
  app.post('/print/invoices', { config: { roles: allowed('print.invoice') } }, async (request, reply) => {
    const parsed = issueBody.safeParse(request.body ?? {});
    const numbers = parsed.success ? parseOrderNumbers([parsed.data.orders]) : [];
    if (numbers.length === 0 || numbers.length > MAX_PRINT_ORDERS) return reply.redirect('/admin/print/invoices', 303);
    await issueReceipts(request, numbers);
    return reply.redirect(`/admin/print/invoices?${new URLSearchParams({ orders: numbers.join(',') }).toString()}`, 303);
  });

  // A credit note (ใบลดหนี้) or debit note (ใบเพิ่มหนี้): the receipt it refers to keeps its number; the
  // note shows the value as it was, as it should be, the difference and its VAT, in Thai and English.
  const noteParams = z.object({ number: z.string().regex(/^(CN|DN)\d{4}-\d{6}$/) });
  app.get('/print/notes/:number', { config: { roles: allowed('print.invoice') } }, async (request, reply) => {
    const h = helpers(request);
    const parsed = noteParams.safeParse(request.params);
    const found = parsed.success ? await findNote(db, parsed.data.number) : undefined;
    const order = found ? await findOrderById(db, found.note.orderId) : undefined;
    if (!found || !order) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('printing.noteNotFound') }, 404);
    const { kind, note, invoice } = found;
    const nonce = randomBytes(16).toString('base64');
    const html = await reply.viewAsync('print/note', {
      ...h,
      kind: 'note',
      nonce,
      title: h.t(`printing.note.${kind}`),
      count: 1,
      shop: await shopProfile(),
      pdfUrl: `/admin/print/notes/${note.number}?format=pdf`,
      doc: {
        kind,
        note,
        order,
        invoice,
        issuedOn: h.f.longDate(note.issuedAt),
        receiptOn: h.f.longDate(invoice.issuedAt),
        reason: noteReason(note.reason),
        before: found.before,
        after: found.after,
        taxInvoice: invoice.vat > 0,
        net: note.amount - note.vat,
      },
    });
    return sendDocument(request, reply, html, nonce, (request.query as Record<string, unknown> | undefined)?.format === 'pdf' ? `${note.number}.pdf` : undefined);
  });

  // The order list's "print selected" buttons post the ticked orders (with the form's CSRF token); the document itself is a GET page.
  app.post('/print/bulk', { config: { roles: allowed('print.shipping') } }, async (request, reply) => {
    const parsed = bulkBody.safeParse(request.body ?? {});
    const doc = parsed.success ? parsed.data.doc : 'picking';
    const numbers = parsed.success ? parseOrderNumbers(parsed.data.numbers) : [];
    return reply.redirect(`/admin/print/${doc}?${new URLSearchParams({ orders: numbers.join(',') }).toString()}`, 303);
  });
};
