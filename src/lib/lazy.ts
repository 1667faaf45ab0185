/**
 * Heavy libraries loaded on first use instead of at start (issue 20): libvips (sharp) and exceljs each
 * cost megabytes of resident memory the idle app never needs. Node caches the module after the first call.
 * (tesseract.js is loaded the same way where it is used; Chromium, for PDFs, is a process of its own.)
 */
export const loadSharp = async () => (await import('sharp')).default;

export const loadExcel = async () => (await import('exceljs')).default;
