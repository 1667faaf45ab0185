import type { FastifyPluginAsync } from 'fastify';
import { orderChannel } from '#src/db/schema/index.ts';
import {
  moneyFigures,
  newVsReturningCustomers,
  salesByCategory,
  salesByChannel,
  salesByPaymentMethod,
  salesByPeriod,
  salesByProduct,
  salesSummary,
  slowMovers,
  topCustomers,
  toCsv,
  type ReportRange,
} from '#src/modules/reports/index.ts';
import type { DbOrTx } from '#src/db/client.ts';
import { allowed } from '../auth/roles.ts';
import type { MessageKey, Translate } from '../i18n/index.ts';
import { fillPeriods, filterQuery, granularities, parseReportQuery, presetRange, presets, reportRange, type ReportFilter } from '../queries/reports.ts';
import { decimalAmount } from '#src/lib/money.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { helpers, render, type ViewHelpers } from '../view.ts';

type Row = Record<string, unknown>;
interface Column {
  key: string;
  header: MessageKey;
  money?: boolean;
}

interface Table {
  columns: Column[];
  load(db: DbOrTx, range: ReportRange, filter: ReportFilter, h: ViewHelpers): Promise<Row[]>;
}

/** Every table of the reports page; each is also a CSV at /admin/reports/<name>.csv with the same filter. */
const tables = {
  // The money figures (src/modules/reports/money.ts), then every table a breakdown of net sales: each adds up to it.
  summary: {
    columns: [
      { key: 'netSales', header: 'money.netSales', money: true },
      { key: 'paid', header: 'money.paid', money: true },
      { key: 'refunds', header: 'money.refunds', money: true },
      { key: 'awaitingPayment', header: 'money.awaitingPayment', money: true },
      { key: 'codToCollect', header: 'money.codToCollect', money: true },
      { key: 'orders', header: 'money.orders' },
      { key: 'averageOrderValue', header: 'reports.col.aov', money: true },
      { key: 'customers', header: 'reports.col.customers' },
    ],
    load: async (db, r) => {
      const [figures, s] = await Promise.all([moneyFigures(db, r), salesSummary(db, r)]);
      return [{ ...figures, averageOrderValue: s.averageOrderValue, customers: s.customers }];
    },
  },
  period: {
    columns: [
      { key: 'period', header: 'reports.col.period' },
      { key: 'orders', header: 'reports.col.orders' },
      { key: 'revenue', header: 'reports.col.revenue', money: true },
    ],
    load: async (db, r, f) => (await salesByPeriod(db, r, f.granularity)).map((x) => ({ ...x })),
  },
  channels: {
    columns: [
      { key: 'label', header: 'reports.col.channel' },
      { key: 'orders', header: 'reports.col.orders' },
      { key: 'revenue', header: 'reports.col.revenue', money: true },
    ],
    load: async (db, r, _f, h) => (await salesByChannel(db, r)).map((x) => ({ ...x, label: h.channel(x.channel) })),
  },
  products: {
    columns: [
      { key: 'sku', header: 'reports.col.sku' },
      { key: 'name', header: 'reports.col.product' },
      { key: 'units', header: 'reports.col.units' },
      { key: 'revenue', header: 'reports.col.revenue', money: true },
    ],
    load: async (db, r, _f, h) => (await salesByProduct(db, r)).map((x) => (x.sku === null ? { ...x, sku: '', name: h.t('reports.shipping') } : x)),
  },
  categories: {
    columns: [
      { key: 'category', header: 'reports.col.category' },
      { key: 'units', header: 'reports.col.units' },
      { key: 'revenue', header: 'reports.col.revenue', money: true },
    ],
    // Each category in the reader's language; the shipping share has none.
    load: async (db, r, _f, h) =>
      (await salesByCategory(db, r)).map((x) => ({ ...x, category: x.category === null ? h.t('reports.shipping') : h.lang === 'th' ? x.category : x.categoryEn })),
  },
  payments: {
    columns: [
      { key: 'label', header: 'reports.col.method' },
      { key: 'orders', header: 'reports.col.orders' },
      { key: 'revenue', header: 'reports.col.revenue', money: true },
    ],
    load: async (db, r, _f, h) =>
      (await salesByPaymentMethod(db, r)).map((x) => ({ ...x, label: h.has(`payment.${x.method}`) ? h.t(`payment.${x.method}` as MessageKey) : x.method })),
  },
  customers: {
    columns: [
      { key: 'label', header: 'reports.col.customerKind' },
      { key: 'customers', header: 'reports.col.customers' },
      { key: 'orders', header: 'reports.col.orders' },
      { key: 'revenue', header: 'reports.col.revenue', money: true },
    ],
    load: async (db, r, _f, h) => (await newVsReturningCustomers(db, r)).map((x) => ({ ...x, label: h.t(`reports.kind.${x.kind}`) })),
  },
  'top-customers': {
    columns: [
      { key: 'name', header: 'reports.col.customer' },
      { key: 'phoneShown', header: 'reports.col.phone' },
      { key: 'orders', header: 'reports.col.orders' },
      { key: 'revenue', header: 'reports.col.revenue', money: true },
    ],
    load: async (db, r, _f, h) => (await topCustomers(db, r, 20)).map((x) => ({ ...x, phoneShown: h.phone(x.phone) })),
  },
  'slow-movers': {
    columns: [
      { key: 'sku', header: 'reports.col.sku' },
      { key: 'name', header: 'reports.col.product' },
      { key: 'onHand', header: 'reports.col.onHand' },
      { key: 'lastSold', header: 'reports.col.lastSold' },
    ],
    load: async (db, _r, f, h) =>
      (await slowMovers(db, new Date(), f.slowDays)).map((x) => ({ ...x, lastSold: x.lastSoldAt ? h.f.dateTime(x.lastSoldAt) : h.t('reports.never') })),
  },
} satisfies Record<string, Table>;

type TableName = keyof typeof tables;
const tableNames = Object.keys(tables) as TableName[];

function csvOf(table: Table, rows: Row[], t: Translate): string {
  const shaped = rows.map((r) => Object.fromEntries(table.columns.map((c) => [c.key, c.money ? decimalAmount(Number(r[c.key] ?? 0)) : r[c.key]])));
  return toCsv(
    shaped,
    table.columns.map((c) => ({ key: c.key, header: t(c.header) })),
  );
}

/** Sales reports for owners and admins: one page of sections over a date range and channel, each table also as CSV. */
export const reportsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const view = { roles: allowed('reports.view') };
  const tz = config.shop.timeZone;

  app.get('/reports', { config: view }, async (request, reply) => {
    const h = helpers(request);
    const now = new Date();
    const { filter, errors } = parseReportQuery(request.query, now, tz);
    const range = reportRange(filter, tz);
    const data = {} as Record<TableName, Row[]>;
    // One after another: the pool is shared with the shop's own work.
    for (const name of tableNames) data[name] = await tables[name].load(db, range, filter, h);
    // The chart has every period of the range, empty ones at zero, so its axis always reads as dates.
    const period = fillPeriods(data.period as { period: string; orders: number; revenue: number }[], filter);
    const periodLabel = (p: string) => (filter.granularity === 'month' ? h.f.month(p) : h.f.day(p));
    const chart = {
      labels: period.map((p) => (filter.granularity === 'month' ? h.f.month(p.period) : h.f.dayShort(p.period))),
      orders: period.map((p) => p.orders),
      revenue: period.map((p) => p.revenue / 100),
      currency: config.shop.currency,
      locale: h.lang === 'th' ? 'th-TH' : 'en-GB',
      labelOrders: h.t('reports.col.orders'),
      labelRevenue: h.t('reports.col.revenue'),
    };
    const today = localDate(now, tz);
    return render(request, reply, 'reports/page', {
      filter,
      errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, h.t(v as MessageKey)])),
      data,
      tables,
      tableNames,
      chart: JSON.stringify(chart),
      currency: config.shop.currency,
      channels: orderChannel.enumValues,
      granularities,
      presets: presets.map((p) => ({ key: p, ...presetRange(p, today) })),
      query: (patch: Record<string, string | undefined> = {}) => filterQuery(filter, patch),
      periodLabel,
      withChart: true,
    });
  });

  for (const name of tableNames) {
    app.get(`/reports/${name}.csv`, { config: view }, async (request, reply) => {
      const h = helpers(request);
      const { filter } = parseReportQuery(request.query, new Date(), tz);
      const table = tables[name] as Table;
      const rows = await table.load(db, reportRange(filter, tz), filter, h);
      const file = `${name}-${filter.from}-${filter.to}${filter.channel ? `-${filter.channel}` : ''}.csv`;
      return reply
        .header('content-disposition', `attachment; filename="${file}"`)
        .header('cache-control', 'private, no-store')
        .type('text/csv; charset=utf-8')
        .send(csvOf(table, rows, h.t));
    });
  }
};
