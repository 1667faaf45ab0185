import type { FastifyPluginAsync } from 'fastify';
import { allowed, can } from '../auth/roles.ts';
import { dailyByChannel, lowStockCount, todayTotals, waitingCounts } from '../queries/dashboard.ts';
import { helpers, render } from '../view.ts';

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const tz = config.shop.timeZone;

  app.get('/', { config: { roles: allowed('dashboard.view') } }, async (request, reply) => {
    const h = helpers(request);
    const money = can(request.admin!.user.role, 'revenue.view');
    // Packers never receive revenue figures, not even hidden in the page.
    const [today, waiting, lowStock, series] = await Promise.all([
      todayTotals(db, tz),
      waitingCounts(db),
      lowStockCount(db),
      dailyByChannel(db, tz, 30),
    ]);
    const chart = {
      days: series.days.map((d) => h.f.dayShort(d)),
      currency: config.shop.currency,
      locale: h.lang === 'th' ? 'th-TH' : 'en-GB',
      datasets: series.channels.map((c) => ({
        channel: c,
        label: h.channel(c),
        orders: series.orders[c],
        revenue: money ? series.revenue[c]!.map((v) => v / 100) : undefined,
      })),
    };
    return render(request, reply, 'dashboard', {
      today: { orders: today.orders, revenue: money ? today.revenue : undefined },
      waiting,
      lowStock,
      chart: JSON.stringify(chart),
      showMoney: money,
      currency: config.shop.currency,
    });
  });

  // /finance lives with the other money pages in ledger.routes.ts.
};
