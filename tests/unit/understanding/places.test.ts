import { describe, expect, it } from 'vitest';
import { placeRows, provinces, rowsOfProvince } from '#bots/engine/understanding/places.ts';

describe('the table of places', () => {
  it('lists the 77 provinces once each, in Thai and English, each with its sub-districts', () => {
    expect(provinces).toHaveLength(77);
    expect(new Set(provinces.map((p) => p.th)).size).toBe(77);
    expect(new Set(placeRows.map((r) => r.province))).toEqual(new Set(provinces.map((p) => p.th)));
    for (const p of provinces) {
      expect(p.en).toMatch(/^[A-Z][A-Za-z .-]+$/);
      expect(rowsOfProvince(p.th).length).toBeGreaterThan(0);
      expect(p.spellings).toContain(p.th);
      expect(p.spellings).toContain(p.en.toLowerCase());
    }
    expect(provinces.find((p) => p.th === 'เชียงใหม่')?.en).toBe('Chiang Mai');
    expect(provinces.find((p) => p.th === 'สงขลา')?.en).toBe('Songkhla');
    const bangkok = provinces.find((p) => p.th === 'กรุงเทพมหานคร');
    expect(bangkok?.en).toBe('Bangkok');
    expect(bangkok?.spellings).toEqual(expect.arrayContaining(['กทม', 'กรุงเทพฯ', 'bkk']));
  });
});
