import { createHmac } from 'node:crypto';

/** Signs an order number so QR links cannot be guessed to read other orders' amounts. */
export function payQrSignature(secret: string, number: string): string {
  return createHmac('sha256', secret).update(`pay:${number}`).digest('base64url').slice(0, 22);
}

/** The link of the PromptPay QR for what is still owed on an order (served by GET /pay/<number>.png). */
export function payQrUrl(publicUrl: string, secret: string, number: string): string {
  return `${publicUrl}/pay/${encodeURIComponent(number)}.png?s=${payQrSignature(secret, number)}`;
}
