// npm start, npm run worker, npm run bench and the Docker image run the app with the same memory
// settings: a bench or a container that measured another allocator would not measure what a shop runs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

describe('the memory settings the app runs with', () => {
  it('gives glibc two arenas and Node 4 MB semi-spaces in npm start, the worker, the bench and the image', () => {
    for (const name of ['start', 'worker', 'bench']) {
      expect(scripts[name], name).toMatch(/^MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 /);
    }
    const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runStage).toMatch(/^ENV[^\n]*(?:\\\n[^\n]*)*MALLOC_ARENA_MAX=2/m);
    expect(runStage).toMatch(/exec node --max-semi-space-size=4 dist\/src\/main\.js/);
  });
});
