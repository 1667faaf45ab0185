import { bankName, type PayAccount } from '#src/modules/payments/banks.ts';

/** The shop's accounts as customers copy them: one per line, bank, number (as banks print it) and holder. */
export function accountLines(accounts: readonly PayAccount[], locale: 'th' | 'en'): string {
  const holder = locale === 'th' ? 'ชื่อบัญชี' : 'account name';
  return accounts
    .map((a) => `• ${[bankName(a.bank, locale), spaced(a.number), `${holder} ${a.name}`].filter(Boolean).join(' ')}`)
    .join('\n');
}

/** 1234567890 → 123-4-56789-0, as Thai banks print ten-digit numbers; other lengths as they are. */
function spaced(n: string): string {
  const m = /^(\d{3})(\d)(\d{5})(\d)$/.exec(n);
  return m ? `${m[1]}-${m[2]}-${m[3]}-${m[4]}` : n;
}
