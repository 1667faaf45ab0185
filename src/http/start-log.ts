/** What the start log says: where the back office and the chat really are, and whether PUBLIC_URL agrees. */
export interface StartLines {
  info: string[];
  warnings: string[];
}

/** The addresses people can open, from what the server listens on (0.0.0.0 and :: as localhost). */
function reachable(addresses: readonly { address: string; port: number; family: string }[]): string[] {
  const out = new Set<string>();
  for (const a of addresses) {
    const host = a.address === '0.0.0.0' || a.address === '::' ? 'localhost' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
    out.add(`http://${host}:${a.port}`);
  }
  return [...out];
}

export function startLines(publicUrl: string, addresses: readonly { address: string; port: number; family: string }[]): StartLines {
  const bases = reachable(addresses);
  const base = bases.find((b) => b.includes('localhost')) ?? bases[0] ?? publicUrl;
  const info = [`Back office: ${base}/admin`, `Web chat: ${base}/chat`, `API documentation: ${base}/docs`];
  const warnings: string[] = [];
  const url = new URL(publicUrl);
  const publicPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  const ports = new Set(addresses.map((a) => a.port));
  // A local PUBLIC_URL must name the port we listen on; a public one usually sits behind a proxy on 443/80.
  if (local && !ports.has(publicPort)) {
    warnings.push(
      `PUBLIC_URL is ${publicUrl} but Talad listens on port ${[...ports].join(', ')}: payment links, LINE and Telegram webhooks would point to the wrong place. Set PUBLIC_URL=${base} (or the public https address that forwards here).`,
    );
  }
  return { info, warnings };
}
