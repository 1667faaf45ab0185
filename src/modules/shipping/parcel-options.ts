import type { SecretBox } from '../../lib/secret-box.ts';
import type { CarrierCredentials } from './carriers/index.ts';

/** How the shop books and follows parcels (Settings → carriers; the environment gives these defaults). */
export interface ParcelOptions {
  /** Which carrier news the customer hears in chat: the number and link at booking, out for delivery, delivered. */
  messages: { booked: boolean; outForDelivery: boolean; delivered: boolean };
  /** The weight sent for a parcel whose products have no weight. */
  defaultWeightGrams: number;
  /** The carrier each warehouse books with by default (warehouse id → carrier code); absent = the first carrier that books. */
  warehouseCarriers: Record<string, string>;
}

export const defaultParcelOptions: ParcelOptions = {
  messages: { booked: true, outForDelivery: true, delivered: true },
  defaultWeightGrams: 500,
  warehouseCarriers: {},
};

/** Credentials saved in Settings: the secrets sealed with the installation's secret box. */
export interface CarrierSecrets {
  flash?: { mchId: string; secretKey: string } | undefined;
  thaipost?: { apiKey: string } | undefined;
}

/** The label a secret is sealed under: a sealed Flash key pasted into another field does not open. */
export const carrierSecretLabel = { flash: 'carriers.flash.secretKey', thaipost: 'carriers.thaipost.apiKey' } as const;

/**
 * The credentials the carriers are built with: what Settings saved (opened) over the environment's; the
 * base URLs always from the environment (production by default, a fake in tests). A secret that does not
 * open (SETTINGS_KEY changed) leaves that carrier on the environment's credentials.
 */
export function effectiveCarrierCredentials(
  env: CarrierCredentials,
  saved: CarrierSecrets,
  box: SecretBox,
  baseUrls: { flash: string; thaipost: string },
): CarrierCredentials {
  const open = (sealed: string, label: string) => {
    try {
      return box.open(sealed, label);
    } catch {
      return undefined;
    }
  };
  const flashKey = saved.flash && open(saved.flash.secretKey, carrierSecretLabel.flash);
  const postKey = saved.thaipost && open(saved.thaipost.apiKey, carrierSecretLabel.thaipost);
  return {
    flash: saved.flash && flashKey ? { mchId: saved.flash.mchId, secretKey: flashKey, baseUrl: env.flash?.baseUrl ?? baseUrls.flash } : env.flash,
    thaipost: postKey ? { apiKey: postKey, baseUrl: env.thaipost?.baseUrl ?? baseUrls.thaipost } : env.thaipost,
  };
}
