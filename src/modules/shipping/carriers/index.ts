/**
 * The shop's carriers as adapters, built from its carrier settings and credentials (no module state).
 * Adding a carrier with an API is one adapter file and one line in `adapterFactories`; every other
 * carrier in the settings gets the link-only adapter.
 */
import { createFlashCarrier, type FlashCredentials } from './flash.ts';
import { createLinkOnlyCarrier, findCarrierSetting, type CarrierSetting } from './link-only.ts';
import type { Carrier } from './port.ts';
import { createThaiPostCarrier, type ThaiPostCredentials, type ThaiPostTokenStore } from './thaipost.ts';

export * from './port.ts';
export { createFlashCarrier, FLASH_PRODUCTION_URL, type FlashCarrier, type FlashCredentials, type FlashOptions } from './flash.ts';
export { flashSign, flashSignMatches, flashStringToSign } from './flash-sign.ts';
export {
  createThaiPostCarrier,
  THAIPOST_MAX_BARCODES,
  THAIPOST_PRODUCTION_URL,
  type ThaiPostCarrier,
  type ThaiPostCredentials,
  type ThaiPostOptions,
  type ThaiPostToken,
  type ThaiPostTokenStore,
} from './thaipost.ts';
export { checkS10, s10CheckDigit } from './s10.ts';
export { builtInCarriers, createLinkOnlyCarrier, trackingLink, type CarrierSetting } from './link-only.ts';

/** The credentials of the carriers with an API: from the environment, or from Settings (decrypted). */
export interface CarrierCredentials {
  flash?: FlashCredentials | undefined;
  thaipost?: ThaiPostCredentials | undefined;
}

export interface CarrierDeps {
  thaipostTokenStore?: ThaiPostTokenStore | undefined;
  /** Per call, for every adapter (tests shorten it). */
  timeoutMs?: number | undefined;
}

type AdapterFactory = (setting: CarrierSetting, credentials: CarrierCredentials, deps: CarrierDeps) => Carrier | undefined;

/** The registration of each carrier with an API; undefined (no credentials) falls back to the link-only adapter. */
const adapterFactories: Record<string, AdapterFactory> = {
  flash: (setting, { flash }, deps) => flash && createFlashCarrier({ ...flash, setting, timeoutMs: deps.timeoutMs }),
  thaipost: (setting, { thaipost }, deps) =>
    createThaiPostCarrier({ setting, api: thaipost, tokenStore: deps.thaipostTokenStore, timeoutMs: deps.timeoutMs }),
};

export interface CarrierRegistry {
  /** A carrier of the settings by code, enabled or not (old shipments keep their links). */
  get(code: string): Carrier | undefined;
  /** What staff typed or a shipment stored ("Kerry", "EMS", "ไปรษณีย์ไทย", a custom carrier's name). */
  resolve(input: string): Carrier | undefined;
  /** The carriers the shop ships with, in the settings' order. */
  enabled(): Carrier[];
  /**
   * What staff typed or a shipment stored, as the customer and the pages name it: the carrier of the
   * list with its link, or a carrier the list does not know kept as typed, without a link.
   */
  describe(input: string): CarrierName;
  /** The carriers the shipping forms offer (the enabled ones). */
  choices(): { code: string; name: string }[];
}

export interface CarrierName {
  code: string | null;
  name: string;
  trackingUrl(trackingNumber: string): string | null;
  carrier?: Carrier | undefined;
}

export function createCarrierRegistry(opts: {
  settings: readonly CarrierSetting[];
  credentials?: CarrierCredentials | undefined;
  deps?: CarrierDeps | undefined;
}): CarrierRegistry {
  const byCode = new Map<string, Carrier>();
  for (const setting of opts.settings) {
    const adapter = adapterFactories[setting.code]?.(setting, opts.credentials ?? {}, opts.deps ?? {});
    byCode.set(setting.code, adapter ?? createLinkOnlyCarrier(setting));
  }
  return {
    get: (code) => byCode.get(code),
    resolve(input) {
      const found = findCarrierSetting(input, opts.settings);
      return found && byCode.get(found.code);
    },
    enabled: () => opts.settings.filter((s) => s.enabled).map((s) => byCode.get(s.code)!),
    describe(input) {
      const found = findCarrierSetting(input, opts.settings);
      const carrier = found && byCode.get(found.code);
      if (!carrier) return { code: null, name: input.trim(), trackingUrl: () => null };
      return { code: carrier.code, name: carrier.name, trackingUrl: (n) => carrier.trackingUrl(n), carrier };
    },
    choices: () => opts.settings.filter((s) => s.enabled).map((s) => ({ code: s.code, name: s.name })),
  };
}

/** The shop's carriers as they are now: rebuilt when the carrier settings or credentials change, else the same adapters (their pacing and tokens kept). */
export interface CarrierDirectory {
  registry(): CarrierRegistry;
}

export function createCarrierDirectory(opts: {
  settings: () => readonly CarrierSetting[];
  credentials: () => CarrierCredentials;
  deps?: CarrierDeps | undefined;
}): CarrierDirectory {
  let built: { key: string; registry: CarrierRegistry } | undefined;
  return {
    registry() {
      const settings = opts.settings();
      const credentials = opts.credentials();
      const key = JSON.stringify([settings, credentials]);
      if (built?.key !== key) built = { key, registry: createCarrierRegistry({ settings, credentials, deps: opts.deps }) };
      return built.registry;
    },
  };
}
