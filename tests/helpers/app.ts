import type { FastifyInstance } from 'fastify';
import { buildApp } from '#src/app.ts';
import { bootstrap } from '#src/bootstrap.ts';
import { loadConfig, type Config } from '#src/config.ts';
import type { Database } from '#src/db/client.ts';
import { createTestDatabase, testLogger } from './db.ts';

export const TEST_API_TOKEN = 'test-api-token-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    API_TOKEN: TEST_API_TOKEN,
    ADMIN_EMAIL: 'owner@example.com',
    ADMIN_PASSWORD: 'correct horse battery',
    SEED_DEMO: 'false',
    DATA_DIR: '/tmp/talad-test-data',
    ...env,
  });
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  close(): Promise<void>;
}

/** The real app on a fresh test database, driven with app.inject(). */
export async function buildTestApp(env: Record<string, string> = {}, opts: { scheduler?: boolean } = {}): Promise<TestApp> {
  const config = testConfig(env);
  const database = await createTestDatabase();
  await bootstrap(database.db, config, testLogger);
  // Scheduled jobs run on the wall clock; suites that test them call the jobs with their own clock.
  const app = await buildApp(config, { database, logger: testLogger, skipBootstrap: true, scheduler: opts.scheduler ?? false });
  await app.ready();
  const t: TestApp = {
    app,
    database,
    config,
    // A test may have replaced the app (a restart): the one running now is closed.
    async close() {
      await t.app.close();
      await database.close();
    },
  };
  return t;
}

export const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };
