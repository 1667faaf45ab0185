import { defineTexts } from '../define.ts';

/** Texts of the back office's returns pages. */
export const returnsTexts = defineTexts({
  en: {},
  th: {},
});
