import { defineTexts } from '../define.ts';

/** Texts of the back office's people pages. */
export const peopleTexts = defineTexts({
  en: {},
  th: {},
});
