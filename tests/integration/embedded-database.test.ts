import { describe, expect, it } from 'vitest';
import { createDatabase } from '#src/db/client.ts';
import { testLogger } from '../helpers/db.ts';

describe('the embedded database (PGlite)', () => {
  it("runs with 16 MB of shared buffers, not PostgreSQL's 128 MB: its WASM memory is never given back", async () => {
    const database = await createDatabase({ inMemory: true, logger: testLogger });
    try {
      const { rows } = await database.pool.query<{ shared_buffers: string }>('show shared_buffers');
      expect(rows[0]!.shared_buffers).toBe('16MB');
      // The settings PGlite needs (single-user mode, search_path ...) are still there.
      const path = await database.pool.query<{ search_path: string }>('show search_path');
      expect(path.rows[0]!.search_path).toBe('public');
    } finally {
      await database.close();
    }
  });
});
