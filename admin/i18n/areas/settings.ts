import { defineTexts } from '../define.ts';

/** Texts of the back office's settings pages. */
export const settingsTexts = defineTexts({
  en: {},
  th: {},
});
