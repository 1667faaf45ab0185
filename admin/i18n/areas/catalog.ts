import { defineTexts } from '../define.ts';

/** Texts of the back office's catalog pages. */
export const catalogTexts = defineTexts({
  en: {},
  th: {},
});
