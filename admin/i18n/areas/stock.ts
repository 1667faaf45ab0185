import { defineTexts } from '../define.ts';

/** Texts of the back office's stock pages. */
export const stockTexts = defineTexts({
  en: {},
  th: {},
});
