/**
 * The web chat shows its pictures from the page's own origin: the transcript holds addresses built on
 * PUBLIC_URL (the payment QR, product photos), and a page opened at another host name (a LAN address,
 * a second domain, 127.0.0.1 instead of localhost) would see them refused by its CSP or not reach them.
 * Addresses under PUBLIC_URL become paths; others (a product photo on a CDN) are left as they are.
 */
export function sameOriginUrl(url: string, publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  if (!url.startsWith(`${base}/`)) return url;
  let prefix = '';
  try {
    // PUBLIC_URL may carry a path (https://shop.example/talad): keep what the page is served under.
    prefix = new URL(base).pathname.replace(/\/+$/, '');
  } catch {
    return url;
  }
  return `${prefix}${url.slice(base.length)}`;
}

/** The transcript parts with every picture address made relative to the page's own origin. */
export function sameOriginParts(parts: unknown, publicUrl: string): unknown {
  if (!Array.isArray(parts)) return parts;
  return parts.map((part: unknown) => {
    if (!part || typeof part !== 'object') return part;
    const p = part as { type?: unknown; url?: unknown; cards?: unknown };
    if (p.type === 'image' && typeof p.url === 'string') return { ...p, url: sameOriginUrl(p.url, publicUrl) };
    if (p.type === 'products' && Array.isArray(p.cards)) {
      return {
        ...p,
        cards: p.cards.map((c: unknown) => {
          const card = c as { imageUrl?: unknown } | null;
          return card && typeof card.imageUrl === 'string' ? { ...card, imageUrl: sameOriginUrl(card.imageUrl, publicUrl) } : c;
        }),
      };
    }
    return part;
  });
}
