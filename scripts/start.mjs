// `npm start` (and `npm run worker` with the argument `worker`): runs the compiled JavaScript in dist/,
// building it first when it is missing or was built from other sources (a first start, a pull). No
// TypeScript loader stays in memory. Without TypeScript installed (a production-only install and no
// dist/), it falls back to running the sources through tsx, and says so.
// An embedded database is first prepared (created, migrated) in a child process: see src/db/prepare.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, distDir, distIsCurrent, root, TypeScriptMissingError } from './build.mjs';

const entry = process.argv[2] === 'worker' ? 'worker' : 'main';

/**
 * V8's flags for the app, in node-flags.json (the drills read it too: they run the app as npm start does).
 * - `app`, always. 4 MB semi-spaces: Node 24 sizes the young generation by the machine (up to 64 MB
 *   each), which left ~100 MB more RSS at rest than Node 20 for no gain in a chat shop's load.
 * - `serverDatabase`, with DATABASE_URL: --optimize-for-size (V8's mode for small devices: the heap
 *   grows and code is kept more sparingly). The app idled at 122 MB instead of 151 and peaked at 344 MB
 *   instead of 415 (slips 267 instead of 364), placing API orders about 15% slower (100 a second instead
 *   of 119; npm run bench -- --only=production --short, the same hour); slips are read as fast. The
 *   full form peaked at 338 MB (470 the day before). Not with the embedded database: PGlite's queries
 *   run on the app's main thread, and with it the abuse drill's webhook acknowledgement p99 went from
 *   129-163 ms to 142 and 244 ms (target 200).
 * - `embeddedDatabase`, when the app runs PGlite (PostgreSQL compiled to WebAssembly) in its process.
 *   V8's optimising WebAssembly compiler (TurboFan), compiling PGlite's largest functions once they ran
 *   often, took hundreds of MB for moments: creating the database peaked at 1.1 GB of RSS (killed on a
 *   1 GB server), opening it at 230 MB and closing it (its checkpoint) at 620 MB, and the app kept about
 *   50 MB more at rest. With the baseline compiler (Liftoff) alone: 560, 140 and 145 MB; the app idled at
 *   190 MB instead of 245 and peaked 70 MB lower, its orders and chat no slower. The cost: the slip
 *   reader's OCR, WebAssembly too and in this process, takes about 2.2 s a slip instead of 1.1.
 */
const NODE_FLAGS = JSON.parse(readFileSync(path.join(root, 'scripts', 'node-flags.json'), 'utf8'));
const wanted = [...NODE_FLAGS.app, ...(process.env.DATABASE_URL ? NODE_FLAGS.serverDatabase : NODE_FLAGS.embeddedDatabase)];
/** `args` with the flags it lacks in front (a flag given on the command line comes later and wins). */
const withFlags = (args) => [...wanted.filter((f) => !args.includes(f)), ...args];

// V8's flags are fixed when the process starts: this process becomes itself again with them (same
// process id, so npm, systemd or Docker see no difference). process.execve came with Node 22.15; on an
// older Node the app runs without them and only the preparation below gets them.
if (withFlags(process.execArgv).length !== process.execArgv.length && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...withFlags(process.execArgv), ...process.argv.slice(1)]);
}

/** Runs src/db/prepare in a process of its own (its memory goes when it exits); stops here if it fails. */
function prepareDatabase(nodeArgs, script) {
  // A server database (configuration is the environment) has nothing to prepare: no process to start.
  if (process.env.DATABASE_URL) return;
  const { status, signal } = spawnSync(process.execPath, [...withFlags(process.execArgv), ...nodeArgs, script], { stdio: 'inherit' });
  if (status === 0) return;
  // Killed, it says nothing itself: the out-of-memory killer's SIGKILL on a small server would end the start without a word.
  if (signal) {
    const memory = signal === 'SIGKILL';
    process.stderr.write(
      `การเตรียมฐานข้อมูลในเครื่องถูกหยุดด้วย ${signal}${memory ? ' — หน่วยความจำอาจไม่พอ: การเริ่มครั้งแรกและหลังอัปเดตต้องใช้ประมาณ 700 MB หนึ่งครั้ง' : ''}\n` +
        `preparing the embedded database was stopped by ${signal}${memory ? ' — most likely out of memory: the first start, and the first after an upgrade, need about 700 MB once' : ''}\n`,
    );
  }
  process.exit(status ?? 1);
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
