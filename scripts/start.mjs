// `npm start` (and `npm run worker` with the argument `worker`): runs the compiled JavaScript in dist/,
// building it first when it is missing or was built from other sources (a first start, a pull). No
// TypeScript loader stays in memory. Without TypeScript installed (a production-only install and no
// dist/), it falls back to running the sources through tsx, and says so.
// An embedded database is first prepared (created, migrated) in a child process: see src/db/prepare.ts.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, distDir, distIsCurrent, root, TypeScriptMissingError } from './build.mjs';

const entry = process.argv[2] === 'worker' ? 'worker' : 'main';

/** Runs src/db/prepare in a process of its own (its memory goes when it exits); stops here if it fails. */
function prepareDatabase(nodeArgs, script) {
  // A server database (configuration is the environment) has nothing to prepare: no process to start.
  if (process.env.DATABASE_URL) return;
  const { status, signal } = spawnSync(process.execPath, [...process.execArgv, ...nodeArgs, script], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? (signal ? 1 : 0));
}

async function run() {
  if (!distIsCurrent()) {
    try {
      build();
    } catch (err) {
      if (!(err instanceof TypeScriptMissingError)) throw err;
      process.stderr.write(`${err.message}\nrunning the TypeScript sources through tsx instead (uses more memory)\n`);
      const { register } = await import('tsx/esm/api');
      register();
      prepareDatabase(['--import', 'tsx'], path.join(root, 'src', 'db', 'prepare.ts'));
      await import(pathToFileURL(path.join(root, 'src', `${entry}.ts`)).href);
      return;
    }
  }
  prepareDatabase([], path.join(distDir, 'src', 'db', 'prepare.js'));
  await import(pathToFileURL(path.join(distDir, 'src', `${entry}.js`)).href);
}

await run();
