/**
 * The simplest carrier: staff type or scan the number, Talad keeps the tracking link (Kerry, J&T, SPX,
 * Ninja Van, SCG, DHL, a shop's own carrier); status comes from the merchant.
 */
import { trackingLink, type CarrierSetting } from '../carriers.ts';
import type { Carrier } from './port.ts';

export function createLinkOnlyCarrier(setting: Pick<CarrierSetting, 'code' | 'name' | 'trackingUrl'>): Carrier {
  return {
    code: setting.code,
    name: setting.name,
    trackingUrl: (n) => trackingLink(setting.trackingUrl, n),
  };
}
