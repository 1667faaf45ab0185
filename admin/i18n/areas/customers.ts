import { defineTexts } from '../define.ts';

/** Texts of the back office's customers pages. */
export const customersTexts = defineTexts({
  en: {},
  th: {},
});
