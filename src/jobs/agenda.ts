import os from 'node:os';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda } from 'agenda';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { pruneChatInbox } from './conversations.prune-inbox.job.ts';
import { pruneWebchatUploadsJob } from './conversations.prune-webchat-uploads.job.ts';
import { sendReorderReminders } from './customers.remind-reorder.job.ts';
import { alertLowStock } from './inventory.alert-low-stock.job.ts';
import { expireUnpaidOrders } from './orders.expire-unpaid.job.ts';
import { remindUnpaidOrders } from './orders.remind-unpaid.job.ts';
import { sendDailySummary } from './reports.send-daily-summary.job.ts';
import { trackOpenParcels } from './shipping.track-parcels.job.ts';
import type { CarrierDirectory } from '../modules/shipping/index.ts';

export interface SchedulerOptions {
  database: Database;
  config: Config;
  logger: Logger;
  /** The shop's carriers, for following parcels (absent: no tracking jobs). */
  carriers?: CarrierDirectory | undefined;
  /** Runs after a job queued messages, so they go out at once. */
  onQueued?: () => void;
}

/**
 * Agenda on the app's own PostgreSQL pool: the jobs live in the same database as the orders, and
 * Agenda's locking runs each job on one worker at a time. Every job is idempotent anyway (dedupe keys,
 * status checks under lock), so a run repeated after a crash sends nothing twice.
 */
export function createScheduler({ database, config, logger, carriers, onQueued }: SchedulerOptions) {
  const log = logger.child({ part: 'jobs' });
  // The embedded database has one connection; LISTEN would hold it for good, so poll instead.
  const backend = new PostgresBackend({ pool: database.pool, disableNotifications: database.kind === 'embedded' });
  // The LISTEN connection reports a lost server as an 'error' event and reconnects by itself; unheard,
  // that event would end the process when PostgreSQL restarts. Jobs fall back to polling meanwhile.
  backend.notificationChannel?.on('error', (err: unknown) => log.warn({ err }, 'job notifications lost their connection; reconnecting'));
  const agenda = new Agenda({
    backend,
    name: `${os.hostname()}-${process.pid}`,
    processEvery: '30 seconds',
    maxConcurrency: 2,
    defaultLockLifetime: 10 * 60_000,
  });
  agenda.on('error', (err: unknown) => log.warn({ err }, 'job scheduler error'));
  const db = database.db;
  // The names are stored with each job in the database, so they stay as first given; one file per job
  // under src/jobs, <domain>.<verb-noun>.job.ts.
  const jobs: Record<string, { every: string; run: (now: Date) => Promise<unknown> }> = {
    'orders.remind-unpaid': { every: '5 minutes', run: (now) => remindUnpaidOrders(db, config, now) },
    'orders.expire-unpaid': { every: '5 minutes', run: (now) => expireUnpaidOrders(db, config, now, log) },
    'reminders.reorder': { every: '30 minutes', run: (now) => sendReorderReminders(db, config, now) },
    'alerts.low-stock': { every: '5 minutes', run: (now) => alertLowStock(db, config, now) },
    'alerts.daily-summary': { every: '15 minutes', run: (now) => sendDailySummary(db, config, now) },
    'housekeeping.chat-inbox': { every: '1 hour', run: (now) => pruneChatInbox(db, now) },
    'housekeeping.webchat-uploads': { every: '1 hour', run: (now) => pruneWebchatUploadsJob(config, now) },
  };
  if (carriers) {
    const deps = () => ({ config, carriers: carriers.registry(), logger: log });
    jobs['shipping.track-parcels'] = { every: '1 hour', run: () => trackOpenParcels(db, deps()) };
    // On the day of delivery the news comes in hours: parcels out for delivery are asked about more often.
    jobs['shipping.track-out-for-delivery'] = { every: '15 minutes', run: () => trackOpenParcels(db, deps(), { outForDelivery: true }) };
  }
  for (const [name, job] of Object.entries(jobs)) {
    agenda.define(name, async () => {
      const result = await job.run(new Date());
      log.debug({ job: name, result }, 'job done');
      onQueued?.();
    });
  }
  return {
    agenda,
    async start() {
      await agenda.start();
      for (const [name, job] of Object.entries(jobs)) await agenda.every(job.every, name);
      log.info({ jobs: Object.keys(jobs) }, 'scheduled jobs started');
    },
    async stop() {
      await agenda.stop();
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
