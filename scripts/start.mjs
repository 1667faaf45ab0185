// `npm start` (and `npm run worker` with the argument `worker`): runs the compiled JavaScript in dist/,
// building it first when it is missing or was built from other sources (a first start, a pull). No
// TypeScript loader stays in memory. Without TypeScript installed (a production-only install and no
// dist/), it falls back to running the sources through tsx, and says so.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, distDir, distIsCurrent, root, TypeScriptMissingError } from './build.mjs';

const entry = process.argv[2] === 'worker' ? 'worker' : 'main';

async function run() {
  if (!distIsCurrent()) {
    try {
      build();
    } catch (err) {
      if (!(err instanceof TypeScriptMissingError)) throw err;
      process.stderr.write(`${err.message}\nrunning the TypeScript sources through tsx instead (uses more memory)\n`);
      const { register } = await import('tsx/esm/api');
      register();
      await import(pathToFileURL(path.join(root, 'src', `${entry}.ts`)).href);
      return;
    }
  }
  await import(pathToFileURL(path.join(distDir, 'src', `${entry}.js`)).href);
}

await run();
