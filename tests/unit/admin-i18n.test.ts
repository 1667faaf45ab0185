import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dictionaries, translator } from '#admin/i18n/index.ts';

type Area = { en: Record<string, string>; th: Record<string, string> };

const areasDir = new URL('../../admin/i18n/areas/', import.meta.url);
const areaFiles = readdirSync(areasDir).filter((f) => f.endsWith('.ts'));
const areas: [string, Area][] = await Promise.all(
  areaFiles.map(async (file) => {
    const exported: Record<string, Area> = await import(new URL(file, areasDir).href);
    const [area] = Object.values(exported);
    return [file, area] as [string, Area];
  }),
);

const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

describe('back-office texts', () => {
  it('reads every area file of admin/i18n/areas', () => {
    expect(areaFiles.length).toBeGreaterThan(10);
    for (const [file, area] of areas) {
      expect(Object.keys(area.en).length, file).toBeGreaterThan(0);
    }
  });

  it('gives every key of every area a Thai and an English text, and no key to two areas', () => {
    const owner = new Map<string, string>();
    for (const [file, area] of areas) {
      expect(Object.keys(area.th).sort(), file).toEqual(Object.keys(area.en).sort());
      for (const [key, en] of Object.entries(area.en)) {
        expect(owner.get(key), `${key} is in ${owner.get(key)} and ${file}`).toBeUndefined();
        owner.set(key, file);
        expect(en.trim(), `${file} en ${key}`).not.toBe('');
        expect(area.th[key]?.trim(), `${file} th ${key}`).toBeTruthy();
      }
    }
    // Every area is composed into the dictionaries, and nothing else is.
    expect(Object.keys(dictionaries.en).sort()).toEqual([...owner.keys()].sort());
    expect(Object.keys(dictionaries.th).sort()).toEqual([...owner.keys()].sort());
  });

  it('uses the same {placeholders} in the Thai and the English text of every key', () => {
    const th: Record<string, string> = dictionaries.th;
    const differing = Object.entries(dictionaries.en)
      .map(([key, en]) => ({ key, en: placeholders(en), th: placeholders(th[key] ?? '') }))
      .filter(({ en, th }) => en.join() !== th.join());
    expect(differing).toEqual([]);
  });

  it('shows Thai first and fills placeholders in either language', () => {
    expect(translator('th')('orders.count', { n: 3 })).toBe('3 คำสั่งซื้อ');
    expect(translator('en')('orders.count', { n: 3 })).toBe('3 orders');
    expect(translator('th')('nav.orders')).toBe('คำสั่งซื้อ');
  });
});
