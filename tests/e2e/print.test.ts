import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, MultiFormatReader, RGBLuminanceSource } from '@zxing/library';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPdfRenderer } from '#src/modules/printing/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { signIn, type AdminClient } from '../helpers/admin.ts';

const run = promisify(execFile);

const NAME = 'สมหญิง ใจดี';
const ADDRESS = '99/1 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพฯ 10110';

/** Chromium processes this test process launched itself (the renderer starts the browser as a direct child). */
function chromiumChildren(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && /chrom/i.test(name)) pids.add(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Whitespace only: runs of spaces and line breaks become one space. */
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('printed documents as PDF, rendered by Chromium and read back with poppler', () => {
  let t: TestApp;
  let owner: AdminClient;
  let dir: string;
  let number: string;

  beforeAll(async () => {
    t = await buildTestApp({ SHOP_NAME: 'ร้านตลาดดี', SHOP_ADDRESS: '1 ถนนพระราม 4 กรุงเทพฯ 10500', SHOP_PHONE: '021234567', SHOP_VAT_REGISTERED: 'true', SHOP_TAX_ID: '0105556123456' });
    owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
    dir = await mkdtemp(path.join(tmpdir(), 'talad-print-'));
    await makeProduct(t.database.db, { sku: 'PDF-1', nameTh: 'ข้าวหอมมะลิ', price: 18_900, stock: { MAIN: 10 } });
    const headers = { authorization: `Bearer ${t.config.apiToken}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers,
      payload: {
        channel: 'api',
        customer: { name: NAME, phone: '0812345678' },
        lines: [{ sku: 'PDF-1', qty: 2 }],
        shippingAddress: { name: NAME, phone: '0812345678', address: ADDRESS },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    number = created.json().number;
    const paid = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${number}/transitions`, headers, payload: { to: 'paid' } });
    expect(paid.statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function download(kind: string): Promise<string> {
    const res = await owner.get(`/admin/print/${kind}?orders=${number}&format=pdf`);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="[a-z-]+-${number}\\.pdf"$`));
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const file = path.join(dir, `${kind}.pdf`);
    await writeFile(file, res.rawPayload);
    return file;
  }

  const pdfText = async (file: string) => squash((await run('pdftotext', ['-layout', file, '-'])).stdout);

  it('prints the label on a 100x150 mm page with the Thai name and address, and a Code 128 barcode that reads back as the order number', async () => {
    const file = await download('labels');
    const info = (await run('pdfinfo', [file])).stdout;
    const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
    expect(size, info).not.toBeNull();
    // 100 x 150 mm is 283.46 x 425.2 pt; Chromium rounds the page to whole CSS pixels (within 1 pt).
    expect(Math.abs(Number(size![1]) - 283.46)).toBeLessThan(1);
    expect(Math.abs(Number(size![2]) - 425.2)).toBeLessThan(1);
    expect(info).toMatch(/Pages:\s+1\n/);

    const text = await pdfText(file);
    expect(text).toContain(NAME);
    expect(text).toContain(ADDRESS);
    expect(text).toContain('081-234-5678');
    expect(text).toContain('PAID / ชำระแล้ว');

    await run('pdftoppm', ['-png', '-r', '150', '-singlefile', file, path.join(dir, 'label')]);
    const { data, info: img } = await sharp(await readFile(path.join(dir, 'label.png')))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(img.channels).toBe(1);
    const source = new RGBLuminanceSource(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), img.width, img.height);
    const hints = new Map<DecodeHintType, unknown>([
      [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.CODE_128]],
      [DecodeHintType.TRY_HARDER, true],
    ]);
    const reader = new MultiFormatReader();
    const result = reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints);
    expect(result.getBarcodeFormat()).toBe(BarcodeFormat.CODE_128);
    expect(result.getText()).toBe(number);
  });

  it('prints the tax invoice with the Thai buyer, the invoice number and the VAT', async () => {
    const file = await download('invoices');
    const text = await pdfText(file);
    expect(text).toContain(NAME);
    expect(text).toContain(ADDRESS);
    expect(text).toContain('ใบเสร็จรับเงิน/ใบกำกับภาษี (Receipt/Tax invoice)');
    expect(text).toMatch(/INV\d{4}-000001/);
    // 378 baht including VAT: VAT = round(37800 * 7 / 107) = 24.73 baht.
    expect(text).toContain('24.73');
    expect(text).toContain('353.27');
    expect((await run('pdfinfo', [file])).stdout).toMatch(/Page size:\s+[\d.]+ x [\d.]+ pts \(A4\)/);
  });

  it('prints the picking list and packing slip too', async () => {
    expect(await pdfText(await download('picking'))).toContain('ข้าวหอมมะลิ');
    const packing = await pdfText(await download('packing'));
    expect(packing).toContain(NAME);
    expect(packing).toContain(ADDRESS);
  });

  it('shares one browser between documents, renders several at once, and starts again after close', async () => {
    const renderer = createPdfRenderer({ executablePath: t.config.chromiumPath, concurrency: 2 });
    try {
      const html = (n: number) => `<!doctype html><html><head><meta charset="utf-8"><style>@page { size: 100mm 150mm; margin: 0 }</style></head><body>เอกสาร ${n}</body></html>`;
      const pdfs = await Promise.all([1, 2, 3, 4].map((n) => renderer.render(html(n))));
      for (const pdf of pdfs) expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      await renderer.close();
      const again = await renderer.render(html(5));
      const file = path.join(dir, 'again.pdf');
      await writeFile(file, again);
      expect(await pdfText(file)).toContain('เอกสาร 5');
    } finally {
      await renderer.close();
    }
  });

  it('renders offline and without JavaScript: the document asks the network for nothing and its scripts do not run', async () => {
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.end('body { color: red }');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const renderer = createPdfRenderer({ executablePath: t.config.chromiumPath });
    try {
      const html =
        `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${origin}/style.css"></head>` +
        `<body><p id="p">ใบเสร็จ ไม่มีสคริปต์</p><img src="${origin}/leak.png?name=somying"><iframe src="${origin}/frame"></iframe>` +
        `<script>document.getElementById('p').textContent = 'SCRIPT RAN'; fetch('${origin}/fetch');</script></body></html>`;
      const file = path.join(dir, 'offline.pdf');
      await writeFile(file, await renderer.render(html));
      const text = await pdfText(file);
      expect(text).toContain('ใบเสร็จ ไม่มีสคริปต์');
      expect(text).not.toContain('SCRIPT RAN');
      expect(asked).toEqual([]);
    } finally {
      await renderer.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('starts a new browser for the next document when its Chromium is killed, and says so once', async () => {
    const warnings: unknown[] = [];
    const renderer = createPdfRenderer({ executablePath: t.config.chromiumPath, logger: { warn: (obj) => warnings.push(obj) } });
    const html = (n: number) => `<!doctype html><html><head><meta charset="utf-8"></head><body>ใบปะหน้า ${n}</body></html>`;
    const before = chromiumChildren();
    try {
      expect((await renderer.render(html(1))).subarray(0, 5).toString()).toBe('%PDF-');
      const ours = [...chromiumChildren()].filter((pid) => !before.has(pid));
      expect(ours).toHaveLength(1);
      process.kill(ours[0]!, 'SIGKILL');
      await expect.poll(() => warnings.length, { timeout: 180_000, interval: 50 }).toBe(1);
      const file = path.join(dir, 'after-kill.pdf');
      await writeFile(file, await renderer.render(html(2)));
      expect(await pdfText(file)).toContain('ใบปะหน้า 2');
      expect(warnings).toHaveLength(1);
    } finally {
      await renderer.close();
    }
  });

  it('fails at once, saying why, when Chromium cannot start', async () => {
    const renderer = createPdfRenderer({ executablePath: path.join(dir, 'no-such-chromium') });
    await expect(renderer.render('<p>x</p>')).rejects.toThrow(/Chromium/);
    expect(renderer.running()).toBe(false);
  });

  it('closes Chromium after a while without documents, quietly, and launches it again for the next one', async () => {
    const warnings: unknown[] = [];
    const renderer = createPdfRenderer({ executablePath: t.config.chromiumPath, idleMs: 300, logger: { warn: (obj) => warnings.push(obj) } });
    const html = (n: number) => `<!doctype html><html><head><meta charset="utf-8"></head><body>ใบปะหน้า ${n}</body></html>`;
    const before = chromiumChildren();
    try {
      expect((await renderer.render(html(1))).subarray(0, 5).toString()).toBe('%PDF-');
      expect(renderer.running()).toBe(true);
      // This renderer's browser: the one Chromium child that was not there before (the app's own may come and go).
      const ours = [...chromiumChildren()].filter((pid) => !before.has(pid));
      expect(ours).toHaveLength(1);
      // Idle: that browser process exits (minutes allowed on a loaded machine).
      await expect.poll(() => chromiumChildren().has(ours[0]!), { timeout: 180_000, interval: 100 }).toBe(false);
      expect(renderer.running()).toBe(false);
      const file = path.join(dir, 'after-idle.pdf');
      await writeFile(file, await renderer.render(html(2)));
      expect(await pdfText(file)).toContain('ใบปะหน้า 2');
      // A closing on purpose is not "the browser went away".
      expect(warnings).toEqual([]);
    } finally {
      await renderer.close();
    }
  });
});
