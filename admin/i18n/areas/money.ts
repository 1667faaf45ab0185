import { defineTexts } from '../define.ts';

/** Texts of the back office's money pages. */
export const moneyTexts = defineTexts({
  en: {},
  th: {},
});
