import QRCode from 'qrcode';

/**
 * A Code 128 barcode as inline SVG (bars and the human-readable text are paths: no font needed).
 * bwip-js (2 MB of source, more compiled) is loaded on the first label, not at start.
 */
export async function code128Svg(text: string, opts: { height?: number; includeText?: boolean } = {}): Promise<string> {
  const { default: bwipjs } = await import('bwip-js');
  return bwipjs.toSVG({ bcid: 'code128', text, height: opts.height ?? 14, includetext: opts.includeText ?? true, textxalign: 'center', paddingwidth: 4 });
}

/** A QR code as inline SVG. */
export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}
