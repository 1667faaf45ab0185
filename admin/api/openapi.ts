/**
 * The API description at /docs/json, written for people: what every answer looks like (errors too),
 * real Thai examples, an operationId, a tag and a description on every operation, and the server's
 * address. Route schemas say what goes in (they validate requests); this file says what comes out, so
 * the answers' shapes are documented without changing how they are sent.
 */
import { z } from 'zod';
import { orderChannel, orderStatus, paymentMethod } from '#src/db/schema/index.ts';

const money = z.object({ amount: z.number().int().describe('minor units (satang): 32000 = ฿320.00'), currency: z.string().regex(/^[A-Z]{3}$/) });
const iso = z.string().describe('ISO 8601 time, UTC');

const product = z.object({ sku: z.string(), name: z.string().describe('Thai name'), nameEn: z.string().nullable(), price: money, available: z.number().int() });
const stockRow = z.object({ sku: z.string(), warehouse: z.string(), onHand: z.number().int(), reserved: z.number().int(), available: z.number().int() });
const orderLine = z.object({ sku: z.string(), name: z.string(), qty: z.number().int(), unitPrice: money });
const orderSummary = z.object({
  number: z.string(),
  status: z.enum(orderStatus.enumValues),
  channel: z.enum(orderChannel.enumValues),
  externalId: z.string().nullable(),
  customer: z.object({ name: z.string(), phone: z.string().nullable() }),
  lines: z.array(orderLine),
  total: money,
  createdAt: iso,
});
const order = orderSummary.extend({
  shippingAddress: z.looseObject({ name: z.string(), phone: z.string(), address: z.string(), postcode: z.string().optional() }).nullable(),
  paymentMethod: z.enum(paymentMethod.enumValues),
  subtotal: money,
  shippingFee: money,
  discount: money,
  payments: z.array(z.looseObject({ method: z.string(), status: z.string(), amount: money, reference: z.string().nullable(), createdAt: iso, receivedAt: iso.nullable() })),
  slips: z.array(z.looseObject({ verdict: z.string() })),
  refunds: z.array(z.object({ status: z.string(), amount: money, reason: z.string().nullable() })),
  shipments: z.array(z.object({ carrier: z.string(), trackingNumber: z.string().nullable(), status: z.string(), shippedAt: iso.nullable() })),
  history: z.array(
    z.object({
      from: z.string().nullable(),
      to: z.string().nullable(),
      actor: z.string(),
      note: z.string().nullable(),
      event: z.looseObject({ kind: z.string() }).nullable(),
      at: iso,
    }),
  ),
});

export const responseSchemas = {
  Error: z
    .object({ error: z.object({ code: z.string().describe('a stable code to act on, e.g. INSUFFICIENT_STOCK'), message: z.string().describe('what went wrong, for a person') }) })
    .describe('Every refusal and failure'),
  Money: money,
  Product: product,
  ProductList: z.object({ items: z.array(product) }),
  StockRow: stockRow,
  StockList: z.object({ items: z.array(stockRow) }),
  SalesReport: z.object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    netSales: money,
    paid: money,
    refunds: money,
    awaitingPayment: money,
    codToCollect: money,
    orders: z.number().int(),
  }),
  OrderSummary: orderSummary,
  OrderList: z.object({ items: z.array(orderSummary), nextCursor: z.string().nullable() }),
  Order: order,
  StockAdjusted: stockRow,
  Shipment: z.object({ carrier: z.string(), trackingNumber: z.string().nullable(), status: z.string(), order }),
} as const;
export type ResponseSchemaName = keyof typeof responseSchemas;

const thb = (amount: number) => ({ amount, currency: 'THB' });

/** The README's order, as sent and as answered. */
export const examples = {
  orderRequest: {
    channel: 'api',
    customer: { name: 'สมหญิง ใจดี', phone: '081-234-5678' },
    lines: [{ sku: 'COF-250', qty: 2 }],
    shippingAddress: { name: 'สมหญิง ใจดี', phone: '0812345678', address: '12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ', postcode: '10400' },
    paymentMethod: 'promptpay',
  },
  order: {
    number: 'TL-10042',
    status: 'pending_payment',
    channel: 'api',
    externalId: null,
    customer: { name: 'สมหญิง ใจดี', phone: '66812345678' },
    lines: [{ sku: 'COF-250', name: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', qty: 2, unitPrice: thb(32_000) }],
    total: thb(68_000),
    createdAt: '2026-12-06T07:15:00.000Z',
    shippingAddress: { name: 'สมหญิง ใจดี', phone: '0812345678', address: '12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ', postcode: '10400' },
    paymentMethod: 'promptpay',
    subtotal: thb(64_000),
    shippingFee: thb(4_000),
    discount: thb(0),
    payments: [],
    slips: [],
    refunds: [],
    shipments: [],
    history: [{ from: null, to: 'pending_payment', actor: 'api', note: null, event: { kind: 'order.placed', channel: 'api' }, at: '2026-12-06T07:15:00.000Z' }],
  },
  product: { sku: 'COF-250', name: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee, medium roast, 250 g', price: thb(32_000), available: 18 },
  productRequest: {
    sku: 'COF-250',
    name: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม',
    nameEn: 'Doi Chang coffee, medium roast, 250 g',
    category: 'กาแฟ',
    price: thb(32_000),
    stock: { warehouse: 'MAIN', onHand: 20 },
  },
  stockRow: { sku: 'COF-250', warehouse: 'MAIN', onHand: 20, reserved: 2, available: 18 },
  adjustmentRequest: { sku: 'COF-250', warehouse: 'MAIN', delta: 24, reason: 'receive' },
  sales: {
    from: '2026-12-01',
    to: '2026-12-06',
    timeZone: 'Asia/Bangkok',
    netSales: thb(1_254_000),
    paid: thb(1_290_000),
    refunds: thb(36_000),
    awaitingPayment: thb(68_000),
    codToCollect: thb(45_000),
    orders: 37,
  },
  transitionRequest: { to: 'confirmed', note: 'ลูกค้าโทรยืนยันแล้ว' },
  shipmentRequest: { carrier: 'kerry', trackingNumber: 'KEX123456789TH' },
} as const;

const error = (code: string, message: string) => ({ error: { code, message } });

/** Each refusal with a real example. */
const errors = {
  400: { description: 'The request is not valid: a field is missing or wrong', example: error('VALIDATION', 'body/lines: must hold at least one line') },
  401: { description: 'No bearer token, or not a valid one', example: error('UNAUTHORIZED', 'This API token is not valid') },
  403: { description: "The key's user may not do this", example: error('FORBIDDEN', "This API key's role (packer) may not do this") },
  404: { description: 'Nothing with that number or SKU', example: error('ORDER_NOT_FOUND', 'Order TL-99999 does not exist') },
  409: { description: 'The shop refused it as things stand', example: error('ILLEGAL_TRANSITION', 'Order TL-10042 cannot go from shipped to pending_payment') },
  422: { description: 'Understood but not possible', example: error('INSUFFICIENT_STOCK', 'COF-250: 2 wanted, 1 available') },
  429: { description: 'Too many requests; try again later', example: error('RATE_LIMITED', 'Too many requests') },
  500: { description: 'Something failed on the server; safe to retry with the same Idempotency-Key', example: error('INTERNAL', 'Internal error') },
} as const;
type ErrorStatus = keyof typeof errors;

const summaryKeys = ['number', 'status', 'channel', 'externalId', 'customer', 'lines', 'total', 'createdAt'] as const;
function pick<T extends Record<string, unknown>, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

interface Operation {
  operationId: string;
  description: string;
  ok: { status: 200 | 201; description: string; schema: ResponseSchemaName; example: unknown };
  requestExample?: unknown;
  errors: ErrorStatus[];
}

/** Every operation of /api/v1, by method and path as the OpenAPI document names them. */
export const operations: Record<string, Operation> = {
  'get /api/v1/products': {
    operationId: 'listProducts',
    description: 'Every active product variant with its price and the units available to sell over all warehouses.',
    ok: { status: 200, description: 'The products', schema: 'ProductList', example: { items: [examples.product] } },
    errors: [401, 403, 500],
  },
  'post /api/v1/products': {
    operationId: 'createProduct',
    description: 'Creates a product with one SKU and, optionally, its opening stock in a warehouse (MAIN when left out).',
    ok: { status: 201, description: 'The product as created', schema: 'Product', example: examples.product },
    requestExample: examples.productRequest,
    errors: [400, 401, 403, 409, 500],
  },
  'get /api/v1/stock': {
    operationId: 'listStock',
    description: 'On hand, reserved (by unpaid and unshipped orders) and available units per warehouse and SKU.',
    ok: { status: 200, description: 'Stock rows', schema: 'StockList', example: { items: [examples.stockRow] } },
    errors: [400, 401, 403, 500],
  },
  'post /api/v1/stock/adjustments': {
    operationId: 'adjustStock',
    description: 'Receives (positive delta), counts, writes off or corrects stock; recorded in the stock ledger with the caller.',
    ok: { status: 201, description: 'The stock row after the change', schema: 'StockAdjusted', example: { ...examples.stockRow, onHand: 44, available: 42 } },
    requestExample: examples.adjustmentRequest,
    errors: [400, 401, 403, 404, 409, 500],
  },
  'get /api/v1/reports/sales': {
    operationId: 'salesReport',
    description: "Money of a range of the shop's days (its time zone): net sales, received, refunds, awaiting payment, COD to collect, orders.",
    ok: { status: 200, description: 'The figures', schema: 'SalesReport', example: examples.sales },
    errors: [400, 401, 403, 500],
  },
  'get /api/v1/orders': {
    operationId: 'listOrders',
    description: 'Orders newest first, with their lines; filter by status, channel or a search (number, phone, name); page with nextCursor.',
    ok: { status: 200, description: 'A page of orders', schema: 'OrderList', example: { items: [{ ...pick(examples.order, summaryKeys) }], nextCursor: null } },
    errors: [400, 401, 403, 500],
  },
  'get /api/v1/orders/{number}': {
    operationId: 'getOrder',
    description: 'One order with its lines, payments and slips, refunds, shipments and history.',
    ok: { status: 200, description: 'The order', schema: 'Order', example: examples.order },
    errors: [400, 401, 403, 404, 500],
  },
  'post /api/v1/orders': {
    operationId: 'createOrder',
    description:
      'Creates an order and reserves its stock (all lines or none). Send an Idempotency-Key: a retry with the same key returns the first order (header Idempotent-Replayed: true), never a second one.',
    ok: { status: 201, description: 'The order as placed', schema: 'Order', example: examples.order },
    requestExample: examples.orderRequest,
    errors: [400, 401, 403, 404, 409, 422, 500],
  },
  'post /api/v1/orders/{number}/transitions': {
    operationId: 'transitionOrder',
    description: 'Moves an order to another status (confirm, pack, cancel, mark paid …); 409 ILLEGAL_TRANSITION when the move is not allowed.',
    ok: { status: 200, description: 'The order after the move', schema: 'Order', example: { ...examples.order, status: 'confirmed' } },
    requestExample: examples.transitionRequest,
    errors: [400, 401, 403, 404, 409, 422, 500],
  },
  'post /api/v1/orders/{number}/shipments': {
    operationId: 'shipOrder',
    description:
      "Records a parcel with its tracking number, or (without one) books it with a carrier that books, and ships the order; the customer is told in chat.",
    ok: {
      status: 201,
      description: 'The parcel and the order',
      schema: 'Shipment',
      example: { carrier: 'kerry', trackingNumber: 'KEX123456789TH', status: 'shipped', order: { ...examples.order, status: 'shipped' } },
    },
    requestExample: examples.shipmentRequest,
    errors: [400, 401, 403, 404, 409, 422, 500],
  },
};


export const tags = [
  { name: 'orders', description: 'Orders from every channel: list, read, create (idempotently), move through their statuses, ship.' },
  { name: 'products', description: 'The catalog: products on sale with their prices and what is available.' },
  { name: 'stock', description: 'Stock per warehouse and SKU, and changes to it.' },
  { name: 'reports', description: "Money figures of the shop's days." },
  { name: 'system', description: 'Health of the service.' },
];

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Puts the answers, examples, ids, tags and server onto the generated document (an OpenAPI 3 object). */
export function describeApi(doc: Json, publicUrl: string): Json {
  const components = ((doc.components as Json | undefined) ?? {}) as Json;
  const schemas = ((components.schemas as Json | undefined) ?? {}) as Json;
  for (const [name, schema] of Object.entries(responseSchemas) as [string, z.ZodType][]) schemas[name] = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', reused: 'inline' });
  doc.components = { ...components, schemas };
  doc.servers = [{ url: publicUrl, description: 'This shop' }];
  doc.tags = tags;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const known = operations[`${method} ${path}`];
      op.operationId = known?.operationId ?? operationIdOf(method, path);
      op.summary ??= known?.description ?? `${method.toUpperCase()} ${path}`;
      if (known) op.description = known.description;
      op.tags ??= [path.startsWith('/api/v1/') ? path.split('/')[3]! : 'system'];
      const responses: Json = {};
      if (known) {
        responses[String(known.ok.status)] = { description: known.ok.description, content: { 'application/json': { schema: ref(known.ok.schema), example: known.ok.example } } };
        if (known.requestExample !== undefined) {
          const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
          if (body?.['application/json']) body['application/json'].example = known.requestExample;
        }
      } else {
        responses['200'] = { description: 'OK' };
      }
      for (const status of known?.errors ?? ([400, 500] as ErrorStatus[])) {
        const e = errors[status];
        responses[String(status)] = { description: e.description, content: { 'application/json': { schema: ref('Error'), example: e.example } } };
      }
      op.responses = responses;
    }
  }
  return doc;
}

function operationIdOf(method: string, path: string): string {
  const words = path.split(/[/{}._-]+/).filter(Boolean);
  return method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** The request bodies' examples with the schemas that check them (the API's own input schemas), for the tests. */
export const errorExamples = errors;
