import { defineTexts } from '../define.ts';

/** Texts of the back office's inventory pages. */
export const inventoryTexts = defineTexts({
  en: {},
  th: {},
});
