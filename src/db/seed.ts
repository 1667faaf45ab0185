import type { Db } from './client.ts';
import { withTransaction } from './client.ts';
import { createProduct, ensureCategory } from '../modules/catalog/index.ts';
import { changeStock, createWarehouse, findWarehouseByCode } from '../modules/inventory/index.ts';
import { demoProducts } from './demo-catalog.ts';

/** Loads the demo shop into an empty database: two warehouses, twelve products, opening stock. */
export async function seedDemoCatalog(db: Db): Promise<void> {
  await withTransaction(db, async (tx) => {
    const bkk = (await findWarehouseByCode(tx, 'BKK')) ??
      (await createWarehouse(tx, { code: 'BKK', name: 'คลังกรุงเทพ / Bangkok', address: 'ลาดพร้าว กรุงเทพฯ 10230', priority: 10 }));
    const cnx = (await findWarehouseByCode(tx, 'CNX')) ??
      (await createWarehouse(tx, { code: 'CNX', name: 'คลังเชียงใหม่ / Chiang Mai', address: 'นิมมานเหมินท์ เชียงใหม่ 50200', priority: 5 }));
    for (const p of demoProducts) {
      const categoryId = await ensureCategory(tx, p.category[0], p.category[1]);
      const { variants } = await createProduct(tx, {
        nameTh: p.th,
        nameEn: p.en,
        descriptionTh: p.descTh,
        descriptionEn: p.descEn,
        categoryId,
        lastsDays: p.lastsDays,
        variants: [{ sku: p.sku, price: p.price * 100, currency: 'THB' }],
      });
      for (const [warehouse, qty] of [[bkk, p.stock[0]], [cnx, p.stock[1]]] as const) {
        if (qty === 0) continue;
        await changeStock(tx, {
          warehouseId: warehouse.id,
          variantId: variants[0]!.id,
          onHandDelta: qty,
          reason: 'receive',
          refType: 'seed',
          actor: 'system',
          note: 'demo catalog',
        });
      }
    }
  });
}
