import bwipjs from 'bwip-js';
import QRCode from 'qrcode';

/** A Code 128 barcode as inline SVG (bars and the human-readable text are paths: no font needed). */
export function code128Svg(text: string, opts: { height?: number; includeText?: boolean } = {}): string {
  return bwipjs.toSVG({ bcid: 'code128', text, height: opts.height ?? 14, includetext: opts.includeText ?? true, textxalign: 'center', paddingwidth: 4 });
}

/** A QR code as inline SVG. */
export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}
