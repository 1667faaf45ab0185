// npm start, npm run worker, npm run bench and the Docker image run the app with the same memory
// settings: a bench or a container that measured another allocator would not measure what a shop runs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const nodeFlags = JSON.parse(readFileSync(path.join(root, 'scripts/node-flags.json'), 'utf8')) as { app: string[]; serverDatabase: string[]; embeddedDatabase: string[] };

describe('the memory settings the app runs with', () => {
  it('gives glibc two arenas and a fixed mmap threshold in npm start, the worker, the bench and the image, whose app starts through scripts/start.mjs (V8\'s flags)', () => {
    for (const name of ['start', 'worker']) expect(scripts[name], name).toMatch(/^MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node scripts\/start\.mjs\b/);
    expect(scripts.bench).toMatch(/^MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=4 /);
    const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runStage).toMatch(/^ENV[^\n]*(?:\\\n[^\n]*)*MALLOC_ARENA_MAX=2/m);
    expect(runStage).toMatch(/^ENV[^\n]*(?:\\\n[^\n]*)*MALLOC_MMAP_THRESHOLD_=131072/m);
    expect(runStage).toMatch(/^CMD \["node", "scripts\/start\.mjs"\]$/m);
  });

  it('has start.mjs give the app 4 MB semi-spaces, V8\'s optimise-for-size mode on a server database and Liftoff only with the embedded one', () => {
    expect(nodeFlags.app).toEqual(['--max-semi-space-size=4']);
    expect(nodeFlags.serverDatabase).toEqual(['--optimize-for-size']);
    expect(nodeFlags.embeddedDatabase).toEqual(['--liftoff-only']);
  });
});
