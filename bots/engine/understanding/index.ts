/**
 * Understanding what customers type: text + conversation step + catalog → an Interpretation.
 * Pure and synchronous (no database, no I/O); the engine decides what to do with it.
 */
export { understand, type UnderstandOptions } from './understand.ts';
export { indexCatalog, type CatalogIndex } from './catalog.ts';
export { parseAddress, looksLikeAddress } from './address.ts';
export { choiceButtons, type ChoiceButton, type ChoiceOptions } from './labels.ts';
export type * from './types.ts';
export { answerFromFaq, meaningWords, type FaqEntry } from './faq.ts';
