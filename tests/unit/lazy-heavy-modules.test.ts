/**
 * Memory (issue 20): the heavy libraries are loaded on first use, never at start. A static import of one
 * of them anywhere the app loads at start would put its megabytes in the idle app's RSS, so none of
 * src/, bots/, admin/ or templates/ imports them statically (types only), except the slip reader's image
 * thread, which runs in its own worker thread started with the first slip.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const HEAVY = [
  'sharp',
  'exceljs',
  'tesseract.js',
  // The label barcode: 2 MB of source, for the first label printed.
  'bwip-js',
  // The embedded database's code: a shop on a PostgreSQL server never needs it.
  '@electric-sql/pglite',
  '@electric-sql/pglite/contrib/pg_trgm',
  '@electric-sql/pglite-socket',
  // The Telegram bot's library: about 19 MB on its own, for the shops that connect Telegram.
  'grammy',
  '@grammyjs/auto-retry',
];
/**
 * Files that may import them statically because they are themselves loaded on first use: the image
 * thread is its own worker; the Telegram bot is imported (import()) when Telegram is connected.
 */
const ALLOWED = new Set(['src/modules/payments/slips/image-thread.ts', 'bots/telegram/telegram.bot.ts']);

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

function staticValueImports(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  for (const node of sf.statements) {
    if (!ts.isImportDeclaration(node) || !ts.isStringLiteral(node.moduleSpecifier)) continue;
    const clause = node.importClause;
    const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
    const typeOnly = Boolean(clause?.isTypeOnly) || (!clause?.name && named !== undefined && named.every((e) => e.isTypeOnly));
    if (!typeOnly) found.push(node.moduleSpecifier.text);
  }
  return found;
}

describe('heavy libraries', () => {
  it('are imported only on first use (import()), never statically by what the app loads at start', () => {
    const offenders = ['src', 'bots', 'admin', 'templates']
      .flatMap(tsFiles)
      .filter((file) => !ALLOWED.has(file))
      .flatMap((file) => staticValueImports(file).filter((spec) => HEAVY.includes(spec)).map((spec) => `${file}: ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('are not reached through a static import of a file that imports them (the allowed ones are loaded with import())', () => {
    const reached = ['src', 'bots', 'admin', 'templates']
      .flatMap(tsFiles)
      .flatMap((file) =>
        staticValueImports(file)
          .filter((spec) => [...ALLOWED].some((allowed) => spec.endsWith(`/${path.basename(allowed)}`)))
          .map((spec) => `${file}: ${spec}`),
      );
    expect(reached).toEqual([]);
  });

  it('never needs a development dependency: the image keeps only the dependencies (PDFs are printed over a pipe to Chromium, without playwright-core)', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const dev = new Set(Object.keys(pkg.devDependencies));
    const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    const offenders = ['src', 'bots', 'admin', 'templates']
      .flatMap(tsFiles)
      .flatMap((file) => {
        const dynamic = [...readFileSync(path.join(root, file), 'utf8').matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
        return [...staticValueImports(file), ...dynamic].filter((spec) => dev.has(packageOf(spec))).map((spec) => `${file}: ${spec}`);
      });
    expect(dev.has('playwright-core')).toBe(true);
    expect(offenders).toEqual([]);
  });

  it('notices a static import when there is one (the scan itself works)', () => {
    expect(staticValueImports('src/modules/payments/slips/image-thread.ts')).toContain('sharp');
    expect(staticValueImports('src/lib/lazy.ts')).toEqual([]);
  });
});
