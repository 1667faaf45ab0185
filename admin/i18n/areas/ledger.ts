import { defineTexts } from '../define.ts';

/** Texts of the back office's ledger pages. */
export const ledgerTexts = defineTexts({
  en: {},
  th: {},
});
