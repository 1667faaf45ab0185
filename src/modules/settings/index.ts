// Settings owns shop_settings: what the shop set in the back office, one validated section per row,
// applied onto the live config so every reader of config.shop.*, promptPayId, receivers, merchant and jobs sees it.
export * from './apply.ts';
export * from './service.ts';
export * from './settings.schemas.ts';
export * from './logo.ts';
