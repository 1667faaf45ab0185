const formatters = new Map<string, Intl.NumberFormat>();

/** Formats minor units for people: 32000 THB → "฿320.00" (th) or "฿320.00" (en); never through floats for sums. */
export function formatMoney(amountMinor: number, currency: string, locale: 'th' | 'en'): string {
  const key = `${locale}:${currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale === 'th' ? 'th-TH' : 'en-US', { style: 'currency', currency, minimumFractionDigits: 2 });
    formatters.set(key, f);
  }
  return f.format(amountMinor / 100);
}

/** Satang as a plain decimal with two places, as CSV files and form fields write it: 125050 → "1250.50", -5 → "-0.05". */
export function decimalAmount(satang: number): string {
  const abs = Math.abs(satang);
  return `${satang < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
