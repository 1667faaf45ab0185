import { describe, expect, it } from 'vitest';
import { sameOriginParts, sameOriginUrl } from '#bots/webchat/same-origin.ts';

describe('web chat pictures from the page origin', () => {
  it('turns addresses under PUBLIC_URL into paths and leaves others alone', () => {
    expect(sameOriginUrl('http://localhost:3000/pay/TL-10001.png?s=abc', 'http://localhost:3000')).toBe('/pay/TL-10001.png?s=abc');
    expect(sameOriginUrl('https://shop.example/talad/media/products/3/a.webp', 'https://shop.example/talad/')).toBe('/talad/media/products/3/a.webp');
    expect(sameOriginUrl('https://cdn.example/rice.webp', 'https://shop.example')).toBe('https://cdn.example/rice.webp');
    // Same host name, other port: not the shop's.
    expect(sameOriginUrl('https://shop.example:8443/pay/x.png', 'https://shop.example')).toBe('https://shop.example:8443/pay/x.png');
  });

  it('rewrites the QR picture and the product photos of a transcript entry', () => {
    const parts = [
      { type: 'text', text: 'ชำระ ฿490.00' },
      { type: 'image', url: 'http://localhost:3000/pay/TL-10001.png?s=abc', altText: 'QR' },
      { type: 'products', altText: 'สินค้า', cards: [{ sku: 'RICE-5', imageUrl: 'http://localhost:3000/media/products/1/a.webp' }, { sku: 'TEA-1' }] },
    ];
    expect(sameOriginParts(parts, 'http://localhost:3000')).toEqual([
      parts[0],
      { type: 'image', url: '/pay/TL-10001.png?s=abc', altText: 'QR' },
      { type: 'products', altText: 'สินค้า', cards: [{ sku: 'RICE-5', imageUrl: '/media/products/1/a.webp' }, { sku: 'TEA-1' }] },
    ]);
  });
});
