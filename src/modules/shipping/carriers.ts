/**
 * Carriers and where a customer tracks a parcel; `{tracking}` in a template is replaced by the
 * tracking number. The built-in Thai carriers are the default; the shop's settings may switch them off,
 * change their links and add its own: callers pass the live list, config.shop.carriers.
 */
export interface CarrierSetting {
  /** Short and stable: what the shipping forms send and what aliases resolve to. */
  code: string;
  name: string;
  /** An https address with `{tracking}`; empty = no tracking link. */
  trackingUrl: string;
  enabled: boolean;
  builtIn: boolean;
}

export const builtInCarriers: readonly CarrierSetting[] = [
  { code: 'kerry', name: 'Kerry Express', trackingUrl: 'https://th.kerryexpress.com/th/track/?track={tracking}', enabled: true, builtIn: true },
  { code: 'flash', name: 'Flash Express', trackingUrl: 'https://www.flashexpress.co.th/fle/tracking?se={tracking}', enabled: true, builtIn: true },
  { code: 'jt', name: 'J&T Express', trackingUrl: 'https://www.jtexpress.co.th/service/track?billcode={tracking}', enabled: true, builtIn: true },
  { code: 'thaipost', name: 'Thailand Post', trackingUrl: 'https://track.thailandpost.co.th/?trackNumber={tracking}', enabled: true, builtIn: true },
  { code: 'ninjavan', name: 'Ninja Van', trackingUrl: 'https://www.ninjavan.co/th-th/tracking?id={tracking}', enabled: true, builtIn: true },
  { code: 'scg', name: 'SCG Express', trackingUrl: 'https://www.scgexpress.co.th/tracking/detail/{tracking}', enabled: true, builtIn: true },
  { code: 'dhl', name: 'DHL', trackingUrl: 'https://www.dhl.com/th-en/home/tracking.html?tracking-id={tracking}', enabled: true, builtIn: true },
];

/** The built-in carriers by code (kept for callers that list them). */
export const carriers = Object.fromEntries(builtInCarriers.map((c) => [c.code, { name: c.name, trackingUrl: c.trackingUrl }])) as Record<
  string,
  { name: string; trackingUrl: string }
>;

export type CarrierCode = string;

/** The carriers the shipping forms offer: the enabled ones. */
export function carrierChoices(list: readonly CarrierSetting[]): { code: string; name: string }[] {
  return list.filter((c) => c.enabled).map((c) => ({ code: c.code, name: c.name }));
}

const normalize = (s: string) => s.toLowerCase().replace(/[\s&_.-]/g, '');

const aliases: Record<string, string> = {
  kerry: 'kerry', kerryexpress: 'kerry', kex: 'kerry',
  flash: 'flash', flashexpress: 'flash',
  jt: 'jt', jtexpress: 'jt', jandt: 'jt',
  thaipost: 'thaipost', thailandpost: 'thaipost', ems: 'thaipost', ไปรษณีย์ไทย: 'thaipost', ไปรษณีย์: 'thaipost',
  ninjavan: 'ninjavan', ninja: 'ninjavan',
  scg: 'scg', scgexpress: 'scg',
  dhl: 'dhl', dhlecommerce: 'dhl',
};

/** A tracking link from a template, or null when the carrier has none. */
export function trackingLink(template: string, trackingNumber: string): string | null {
  if (!template) return null;
  return template.replaceAll('{tracking}', encodeURIComponent(trackingNumber)).replaceAll('{n}', encodeURIComponent(trackingNumber));
}

/**
 * Matches what staff type or what a shipment stored ("Kerry", "J&T", "ไปรษณีย์ไทย", "EMS", a custom
 * carrier's code or name) to a carrier of the list; unknown carriers are still allowed, without a link.
 */
export function resolveCarrier(
  input: string,
  list: readonly CarrierSetting[],
): { code: string | null; name: string; trackingUrl: (n: string) => string | null } {
  const key = normalize(input);
  const found =
    list.find((c) => c.code === input.trim() || normalize(c.code) === key || normalize(c.name) === key) ??
    (aliases[key] ? list.find((c) => c.code === aliases[key]) : undefined);
  if (!found) return { code: null, name: input.trim(), trackingUrl: () => null };
  return { code: found.code, name: found.name, trackingUrl: (n) => trackingLink(found.trackingUrl, n) };
}
