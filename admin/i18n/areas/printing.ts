import { defineTexts } from '../define.ts';

/** Texts of the back office's printing pages. */
export const printingTexts = defineTexts({
  en: {},
  th: {},
});
