import type { FastifyPluginAsync } from 'fastify';
import { allowed, can } from '../auth/roles.ts';
import { localDate, shopDays } from '#src/lib/shop-time.ts';
import { lowStockItems } from '#src/modules/inventory/index.ts';
import { moneyFigures, netSalesByDay } from '#src/modules/reports/index.ts';
import { dailyOrdersByChannel, waitingCounts } from '../queries/dashboard.ts';
import { merchantTargets } from '#src/modules/notify/index.ts';
import { setupChecklist } from '../queries/setup.ts';
import { helpers, render } from '../view.ts';

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const tz = config.shop.timeZone;

  app.get('/', { config: { roles: allowed('dashboard.view') } }, async (request, reply) => {
    const h = helpers(request);
    const money = can(request.admin!.user.role, 'revenue.view');
    // Packers never receive revenue figures, not even hidden in the page.
    const day = localDate(new Date(), tz);
    const [today, waiting, lowStock, series] = await Promise.all([
      moneyFigures(db, shopDays(day, day, tz)),
      waitingCounts(db),
      lowStockItems(db).then((items) => items.length),
      dailyOrdersByChannel(db, tz, 30),
    ]);
    // Net sales per day and channel, from the same module as the figures above.
    const net = money ? await netSalesByDay(db, { ...shopDays(series.days[0]!, day, tz), timeZone: tz }) : [];
    const channels = [...new Set([...series.channels, ...net.map((n) => n.channel)])].sort();
    const netOf = (c: string) => series.days.map((d) => net.filter((n) => n.channel === c && n.day === d).reduce((s, n) => s + n.netSales, 0));
    const chart = {
      days: series.days.map((d) => h.f.dayShort(d)),
      currency: config.shop.currency,
      locale: h.lang === 'th' ? 'th-TH' : 'en-GB',
      datasets: channels.map((c) => ({
        channel: c,
        label: h.channel(c),
        orders: series.orders[c] ?? series.days.map(() => 0),
        revenue: money ? netOf(c).map((v) => v / 100) : undefined,
      })),
    };
    // The first hour's checklist, for those who can set the shop up, until every item is done.
    const setup = can(request.admin!.user.role, 'settings.manage') ? await setupChecklist(db, config) : [];
    return render(request, reply, 'dashboard', {
      setup: setup.some((i) => !i.done) ? { items: setup, done: setup.filter((i) => i.done).length, canTest: merchantTargets(config).length > 0 } : undefined,
      // Packers never receive money figures.
      today: money ? today : { orders: today.orders },
      waiting,
      lowStock,
      chart: JSON.stringify(chart),
      showMoney: money,
      currency: config.shop.currency,
      // Neither PromptPay nor a bank account: customers are only told the shop will send payment details.
      noPayTo: !config.promptPayId && config.receivers.payTo.length === 0,
      canSetPayments: can(request.admin!.user.role, 'settings.payments'),
    });
  });

  // /finance lives with the other money pages in ledger.routes.ts.
};
