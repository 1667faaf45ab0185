import { defineTexts } from '../define.ts';

/** Texts of the back office's channels pages. */
export const channelsTexts = defineTexts({
  en: {},
  th: {},
});
