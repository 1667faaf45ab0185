import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { createDatabase, type Database } from '#src/db/client.ts';
import { runMigrations } from '#src/db/migrate.ts';

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Which PostgreSQL the database suites run on: a real server when TEST_DATABASE_URL is set, else embedded PGlite. */
export const onRealPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A fresh, migrated database for one test file: on a real server a new database (dropped afterwards),
 * so files running in parallel never see each other's rows; otherwise an in-memory PGlite.
 */
export async function createTestDatabase(opts: { poolSize?: number; url?: string | undefined } = {}): Promise<Database> {
  const serverUrl = 'url' in opts ? opts.url : process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await createDatabase({ inMemory: true, logger: testLogger });
    await runMigrations(database);
    return database;
  }
  const name = `talad_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await createDatabase({ url: url.toString(), logger: testLogger, poolSize: opts.poolSize ?? 20 });
  await runMigrations(database);
  return {
    ...database,
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
