import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Database } from './client.ts';

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// Any fixed number; every Talad instance uses the same one so that only one migrates at a time.
const MIGRATION_LOCK = 7_146_025;

/** Applies the committed migrations. Several instances starting together take turns through an advisory lock. */
export async function runMigrations(database: Database): Promise<void> {
  // The embedded database has one connection and one process: there is nobody to take turns with.
  if (database.kind === 'embedded') return migrate(database.db, { migrationsFolder });
  const lockClient = await database.pool.connect();
  try {
    await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(database.db, { migrationsFolder });
  } finally {
    await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lockClient.release();
  }
}

async function main() {
  const { loadConfig } = await import('../config.ts');
  const { createLogger } = await import('../logger.ts');
  const { createDatabase } = await import('./client.ts');
  const config = loadConfig();
  const logger = createLogger(config);
  const database = await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    await runMigrations(database);
    logger.info('migrations applied');
  } finally {
    await database.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
