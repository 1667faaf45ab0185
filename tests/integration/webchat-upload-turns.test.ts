// Issue 23, finding 1: a burst of web-chat photos must not take the main thread and the cores from
// signed webhooks. Photos are received two at a time, one per client address at a time, in turns.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

/** Holds each inspection of the test's photos until released, and records who was inside at once. */
const gate = vi.hoisted(() => {
  const held: (() => void)[] = [];
  const owners = new Map<string, string>();
  const inside: string[] = [];
  const together: string[][] = [];
  return {
    owners,
    together,
    held,
    /**
     * Holds a test photo's first inspection (the upload's) until released; later ones (the photo read
     * after it was received) and other images pass straight through.
     */
    async inspect<T>(bytes: Buffer, real: (b: Buffer) => Promise<T>, hash: (b: Buffer) => string): Promise<T> {
      const key = hash(bytes);
      const owner = owners.get(key);
      if (!owner) return real(bytes);
      owners.delete(key);
      inside.push(owner);
      together.push([...inside]);
      await new Promise<void>((release) => held.push(release));
      inside.splice(inside.indexOf(owner), 1);
      return real(bytes);
    },
  };
});

vi.mock('#src/lib/image-guard.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('#src/lib/image-guard.ts')>();
  const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  return { ...real, inspectImage: (bytes: Buffer) => gate.inspect(bytes, real.inspectImage, hash) };
});

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'talad-upload-turns-')) });
});
afterAll(() => t?.close());

async function newVisitor(remoteAddress: string) {
  const res = await t.app.inject({ method: 'GET', url: '/chat', remoteAddress, headers: { 'accept-language': 'th' } });
  const cookie = res.cookies.find((c) => c.name === 'talad_chat')!;
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body)![1]!;
  return { cookie: `talad_chat=${cookie.value}`, csrf, remoteAddress };
}

function upload(v: { cookie: string; csrf: string; remoteAddress: string }, png: Buffer) {
  const boundary = '----talad-turns';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n${randomUUID()}\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="slip.png"\r\nContent-Type: image/png\r\n\r\n`),
    png,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/chat/api/images',
    remoteAddress: v.remoteAddress,
    payload,
    headers: { cookie: v.cookie, 'x-csrf-token': v.csrf, 'content-type': `multipart/form-data; boundary=${boundary}`, 'accept-language': 'th' },
  });
}

describe('web-chat photos are received in turns', () => {
  it('two at a time, one per address at a time, and every photo is kept', async () => {
    // One address sends four photos at once, two others one each.
    const flooding = await newVisitor('203.0.113.90');
    const others = [await newVisitor('203.0.113.91'), await newVisitor('203.0.113.92')];
    const senders = [flooding, flooding, flooding, flooding, ...others];
    const photos = await Promise.all(
      senders.map((_, i) => sharp({ create: { width: 320, height: 480, channels: 3, background: { r: 250, g: 250 - i * 10, b: 240 } } }).png().toBuffer()),
    );
    photos.forEach((p, i) => gate.owners.set(createHash('sha256').update(p).digest('hex'), senders[i]!.remoteAddress));

    const answers = Promise.all(senders.map((v, i) => upload(v, photos[i]!)));
    // Released one by one, each after a pause in which any photo not waiting its turn would come in.
    for (let released = 0; released < senders.length; released++) {
      await vi.waitFor(() => expect(gate.held.length).toBeGreaterThan(0), { timeout: 120_000, interval: 20 });
      await new Promise((r) => setTimeout(r, 300));
      gate.held.shift()!();
    }
    expect((await answers).map((r) => r.statusCode)).toEqual(senders.map(() => 202));

    expect(gate.together.length).toBe(senders.length);
    expect(Math.max(...gate.together.map((inside) => inside.length))).toBe(2);
    for (const inside of gate.together) expect(new Set(inside).size).toBe(inside.length);
    // The other addresses did not wait for all of the flooding address's photos.
    const order = gate.together.map((inside) => inside.at(-1));
    expect(order.lastIndexOf('203.0.113.90')).toBeGreaterThan(Math.max(order.indexOf('203.0.113.91'), order.indexOf('203.0.113.92')));
  });
});
