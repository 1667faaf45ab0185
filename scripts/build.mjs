// `npm run build` (and `npm start` when dist/ is missing or stale): compiles src, bots, admin and
// templates to plain JavaScript in dist/ with TypeScript (no type check: `npm run typecheck` does
// that), copies every other file of those folders (templates, migrations, styles) beside the
// compiled code, and writes dist/package.json so the `#src/...ts` imports resolve to the .js files.
// dist/.fingerprint records the sources it was built from. Plain JavaScript: it runs without tsx.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = path.join(root, 'dist');
/** The folders compiled into dist/; everything in them that is not TypeScript is copied as it is. */
const SOURCE_DIRS = ['src', 'bots', 'admin', 'templates'];
/** Files whose change changes the build. */
const BUILD_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];

export class TypeScriptMissingError extends Error {}

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** A hash of every source file's path, size and modification time: a new, changed or deleted file changes it. */
export function sourceFingerprint() {
  const hash = createHash('sha256');
  const files = [...SOURCE_DIRS.flatMap((d) => walk(path.join(root, d))), ...BUILD_FILES.map((f) => path.join(root, f))].sort();
  for (const file of files) {
    const stat = statSync(file, { throwIfNoEntry: false });
    hash.update(`${path.relative(root, file)}\0${stat ? `${stat.size}:${stat.mtimeMs}` : 'missing'}\n`);
  }
  return hash.digest('hex');
}

/** True when dist/ was built from the sources as they are now, or is all there is (the Docker image ships dist/ without sources). */
export function distIsCurrent() {
  const file = path.join(distDir, '.fingerprint');
  if (!existsSync(file)) return false;
  if (!existsSync(path.join(root, 'src'))) return true;
  return readFileSync(file, 'utf8').trim() === sourceFingerprint();
}

/** dist/package.json: ES modules, and each `#name/*` import of package.json mapped so `#name/x.ts` loads `x.js`. */
function distPackageJson() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const imports = {};
  for (const [key, target] of Object.entries(pkg.imports ?? {})) {
    if (typeof target !== 'string' || !SOURCE_DIRS.some((d) => target === `./${d}/*`)) continue;
    imports[`${key}.ts`] = `${target}.js`;
    imports[key] = target;
  }
  return { name: `${pkg.name}-dist`, private: true, type: 'module', imports };
}

/** Builds dist/ from the sources; the new tree replaces the old one only once complete. */
export function build({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new TypeScriptMissingError('TypeScript is not installed (a production-only install); run `npm ci` with dev dependencies, then `npm run build`');
  }
  const fingerprint = sourceFingerprint();
  const started = Date.now();
  log('building dist/ (compiled JavaScript) from the sources ...');
  const staging = path.join(root, `dist.building-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', staging], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`compiling to dist/ failed (tsc exited with ${result.status ?? result.signal})`);
  }
  for (const dir of SOURCE_DIRS) {
    cpSync(path.join(root, dir), path.join(staging, dir), {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || !src.endsWith('.ts'),
    });
  }
  writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify(distPackageJson(), null, 2)}\n`);
  writeFileSync(path.join(staging, '.fingerprint'), `${fingerprint}\n`);
  // Another process (a worker started at the same time) may have finished first: keep one complete tree.
  const old = path.join(root, `dist.old-${process.pid}`);
  if (existsSync(distDir)) renameSync(distDir, old);
  mkdirSync(path.dirname(distDir), { recursive: true });
  renameSync(staging, distDir);
  rmSync(old, { recursive: true, force: true });
  log(`dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
