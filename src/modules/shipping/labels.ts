import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where a carrier's label PDF is kept: DATA_DIR/media/labels/<tracking number>.pdf (the path stored is DATA_DIR-relative). */
export async function saveCarrierLabel(dataDir: string, trackingNumber: string, pdf: Uint8Array): Promise<string> {
  const name = `${trackingNumber.replace(/[^A-Za-z0-9-]/g, '_')}.pdf`;
  const relative = path.posix.join('media', 'labels', name);
  await mkdir(path.join(dataDir, 'media', 'labels'), { recursive: true });
  await writeFile(path.join(dataDir, relative), pdf);
  return relative;
}

export async function readCarrierLabel(dataDir: string, labelPath: string): Promise<Uint8Array | undefined> {
  if (!/^media\/labels\/[A-Za-z0-9_-]+\.pdf$/.test(labelPath)) return undefined;
  return readFile(path.join(dataDir, labelPath)).catch(() => undefined);
}
