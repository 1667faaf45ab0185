/**
 * A group of back-office texts kept beside the pages that use them: English keys and values, and a
 * Thai text for every key (the type refuses a missing one).
 */
export function defineTexts<const E extends Record<string, string>>(texts: { en: E; th: { [K in keyof E]: string } }) {
  return texts;
}
