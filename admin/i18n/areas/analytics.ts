import { defineTexts } from '../define.ts';

/** Texts of the back office's analytics pages. */
export const analyticsTexts = defineTexts({
  en: {},
  th: {},
});
