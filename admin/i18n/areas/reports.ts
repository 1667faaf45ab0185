import { defineTexts } from '../define.ts';

/** Texts of the back office's reports pages. */
export const reportsTexts = defineTexts({
  en: {},
  th: {},
});
