import { buildApp } from './app.ts';
import { loadConfigOrExit } from './config.ts';
import { startLines } from './http/start-log.ts';

/** Start Talad: config → app → listen; on SIGINT/SIGTERM stop taking requests, then close the database cleanly. */
async function main() {
  const config = loadConfigOrExit();
  const app = await buildApp(config);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  const { info, warnings } = startLines(config.publicUrl, app.addresses().filter((a) => typeof a !== 'string'));
  for (const line of info) app.log.info(line);
  for (const line of warnings) app.log.warn(line);
}

await main();
