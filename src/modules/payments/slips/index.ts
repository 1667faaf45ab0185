// Reading payment slip images: the slip's QR, its printed text (OCR in worker threads, one
// concurrency budget per process) and the fields cross-checked, each with a confidence.
export { createSlipReader, REVIEW_BELOW, type SlipField, type SlipReader, type SlipReaderOptions, type SlipReading } from './reader.ts';
export { defaultOcrWorkers } from './ocr-pool.ts';
export { extractSlipFields, type SlipParty, type SlipTextFields } from './slip-text.ts';
export { normalizeThaiText } from './thai.ts';
export { parseSlipQr, type SlipQr } from './slip-qr.ts';
export { namesMatch } from './names.ts';
