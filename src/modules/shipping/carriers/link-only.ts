/**
 * The shop's carrier list and the simplest carrier: staff type or scan the number, Talad keeps the
 * tracking link (Kerry, J&T, SPX, Ninja Van, SCG, DHL, a shop's own carrier); status comes from the
 * merchant. `{tracking}` in a link template is replaced by the tracking number. The built-in Thai
 * carriers are the default; the shop's settings may switch them off, change their links and add its own
 * (config.shop.carriers), and the registry (index.ts) turns that one list into adapters.
 */
import type { Carrier } from './port.ts';

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
 * The carrier of the list that staff typed or a shipment stored ("Kerry", "J&T", "ไปรษณีย์ไทย", "EMS", a
 * custom carrier's code or name); undefined for a carrier the list does not know.
 */
export function findCarrierSetting(input: string, list: readonly CarrierSetting[]): CarrierSetting | undefined {
  const key = normalize(input);
  return (
    list.find((c) => c.code === input.trim() || normalize(c.code) === key || normalize(c.name) === key) ??
    (aliases[key] ? list.find((c) => c.code === aliases[key]) : undefined)
  );
}

export function createLinkOnlyCarrier(setting: Pick<CarrierSetting, 'code' | 'name' | 'trackingUrl'>): Carrier {
  return {
    code: setting.code,
    name: setting.name,
    trackingUrl: (n) => trackingLink(setting.trackingUrl, n),
  };
}
