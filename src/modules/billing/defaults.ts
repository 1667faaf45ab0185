/** How invoices are made when a caller does not say: VAT registration and the time zone that names the year's series. */
export interface BillingOptions {
  vatRegistered: boolean;
  timeZone: string;
}

let provider: () => BillingOptions = () => ({ vatRegistered: false, timeZone: 'Asia/Bangkok' });

/**
 * The running shop's billing options. Invoices are issued deep inside the order-status workflow, which
 * many callers reach without the config; the app registers a reader of its live config once at start,
 * so a setting changed in the back office applies to the next invoice.
 */
export function useBillingDefaults(read: () => BillingOptions): void {
  provider = read;
}

export function billingDefaults(): BillingOptions {
  return provider();
}
