/**
 * The layout's import rules (STYLE.md, "Layout and direction of dependency"), read from the code with
 * TypeScript's own parser:
 * - src/ imports nothing from bots/, admin/ or templates/, except the composition roots (src/app.ts,
 *   src/worker.ts, src/core.ts);
 * - src/modules never imports src/workflows;
 * - a file under src/workflows imports no table from the schema (types are fine: they vanish at run time);
 * - no import cycle among src/, bots/, admin/ and templates/. Type-only imports (`import type`,
 *   `export type`, or every name marked `type`) are left out of the cycle check: they are erased before
 *   anything runs, so they cannot make modules wait for each other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as schema from '#src/db/schema/index.ts';

const root = path.resolve(import.meta.dirname, '..');
const aliases = Object.entries(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports as Record<string, string>).map(
  ([alias, target]) => ({ prefix: alias.replace(/\*$/, ''), target: target.replace(/^\.\//, '').replace(/\*$/, '') }),
);
const compositionRoots = new Set(['src/app.ts', 'src/worker.ts', 'src/core.ts']);
const schemaDir = 'src/db/schema/';

interface Import {
  from: string;
  /** The imported file, relative to the repository; undefined for a package. */
  to: string | undefined;
  specifier: string;
  typeOnly: boolean;
  /** The names a value import takes ('*' for a namespace import). */
  values: string[];
  line: number;
}

/** Every import of one file: import and export-from declarations and import() with a literal. */
export function importsOf(file: string, source: string): Import[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean, values: string[]) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const specifier = spec.text;
    out.push({ from: file, to: resolve(file, specifier), specifier, typeOnly, values, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const named = bindings && ts.isNamedImports(bindings) ? bindings.elements : undefined;
      const values = [
        ...(clause?.name ? ['default'] : []),
        ...(bindings && ts.isNamespaceImport(bindings) ? ['*'] : []),
        ...(named ?? []).filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text),
      ];
      // A bare `import 'x'` runs x: a value import without names.
      const typeOnly = Boolean(clause?.isTypeOnly) || (clause !== undefined && values.length === 0);
      add(node, node.moduleSpecifier, typeOnly, clause?.isTypeOnly ? [] : values);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const clause = node.exportClause;
      const values = !clause ? ['*'] : ts.isNamedExports(clause) ? clause.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text) : ['*'];
      add(node, node.moduleSpecifier, node.isTypeOnly || values.length === 0, node.isTypeOnly ? [] : values);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false, ['*']);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function resolve(from: string, specifier: string): string | undefined {
  const alias = aliases.find((a) => specifier.startsWith(a.prefix));
  if (alias) return path.posix.normalize(alias.target + specifier.slice(alias.prefix.length));
  if (specifier.startsWith('.')) return path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return undefined;
}

/** The strongly connected components of more than one file (or a file importing itself): the cycles. */
export function cyclesOf(imports: Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    if (i.typeOnly || !i.to) continue;
    if (!edges.has(i.from)) edges.set(i.from, new Set());
    edges.get(i.from)!.add(i.to);
  }
  // Tarjan's algorithm, iterative so a deep tree cannot overflow the stack.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; targets: string[]; at: number }[] = [];
    const enter = (node: string) => {
      index.set(node, next);
      low.set(node, next++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: [...(edges.get(node) ?? [])], at: 0 });
    };
    enter(start);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      if (frame.at < frame.targets.length) {
        const target = frame.targets[frame.at++]!;
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || edges.get(frame.node)?.has(frame.node)) found.push(component.sort());
      }
    }
  }
  return found;
}

/** What breaks the layout's rules, one line each. */
export function violationsOf(imports: Import[], isTable: (name: string) => boolean): string[] {
  const out: string[] = [];
  const where = (i: Import) => `${i.from}:${i.line} imports ${i.specifier}`;
  for (const i of imports) {
    if (!i.to) continue;
    if (i.from.startsWith('src/') && !compositionRoots.has(i.from) && /^(bots|admin|templates)\//.test(i.to)) {
      out.push(`${where(i)}: src/ reaches bots/, admin/ and templates/ only through src/app.ts, src/worker.ts and src/core.ts`);
    }
    if (i.from.startsWith('src/modules/') && i.to.startsWith('src/workflows/')) {
      out.push(`${where(i)}: a module never imports a workflow (workflows orchestrate modules, not the other way round)`);
    }
    if (i.from.startsWith('src/workflows/') && i.to.startsWith(schemaDir)) {
      const tables = i.values.filter((name) => name === '*' || isTable(name));
      if (tables.length > 0) out.push(`${where(i)}: a workflow imports the table(s) ${tables.join(', ')}; it calls the module that owns them`);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(rel);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

const isTable = (name: string) => is((schema as Record<string, unknown>)[name], PgTable);

describe('the layout', () => {
  const files = ['src', 'bots', 'admin', 'templates'].flatMap(sourceFiles);
  const imports = files.flatMap((file) => importsOf(file, readFileSync(path.join(root, file), 'utf8')));

  it('reads the imports of every file in src/, bots/, admin/ and templates/', () => {
    expect(files.length).toBeGreaterThan(150);
    expect(files).toContain('src/workflows/orders/place-order.ts');
    // Every relative or #alias import points at a file that exists.
    const missing = imports.filter((i) => i.to && !files.includes(i.to) && !/^(tests|bench|drill)\//.test(i.to)).map((i) => `${i.from}:${i.line} ${i.specifier}`);
    expect(missing).toEqual([]);
  });

  it('keeps src/ free of bots/, admin/ and templates/ outside the composition roots, modules free of workflows, and workflows free of tables', () => {
    expect(violationsOf(imports, isTable)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cyclesOf(imports).map((c) => c.join(' → '))).toEqual([]);
  });
});

describe('the layout check itself', () => {
  const parse = (files: Record<string, string>) => Object.entries(files).flatMap(([file, source]) => importsOf(file, source));

  it('finds a cycle through value imports, but not one closed only by a type import', () => {
    const imports = parse({
      'src/a.ts': "import { b } from './b.ts';",
      'src/b.ts': "import { c } from '#src/c.ts';",
      'src/c.ts': "export { a } from './a.ts';",
      'src/d.ts': "import { e } from './e.ts';",
      'src/e.ts': "import type { D } from './d.ts';\nimport { type F } from './d.ts';",
    });
    expect(cyclesOf(imports)).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts']]);
  });

  it('names each forbidden import with its file and line', () => {
    const imports = parse({
      'src/modules/orders/x.ts': "import type { Y } from '#src/db/schema/index.ts';\n\nimport { z } from '../../workflows/orders/z.ts';",
      'src/jobs/send.ts': "const m = await import('#templates/messages/index.ts');",
      'src/app.ts': "import { adminPlugin } from '../admin/admin.plugin.ts';",
      'src/workflows/orders/w.ts': "import { orders, type Order, orderStatus } from '#src/db/schema/index.ts';\nimport * as all from '../../db/schema/index.ts';",
    });
    expect(violationsOf(imports, isTable)).toEqual([
      "src/modules/orders/x.ts:3 imports ../../workflows/orders/z.ts: a module never imports a workflow (workflows orchestrate modules, not the other way round)",
      'src/jobs/send.ts:1 imports #templates/messages/index.ts: src/ reaches bots/, admin/ and templates/ only through src/app.ts, src/worker.ts and src/core.ts',
      'src/workflows/orders/w.ts:1 imports #src/db/schema/index.ts: a workflow imports the table(s) orders; it calls the module that owns them',
      'src/workflows/orders/w.ts:2 imports ../../db/schema/index.ts: a workflow imports the table(s) *; it calls the module that owns them',
    ]);
  });
});
