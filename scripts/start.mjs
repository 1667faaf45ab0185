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
 * V8's flags for a process that runs the embedded database (PGlite: PostgreSQL compiled to WebAssembly).
 * V8's optimising WebAssembly compiler (TurboFan), compiling PGlite's largest functions once they ran
 * often, took hundreds of MB for moments: creating the database peaked at 1.1 GB of RSS (killed on a
 * 1 GB server), opening it at 230 MB and its checkpoint at close at 620 MB, and the app kept about 50 MB
 * more at rest. With the baseline compiler (Liftoff) alone: 560, 140 and 145 MB; the app idles at about
 * 190 MB instead of 245 and peaks 70 MB lower, its orders and chat no slower (npm run bench). The cost:
 * the slip reader's OCR, WebAssembly too and in this process, takes about 2.2 s a slip instead of 1.1.
 * With a server database (DATABASE_URL) no PGlite runs here, and nothing changes. The flags are in
 * node-flags.json, which the drills read too: they run the app as npm start does.
 */
const EMBEDDED_DATABASE_FLAGS = JSON.parse(readFileSync(path.join(root, 'scripts', 'node-flags.json'), 'utf8')).embeddedDatabase;
const embedded = !process.env.DATABASE_URL;
/** `args` with the embedded database's flags in front, those it lacks. */
const withDatabaseFlags = (args) => (embedded ? [...EMBEDDED_DATABASE_FLAGS.filter((f) => !args.includes(f)), ...args] : args);

// V8's flags are fixed when the process starts: this process becomes itself again with them (same
// process id, so npm, systemd or Docker see no difference). process.execve came with Node 22.15; on an
// older Node the app runs without them and only the preparation below gets them.
if (withDatabaseFlags(process.execArgv).length !== process.execArgv.length && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...withDatabaseFlags(process.execArgv), ...process.argv.slice(1)]);
}

/** Runs src/db/prepare in a process of its own (its memory goes when it exits); stops here if it fails. */
function prepareDatabase(nodeArgs, script) {
  // A server database (configuration is the environment) has nothing to prepare: no process to start.
  if (process.env.DATABASE_URL) return;
  const { status, signal } = spawnSync(process.execPath, [...withDatabaseFlags(process.execArgv), ...nodeArgs, script], { stdio: 'inherit' });
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
