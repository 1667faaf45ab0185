/** Thai carriers and where a customer tracks a parcel; {n} is replaced by the tracking number. */
export const carriers = {
  kerry: { name: 'Kerry Express', trackingUrl: 'https://th.kerryexpress.com/th/track/?track={n}' },
  flash: { name: 'Flash Express', trackingUrl: 'https://www.flashexpress.co.th/fle/tracking?se={n}' },
  jt: { name: 'J&T Express', trackingUrl: 'https://www.jtexpress.co.th/service/track?billcode={n}' },
  thaipost: { name: 'Thailand Post', trackingUrl: 'https://track.thailandpost.co.th/?trackNumber={n}' },
  ninjavan: { name: 'Ninja Van', trackingUrl: 'https://www.ninjavan.co/th-th/tracking?id={n}' },
  scg: { name: 'SCG Express', trackingUrl: 'https://www.scgexpress.co.th/tracking/detail/{n}' },
  dhl: { name: 'DHL', trackingUrl: 'https://www.dhl.com/th-en/home/tracking.html?tracking-id={n}' },
} as const;

export type CarrierCode = keyof typeof carriers;

/** Matches what staff type ("Kerry", "J&T", "ไปรษณีย์ไทย", "EMS") to a known carrier; unknown carriers are still allowed. */
export function resolveCarrier(input: string): { code: CarrierCode | null; name: string; trackingUrl: (n: string) => string | null } {
  const key = input.toLowerCase().replace(/[\s&_.-]/g, '');
  const aliases: Record<string, CarrierCode> = {
    kerry: 'kerry', kerryexpress: 'kerry', kex: 'kerry',
    flash: 'flash', flashexpress: 'flash',
    jt: 'jt', jtexpress: 'jt', jandt: 'jt',
    thaipost: 'thaipost', thailandpost: 'thaipost', ems: 'thaipost', ไปรษณีย์ไทย: 'thaipost', ไปรษณีย์: 'thaipost',
    ninjavan: 'ninjavan', ninja: 'ninjavan',
    scg: 'scg', scgexpress: 'scg',
    dhl: 'dhl', dhlecommerce: 'dhl',
  };
  const code = aliases[key] ?? null;
  if (!code) return { code: null, name: input.trim(), trackingUrl: () => null };
  const c = carriers[code];
  return { code, name: c.name, trackingUrl: (n) => c.trackingUrl.replace('{n}', encodeURIComponent(n)) };
}
