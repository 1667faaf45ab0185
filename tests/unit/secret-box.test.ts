import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretBox, isSealed, loadSecretBox, maskSecret, SecretBoxError } from '#src/lib/secret-box.ts';

const KEY = 'a-settings-key-of-at-least-32-characters!';

describe('secret box (AES-256-GCM for secrets saved in Settings)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const box = createSecretBox(KEY);
    const sealed = box.seal('flash-secret-ABC123', 'flash.secretKey');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('flash-secret');
    expect(box.open(sealed, 'flash.secretKey')).toBe('flash-secret-ABC123');
  });

  it('seals the same secret differently each time (a fresh IV)', () => {
    const box = createSecretBox(KEY);
    expect(box.seal('same', 'x')).not.toBe(box.seal('same', 'x'));
  });

  it('keeps Thai text and an empty secret intact', () => {
    const box = createSecretBox(KEY);
    expect(box.open(box.seal('รหัสลับ ไปรษณีย์', 'x'), 'x')).toBe('รหัสลับ ไปรษณีย์');
    expect(box.open(box.seal('', 'x'), 'x')).toBe('');
  });

  it('refuses another key, another label and a changed ciphertext', () => {
    const box = createSecretBox(KEY);
    const sealed = box.seal('flash-secret-ABC123', 'flash.secretKey');
    expect(() => createSecretBox(`${KEY}?`).open(sealed, 'flash.secretKey')).toThrow(SecretBoxError);
    expect(() => box.open(sealed, 'thaipost.apiKey')).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'flash.secretKey')).toThrow(SecretBoxError);
    expect(() => box.open('plain-text', 'flash.secretKey')).toThrow(/not a sealed value/);
  });

  it('refuses a key shorter than 32 characters', () => {
    expect(() => createSecretBox('short')).toThrow(SecretBoxError);
  });

  it('without SETTINGS_KEY makes a key once in DATA_DIR (owner-only) and reuses it after a restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'talad-box-'));
    dirs.push(dir);
    const sealed = (await loadSecretBox({ dataDir: dir })).seal('kept', 'l');
    const file = path.join(dir, 'settings-key.secret');
    expect((await readFile(file, 'utf8')).length).toBeGreaterThanOrEqual(32);
    expect((await stat(file)).mode & 0o077).toBe(0);
    expect((await loadSecretBox({ dataDir: dir })).open(sealed, 'l')).toBe('kept');
    expect((await loadSecretBox({ dataDir: dir, settingsKey: KEY })).seal('x', 'l')).not.toBe('');
    expect(() => createSecretBox(KEY).open(sealed, 'l')).toThrow(SecretBoxError);
  });

  it('masks a secret without ever showing it whole or telling its length', () => {
    expect(maskSecret('flash-secret-ABC123')).toBe('••••••••C123');
    expect(maskSecret('0123456789abcdef0123456789abcdef')).toBe('••••••••cdef');
    // Short secrets show nothing of themselves.
    expect(maskSecret('abcd')).toBe('••••••••');
    expect(maskSecret('abcdefghijk')).toBe('••••••••');
    expect(maskSecret('')).toBe('');
    expect(maskSecret(undefined)).toBe('');
    for (const s of ['abcd', 'flash-secret-ABC123', 'x'.repeat(100)]) expect(maskSecret(s)).not.toContain(s);
  });
});
