/**
 * Secrets saved in Settings (carrier credentials) are kept encrypted: AES-256-GCM under a key from
 * SETTINGS_KEY, else one generated once in DATA_DIR. A sealed value is `sb1.<iv>.<tag>.<ciphertext>`
 * (base64url); its label (the setting's name) is bound in as associated data, so a sealed Flash key
 * pasted into another field does not open. Shown back to people only masked.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { loadOrCreateSecret } from './secrets.ts';

const PREFIX = 'sb1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface SecretBox {
  seal(plain: string, label: string): string;
  /** Throws SecretBoxError when the value was sealed under another key or label, or was changed. */
  open(sealed: string, label: string): string;
}

/** True for a value this box wrote (so a plain value saved before encryption can be told apart). */
export function isSealed(value: string): boolean {
  return /^sb1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

/** A box over a key text of at least 32 characters; the AES key is derived from it with HKDF-SHA256. */
export function createSecretBox(keyText: string): SecretBox {
  if (keyText.length < 32) throw new SecretBoxError('the settings key must be at least 32 characters');
  const key = Buffer.from(hkdfSync('sha256', keyText, 'talad', 'talad settings secret-box v1', 32));
  return {
    seal(plain, label) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(label, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [PREFIX, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, label) {
      if (!isSealed(sealed)) throw new SecretBoxError('not a sealed value');
      const [, iv, tag, body] = sealed.split('.') as [string, string, string, string];
      const ivBytes = Buffer.from(iv, 'base64url');
      const tagBytes = Buffer.from(tag, 'base64url');
      if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SecretBoxError('a sealed value is damaged');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(label, 'utf8'));
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('a sealed value does not open with this key (was SETTINGS_KEY or DATA_DIR changed?)');
      }
    },
  };
}

/** The box of this installation: SETTINGS_KEY when set, else a key generated once and kept in DATA_DIR. */
export async function loadSecretBox(opts: { settingsKey?: string | undefined; dataDir: string }): Promise<SecretBox> {
  return createSecretBox(opts.settingsKey ?? (await loadOrCreateSecret(opts.dataDir, 'settings-key')));
}

/**
 * How a saved secret is shown back: a fixed run of dots (so its length is not told) and at most its last
 * four characters, only when it is long enough that they give nothing away; never the whole secret.
 */
export function maskSecret(secret: string | undefined | null): string {
  const s = (secret ?? '').trim();
  if (s === '') return '';
  return s.length >= 12 ? `••••••••${s.slice(-4)}` : '••••••••';
}
