import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { seedDemoCatalog } from './db/seed.ts';
import type { Logger } from './logger.ts';
import { countUsers, createUser, generatePassword } from './modules/accounts/index.ts';
import { countProducts } from './modules/catalog/index.ts';
import { createWarehouse, defaultWarehouse } from './modules/inventory/index.ts';

/**
 * What a first start needs: an owner who can sign in, somewhere to keep stock, and on the embedded
 * database a demo shop so `npm start` shows something real. Each step runs only on an empty database.
 */
export async function bootstrap(db: Db, config: Config, logger: Logger): Promise<void> {
  if ((await countUsers(db)) === 0) {
    const password = config.admin.password ?? generatePassword();
    await createUser(db, { email: config.admin.email, name: 'Owner', password, role: 'owner', language: config.shop.locale, mustChangePassword: !config.admin.password });
    if (config.admin.password) {
      logger.info({ email: config.admin.email }, 'owner account created from ADMIN_EMAIL / ADMIN_PASSWORD');
    } else {
      // Shown once, on the first start only; it is not stored anywhere in clear.
      logger.warn(
        { email: config.admin.email, generatedPassword: password },
        `owner account created: sign in at ${config.publicUrl}/admin as ${config.admin.email} with password ${password} and change it`,
      );
    }
  }
  if ((await countProducts(db)) === 0 && config.seedDemo) {
    await seedDemoCatalog(db);
    logger.info('demo catalog loaded (12 products, warehouses BKK and CNX)');
  }
  if (!(await defaultWarehouse(db))) {
    await createWarehouse(db, { code: 'MAIN', name: 'คลังหลัก / Main warehouse', priority: 10 });
    logger.info('created the default warehouse MAIN');
  }
}
