/**
 * What the web app (src/app.ts) and the worker (src/worker.ts) both build, built once here: the logger,
 * the database (migrated, and on the web app's first start given its owner account, warehouse and demo
 * catalog), the secret that signs cookies and links, and the shop's settings applied onto `config` (loaded
 * now and polled for other processes' saves). Everything downstream gets these passed in; nothing reads
 * a module-level copy of the live settings.
 */
import { bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import { createDatabase, type Database, type Db } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { loadOrCreateSecret } from './lib/secrets.ts';
import { createLogger, hideInLog, type Logger } from './logger.ts';
import { createSettingsService, type SettingsService } from './modules/settings/index.ts';
import { createCarrierDirectory, createCarrierTokenStore, effectiveCarrierCredentials, type CarrierDirectory } from './modules/shipping/index.ts';
import { loadSecretBox, type SecretBox } from './lib/secret-box.ts';

export interface Core {
  config: Config;
  database: Database;
  db: Db;
  logger: Logger;
  /** Signs cookies and links (web chat visitor, payment QR). */
  secret: string;
  /** The shop's settings from the back office, applied onto `config` (loaded at start, polled for other processes' saves). */
  settings: SettingsService;
  /** The shop's carriers as adapters, from the carrier settings and credentials as they are now. */
  carriers: CarrierDirectory;
  /** Seals secrets kept in the database (carrier credentials and tokens) under SETTINGS_KEY or a key in DATA_DIR. */
  secretBox: SecretBox;
  /** Stops the settings poll and closes the database when the core opened it. */
  close(): Promise<void>;
}

export interface CoreOverrides {
  /** A database the caller owns (tests); it is not closed with the core. */
  database?: Database | undefined;
  logger?: Logger | undefined;
  /** Migrate only, no first-run data (the worker: the web app creates the owner account). */
  firstRun?: boolean | undefined;
  /** Neither migrations nor first-run data: the caller prepared the database. */
  skipBootstrap?: boolean | undefined;
}

export async function createCore(config: Config, overrides: CoreOverrides = {}): Promise<Core> {
  const logger = overrides.logger ?? createLogger(config);
  const ownsDatabase = !overrides.database;
  const database = overrides.database ?? (await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger }));
  const secretBox = await loadSecretBox({ settingsKey: config.settingsKey, dataDir: config.dataDir });
  const settings = createSettingsService({ db: database.db, config, logger, secretBox });
  try {
    if (!overrides.skipBootstrap) {
      await runMigrations(database);
      if (overrides.firstRun !== false) await bootstrap(database.db, config, logger);
    }
    await settings.load();
  } catch (err) {
    if (ownsDatabase) await database.close();
    throw err;
  }
  const secret = config.sessionSecret ?? (await loadOrCreateSecret(config.dataDir, 'session'));
  hideInLog(logger, secret);
  settings.start();
  const carriers = createCarrierDirectory({
    settings: () => config.shop.carriers,
    credentials: () => {
      const opened = effectiveCarrierCredentials(config.carrierApis, config.shop.carrierSecrets, secretBox, config.carrierApiUrls);
      // Keys saved in Settings are known only once opened: cut out of this process's log from then on.
      hideInLog(logger, opened.flash?.secretKey, opened.thaipost?.apiKey);
      return opened;
    },
    deps: { thaipostTokenStore: createCarrierTokenStore(database.db, secretBox, 'thaipost', (token) => hideInLog(logger, token)) },
  });
  return {
    config,
    database,
    db: database.db,
    logger,
    secret,
    settings,
    carriers,
    secretBox,
    async close() {
      settings.stop();
      if (ownsDatabase) await database.close();
    },
  };
}
