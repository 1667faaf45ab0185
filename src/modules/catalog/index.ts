// Catalog owns categories, products and their variants (the SKUs that are sold, with price and barcode).
// What chat shows and what orders snapshot comes from here.
export * from './catalog.repository.ts';
export * from './catalog.schemas.ts';
export * from './products.repository.ts';
export * from './media.ts';
export * from './csv.ts';
