// Issue 23, finding 8 (disk): web-chat uploads have a quota per visitor and in total, and uploads that
// are neither slips nor return photos are removed after the set days.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneWebchatUploadsJob } from '#src/jobs/conversations.prune-webchat-uploads.job.ts';
import { createUploadQuota, webchatUploadsDir } from '#src/modules/conversations/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-sec-uploads-'));
  t = await buildTestApp({ DATA_DIR: dataDir, WEBCHAT_UPLOAD_VISITOR_MB: '1' });
});
afterAll(() => t?.close());

async function newVisitor(remoteAddress: string) {
  const res = await t.app.inject({ method: 'GET', url: '/chat', remoteAddress, headers: { 'accept-language': 'th' } });
  const cookie = res.cookies.find((c) => c.name === 'talad_chat');
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body)?.[1];
  return { cookie: cookie ? `talad_chat=${cookie.value}` : '', csrf: csrf ?? '' };
}

/** A photo of noise (it does not compress): about 360 KB. */
const noise = (seed: number) => sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128 + seed, sigma: 60 } } }).png().toBuffer();

async function upload(v: { cookie: string; csrf: string }, png: Buffer, remoteAddress: string) {
  const boundary = '----talad-quota';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n${randomUUID()}\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`),
    png,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({ method: 'POST', url: '/chat/api/images', remoteAddress, payload, headers: { cookie: v.cookie, 'x-csrf-token': v.csrf, 'content-type': `multipart/form-data; boundary=${boundary}`, 'accept-language': 'th' } });
}

describe('web-chat upload quota', () => {
  it('refuses a visitor past their quota with a message in Thai, and another visitor still sends', async () => {
    const greedy = await newVisitor('203.0.113.80');
    const codes: number[] = [];
    let refusal = '';
    for (let i = 0; i < 5; i++) {
      const res = await upload(greedy, await noise(i), '203.0.113.80');
      codes.push(res.statusCode);
      if (res.statusCode === 429) refusal = res.json().error.message;
    }
    // About 360 KB each: two fit in 1 MB, the third does not.
    expect(codes).toEqual([202, 202, 429, 429, 429]);
    expect(refusal).toContain('ส่งรูปได้ครบจำนวนแล้ว');
    const kept = await readdir(webchatUploadsDir(dataDir), { recursive: true });
    expect(kept.filter((f) => String(f).endsWith('.png'))).toHaveLength(2);

    const other = await newVisitor('203.0.113.81');
    expect((await upload(other, await noise(9), '203.0.113.81')).statusCode).toBe(202);
  });

  it('refuses everyone once all uploads together reach the total', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'talad-sec-total-'));
    const quota = createUploadQuota(dir, { perVisitor: 1000, total: 2500 });
    const a = randomUUID();
    const b = randomUUID();
    for (const [visitor, bytes] of [[a, 900], [b, 900]] as const) {
      expect(await quota.admit(visitor, bytes)).toBeUndefined();
      await mkdir(path.join(webchatUploadsDir(dir), visitor), { recursive: true });
      await writeFile(path.join(webchatUploadsDir(dir), visitor, `${randomUUID()}.png`), Buffer.alloc(bytes));
    }
    expect(await quota.admit(a, 200)).toBe('visitor');
    // A third visitor, within their own quota, is refused by the total.
    expect(await quota.admit(randomUUID(), 800)).toBe('total');
    expect(await quota.admit(randomUUID(), 600)).toBeUndefined();
  });
});

describe('web-chat uploads are removed after the set days', () => {
  it('removes old uploads and their empty folders, keeps recent ones, slips and return photos', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'talad-sec-prune-'));
    const root = webchatUploadsDir(dir);
    const old = new Date(Date.now() - 15 * 86_400_000);
    const write = async (rel: string, when?: Date) => {
      const file = path.join(dir, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, Buffer.alloc(100));
      if (when) await utimes(file, when, when);
      return file;
    };
    const gone = randomUUID();
    const kept = randomUUID();
    await write(`uploads/webchat/${gone}/${randomUUID()}.png`, old);
    await write(`uploads/webchat/${kept}/${randomUUID()}.jpeg`, old);
    const fresh = await write(`uploads/webchat/${kept}/${randomUUID()}.jpeg`);
    // The slip and the return photo were copied out when they were read.
    await write('slips/abc123.png', old);
    await write('return-photos/def456.jpeg', old);

    const removed = await pruneWebchatUploadsJob({ dataDir: dir, webchatUploads: { perVisitorBytes: 1, totalBytes: 1, keepDays: 14 } }, new Date());
    expect(removed).toBe(2);
    expect((await readdir(root)).sort()).toEqual([kept]);
    expect(await readdir(path.join(root, kept))).toEqual([path.basename(fresh)]);
    expect(await readdir(path.join(dir, 'slips'))).toEqual(['abc123.png']);
    expect(await readdir(path.join(dir, 'return-photos'))).toEqual(['def456.jpeg']);
    // Nothing is old enough under a longer keep.
    expect(await pruneWebchatUploadsJob({ dataDir: dir, webchatUploads: { perVisitorBytes: 1, totalBytes: 1, keepDays: 30 } }, new Date())).toBe(0);
  });
});
