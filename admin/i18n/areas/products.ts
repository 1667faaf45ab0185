import { defineTexts } from '../define.ts';

/** Texts of the back office's products pages. */
export const productsTexts = defineTexts({
  en: {},
  th: {},
});
