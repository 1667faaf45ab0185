import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { countProducts } from '../modules/catalog/index.ts';
import { createDatabase } from './client.ts';
import { runMigrations } from './migrate.ts';
import { seedDemoCatalog } from './seed.ts';

/** `npm run seed`: loads the demo catalog into the configured database, unless it already holds products. */
const config = loadConfig();
const logger = createLogger(config);
const database = await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
try {
  await runMigrations(database);
  if ((await countProducts(database.db)) > 0) {
    logger.info('the database already holds products; the demo catalog was not loaded');
  } else {
    await seedDemoCatalog(database.db);
    logger.info('demo catalog loaded');
  }
} finally {
  await database.close();
}
