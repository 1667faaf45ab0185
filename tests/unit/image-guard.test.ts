import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { inspectImage, MAX_IMAGE_BYTES, sniffImageFormat } from '../../src/lib/image-guard.ts';

/** A noisy picture, so JPEG cannot squeeze it to nothing. */
async function makeImage(format: 'jpeg' | 'png' | 'webp', width = 320, height = 480): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Only a PNG header: claims any size, holds no pixels. */
function makePngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('inspectImage', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('accepts a %s and reports its size and hash', async (format) => {
    const bytes = await makeImage(format);
    const result = await inspectImage(bytes);
    expect(result).toEqual({
      ok: true,
      format,
      width: 320,
      height: 480,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });

  it('judges by content, not by name: a text file is not an image', async () => {
    const result = await inspectImage(Buffer.from('นี่คือสลิปโอนเงิน (not really)\n', 'utf8'));
    expect(result).toMatchObject({ ok: false, code: 'NOT_AN_IMAGE' });
    expect(await inspectImage(Buffer.alloc(0))).toMatchObject({ ok: false, code: 'NOT_AN_IMAGE' });
  });

  it('names other image formats as unsupported', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).gif().toBuffer();
    expect(await inspectImage(gif)).toMatchObject({ ok: false, code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('GIF') });
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic', 'latin1'), Buffer.alloc(32)]);
    expect(await inspectImage(heic)).toMatchObject({ ok: false, code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('HEIC') });
  });

  it('refuses files over 10 MB before looking inside', async () => {
    const big = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    expect(await inspectImage(big)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('refuses an 81-megapixel image from its header alone', async () => {
    // The file holds no pixel data at all: had the guard decoded it, it would
    // have come back corrupt, as the same header at an allowed size does.
    expect(await inspectImage(makePngHeader(9000, 9000))).toMatchObject({ ok: false, code: 'TOO_MANY_PIXELS' });
    expect(await inspectImage(makePngHeader(5000, 5000))).toMatchObject({ ok: false, code: 'CORRUPT_IMAGE' });
  });

  it('refuses a strip far longer than any photo from its header alone, under the pixel limit', async () => {
    // No pixel data in the file: a decode would have called it corrupt.
    const result = await inspectImage(makePngHeader(240, 104_000));
    expect(result).toMatchObject({ ok: false, code: 'TOO_MANY_PIXELS' });
    expect(result.ok ? '' : result.message).toContain('240x104000');
    expect(await inspectImage(makePngHeader(104_000, 240))).toMatchObject({ ok: false, code: 'TOO_MANY_PIXELS' });
  });

  it('calls a truncated JPEG corrupt', async () => {
    const jpeg = await makeImage('jpeg', 640, 960);
    expect(await inspectImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.45)))).toMatchObject({ ok: false, code: 'CORRUPT_IMAGE' });
  });

  it('calls a PNG with a broken header corrupt', async () => {
    const png = await makeImage('png');
    const broken = Buffer.concat([png.subarray(0, 8), Buffer.from('garbage where IHDR should be')]);
    expect(await inspectImage(broken)).toMatchObject({ ok: false, code: 'CORRUPT_IMAGE' });
  });

  it('sniffs the three accepted formats by magic bytes', async () => {
    expect(sniffImageFormat(await makeImage('jpeg', 8, 8))).toBe('jpeg');
    expect(sniffImageFormat(await makeImage('png', 8, 8))).toBe('png');
    expect(sniffImageFormat(await makeImage('webp', 8, 8))).toBe('webp');
    expect(sniffImageFormat(Buffer.from('RIFF0000WAVEfmt '))).toBeNull();
  });
});
