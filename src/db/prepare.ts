/**
 * The embedded database's heavy first steps, in a process of their own. Creating the PGlite cluster
 * (initdb runs in a second PGlite instance beside initdb's own WebAssembly module) takes about 380 MB of
 * WebAssembly memory, and a WebAssembly heap never shrinks: done inside the app, a first start (or an
 * upgrade with new migrations) would keep that memory for the app's whole life — too much for a 1 GB
 * server. `npm start` runs this script first (scripts/start.mjs, with V8's baseline WebAssembly compiler
 * only: with its optimising one this process peaked at 1.1 GB instead of about 560 MB); it exits at once
 * when a server database is configured or the embedded database already has the current migrations (a
 * marker in its directory names the last one applied). The app then starts on a prepared database; its
 * own migration step finds nothing to do.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '../config.ts';

const journal = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations', 'meta', '_journal.json');

/** The tag of the newest committed migration ("0007_thai_order_events"). */
export function latestMigration(): string {
  const { entries } = JSON.parse(readFileSync(journal, 'utf8')) as { entries: { tag: string }[] };
  return entries.at(-1)?.tag ?? '';
}

/** The file in the embedded database's directory naming the last migration a preparation applied. */
export const markerPath = (dataDir: string) => path.join(dataDir, 'pglite', 'talad-migrations.txt');

/** Whether the embedded database in `dataDir` was prepared with the migrations of this code. */
export async function embeddedIsPrepared(dataDir: string): Promise<boolean> {
  const marker = await readFile(markerPath(dataDir), 'utf8').catch(() => '');
  return marker.trim() === latestMigration();
}

async function main() {
  const config = loadConfigOrExit();
  if (config.databaseUrl || (await embeddedIsPrepared(config.dataDir))) return;
  const [{ createLogger }, { createDatabase }, { runMigrations }, { bootstrap }] = await Promise.all([
    import('../logger.ts'),
    import('./client.ts'),
    import('./migrate.ts'),
    import('../bootstrap.ts'),
  ]);
  const logger = createLogger(config);
  logger.info('preparing the embedded database (first start or new migrations)');
  const started = performance.now();
  const database = await createDatabase({ url: undefined, dataDir: config.dataDir, logger });
  try {
    await runMigrations(database);
    // The owner account and demo shop too: their log lines (the generated password) belong to this step.
    await bootstrap(database.db, config, logger);
  } finally {
    await database.close();
  }
  await writeFile(markerPath(config.dataDir), `${latestMigration()}\n`);
  // Its peak is what a small server must have free once (npm start runs this with V8's flags for PGlite).
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  logger.info({ seconds: Math.round((performance.now() - started) / 100) / 10, peakRssMb }, 'the embedded database is prepared');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
