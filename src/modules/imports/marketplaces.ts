import type { ImportKind } from '../../db/schema/index.ts';

/** The fields an order export is read into; the mapping says which column of their file holds each. */
export const orderFields = [
  'externalId',
  'status',
  'createdAt',
  'sku',
  'productName',
  'variation',
  'qty',
  'unitPrice',
  'lineTotal',
  'shippingFee',
  'orderTotal',
  'buyerName',
  'recipientName',
  'phone',
  'address',
  'postcode',
  'paymentMethod',
  'trackingNumber',
] as const;
export type OrderField = (typeof orderFields)[number];

/** The fields of a carrier's COD remittance file. */
export const codFields = ['trackingNumber', 'orderNumber', 'codAmount', 'remitDate'] as const;
export type CodField = (typeof codFields)[number];

export type MarketplaceKind = Extract<ImportKind, 'shopee' | 'lazada' | 'tiktok' | 'custom'>;
export const marketplaceKinds = ['shopee', 'lazada', 'tiktok', 'custom'] as const satisfies readonly MarketplaceKind[];
export type MappingKind = MarketplaceKind | 'cod_remittance';

export type ColumnMapping = Partial<Record<string, string>>;

/**
 * How each marketplace's English export names its columns (Seller Centre downloads, 2024-2025).
 * These are data: the merchant overrides any of them per marketplace on the mapping page, and the
 * 'custom' kind starts from Shopee's names for any other system's export.
 */
export const defaultMappings: Record<MappingKind, ColumnMapping> = {
  shopee: {
    externalId: 'Order ID',
    status: 'Order Status',
    createdAt: 'Order Creation Date',
    sku: 'SKU Reference No.',
    productName: 'Product Name',
    variation: 'Variation Name',
    qty: 'Quantity',
    unitPrice: 'Deal Price',
    lineTotal: 'Product Subtotal',
    shippingFee: 'Buyer Paid Shipping Fee',
    orderTotal: 'Grand Total',
    buyerName: 'Username (Buyer)',
    recipientName: 'Receiver Name',
    phone: 'Phone Number',
    address: 'Delivery Address',
    postcode: 'Zip Code',
    paymentMethod: 'Payment Method',
    trackingNumber: 'Tracking Number*',
  },
  lazada: {
    externalId: 'Order Number',
    status: 'Status',
    createdAt: 'Created at',
    sku: 'Seller SKU',
    productName: 'Item Name',
    variation: 'Variation',
    unitPrice: 'Unit Price',
    lineTotal: 'Paid Price',
    shippingFee: 'Shipping Fee',
    buyerName: 'Customer Name',
    recipientName: 'Shipping Name',
    phone: 'Shipping Phone',
    address: 'Shipping Address',
    postcode: 'Shipping Postcode',
    paymentMethod: 'Payment Method',
    trackingNumber: 'Tracking Code',
  },
  tiktok: {
    externalId: 'Order ID',
    status: 'Order Status',
    createdAt: 'Created Time',
    sku: 'Seller SKU',
    productName: 'Product Name',
    variation: 'Variation',
    qty: 'Quantity',
    unitPrice: 'SKU Unit Original Price',
    lineTotal: 'SKU Subtotal After Discount',
    shippingFee: 'Shipping Fee After Discount',
    orderTotal: 'Order Amount',
    buyerName: 'Buyer Username',
    recipientName: 'Recipient',
    phone: 'Phone #',
    address: 'Detail Address',
    postcode: 'Zipcode',
    paymentMethod: 'Payment Method',
    trackingNumber: 'Tracking ID',
  },
  custom: {
    externalId: 'Order ID',
    status: 'Order Status',
    createdAt: 'Order Date',
    sku: 'SKU',
    productName: 'Product Name',
    qty: 'Quantity',
    unitPrice: 'Unit Price',
    lineTotal: 'Line Total',
    shippingFee: 'Shipping Fee',
    orderTotal: 'Order Total',
    recipientName: 'Recipient Name',
    phone: 'Phone',
    address: 'Address',
    postcode: 'Postcode',
  },
  cod_remittance: {
    trackingNumber: 'Tracking No',
    orderNumber: 'Order No',
    codAmount: 'COD Amount',
    remitDate: 'Remit Date',
  },
};

/**
 * The other names a marketplace's export gives a column: the Thai Seller Centre's download (a Thai
 * seller's default language) and newer layouts. A file is read with whichever of the default name and
 * these it carries; a column the merchant mapped by hand is read only under the merchant's name.
 * Shopee's Thai names are those of its order export ("ส่งออกคำสั่งซื้อ"); Lazada's newer export names
 * its columns in camelCase whatever the language; TikTok Shop's export keeps English names.
 */
export const alternateHeaders: Record<MarketplaceKind, Partial<Record<OrderField, readonly string[]>>> = {
  shopee: {
    externalId: ['หมายเลขคำสั่งซื้อ'],
    status: ['สถานะการสั่งซื้อ'],
    createdAt: ['วันที่ทำการสั่งซื้อ'],
    sku: ['เลขอ้างอิง SKU (SKU Reference No.)', 'เลขอ้างอิง SKU'],
    productName: ['ชื่อสินค้า'],
    variation: ['ชื่อตัวเลือก'],
    qty: ['จำนวน'],
    unitPrice: ['ราคาขาย'],
    lineTotal: ['ราคาขายสุทธิ'],
    shippingFee: ['ค่าจัดส่งที่ชำระโดยผู้ซื้อ'],
    orderTotal: ['จำนวนเงินทั้งหมด'],
    buyerName: ['ชื่อผู้ใช้ (ผู้ซื้อ)'],
    recipientName: ['ชื่อผู้รับ'],
    phone: ['หมายเลขโทรศัพท์'],
    address: ['ที่อยู่ในการจัดส่ง'],
    postcode: ['รหัสไปรษณีย์'],
    paymentMethod: ['ช่องทางการชำระเงิน'],
    trackingNumber: ['*หมายเลขติดตามพัสดุ', 'หมายเลขติดตามพัสดุ*', 'หมายเลขติดตามพัสดุ'],
  },
  lazada: {
    externalId: ['orderNumber'],
    status: ['status'],
    createdAt: ['createTime'],
    sku: ['sellerSku'],
    productName: ['itemName'],
    variation: ['variation'],
    unitPrice: ['unitPrice'],
    lineTotal: ['paidPrice'],
    shippingFee: ['shippingFee'],
    buyerName: ['customerName'],
    recipientName: ['shippingName'],
    phone: ['shippingPhone'],
    address: ['shippingAddress'],
    postcode: ['shippingPostCode'],
    paymentMethod: ['payMethod'],
    trackingNumber: ['trackingCode'],
  },
  tiktok: {},
  custom: {},
};

/**
 * The mapping for one file: each field read under its mapped name when the file has it, else under the
 * first other name of the marketplace's (alternateHeaders) the file has, unless the merchant mapped that
 * field by hand. Names match whatever their case.
 */
export function fitMappingToFile(kind: MarketplaceKind, mapping: Record<string, string>, override: Record<string, string> | undefined, headers: readonly string[]): Record<string, string> {
  const have = new Map(headers.map((h) => [h.trim().toLowerCase(), h]));
  const fitted: Record<string, string> = { ...mapping };
  for (const [field, names] of Object.entries(alternateHeaders[kind]) as [OrderField, readonly string[]][]) {
    if ((override && field in override) || (mapping[field] && have.has(mapping[field]!.toLowerCase()))) continue;
    const found = names.find((n) => have.has(n.toLowerCase()));
    if (found) fitted[field] = have.get(found.toLowerCase())!;
  }
  return fitted;
}

/**
 * What each kind's file must carry. A marketplace export needs the order id and a SKU or a product
 * name to match; a remittance needs the amount and one of tracking number or order number.
 */
export const requiredFields: Record<MappingKind, readonly string[]> = {
  shopee: ['externalId', 'sku', 'recipientName', 'phone', 'address'],
  lazada: ['externalId', 'sku', 'recipientName', 'phone', 'address'],
  tiktok: ['externalId', 'sku', 'recipientName', 'phone', 'address'],
  custom: ['externalId', 'sku', 'recipientName', 'phone', 'address'],
  cod_remittance: ['codAmount'],
};

/** Lazada exports one row per unit sold, with the shipping fee split over the rows: quantity 1 each, fees add up. */
export const perUnitRows: Record<MarketplaceKind, boolean> = { shopee: false, lazada: true, tiktok: false, custom: false };

/** The order channel an import of this kind records; any other export counts as an API order. */
export const channelOfKind = { shopee: 'shopee', lazada: 'lazada', tiktok: 'tiktok', custom: 'api' } as const satisfies Record<
  MarketplaceKind,
  'shopee' | 'lazada' | 'tiktok' | 'api'
>;

export function fieldsOf(kind: MappingKind): readonly string[] {
  return kind === 'cod_remittance' ? codFields : orderFields;
}

/** The default mapping with the merchant's overrides on top; an override of '' removes a column. */
export function mergeMapping(kind: MappingKind, override: Record<string, string> | undefined): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const field of fieldsOf(kind)) {
    const value = override && field in override ? override[field] : defaultMappings[kind][field];
    if (value && value.trim()) merged[field] = value.trim();
  }
  return merged;
}

/**
 * Statuses whose orders are not imported: cancelled, returned or refunded, and orders the buyer has
 * not paid yet (the marketplace collects the money, so an unpaid one is not ours to ship).
 */
export function isSkippedStatus(status: string | undefined): boolean {
  if (!status) return false;
  return /cancel|return|refund|unpaid|failed|ยกเลิก|คืน|ยังไม่ชำระ|ไม่สำเร็จ/i.test(status);
}
