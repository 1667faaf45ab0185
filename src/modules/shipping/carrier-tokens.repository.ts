import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { carrierTokens } from '../../db/schema/index.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ThaiPostTokenStore } from './carriers/thaipost.ts';

/**
 * A carrier's access token kept in the database, sealed, so restarts and other processes reuse it until it
 * nears expiry. `seen` learns each token in clear (the caller keeps it out of the log).
 */
export function createCarrierTokenStore(db: DbOrTx, box: SecretBox, carrier: string, seen: (token: string) => void = () => {}): ThaiPostTokenStore {
  const label = `carrier-token:${carrier}`;
  return {
    async load() {
      const [row] = await db.select().from(carrierTokens).where(eq(carrierTokens.carrier, carrier));
      if (!row) return undefined;
      try {
        const token = box.open(row.token, label);
        seen(token);
        return { token, expiresAt: row.expiresAt };
      } catch {
        // Sealed under another key (SETTINGS_KEY changed): ask the carrier for a new one.
        return undefined;
      }
    },
    async save(token) {
      seen(token.token);
      const sealed = box.seal(token.token, label);
      await db
        .insert(carrierTokens)
        .values({ carrier, token: sealed, expiresAt: token.expiresAt })
        .onConflictDoUpdate({ target: carrierTokens.carrier, set: { token: sealed, expiresAt: token.expiresAt, updatedAt: new Date() } });
    },
  };
}
