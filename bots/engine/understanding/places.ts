/**
 * Thailand's provinces, districts, sub-districts and postcodes from the thai-address-universal
 * package (7,498 sub-district rows shipped inside it; nothing is fetched). Loaded once when this
 * module is first imported, then looked up synchronously.
 */
import { getDatabase, searchAddressByPostalCode, setEngMode } from 'thai-address-universal';

export interface PlaceRow {
  province: string;
  district: string;
  subdistrict: string;
  postcode: string;
  /** The district's English name ("Watthana"); the package's English sub-district names are too rough to use. */
  districtEn: string;
  /** The names without tone marks, lower case: what typed text is compared with. */
  plain: { district: string; subdistrict: string; districtEn: string };
}

export interface Province {
  th: string;
  en: string;
  /** Lower-case spellings people type, longest first. */
  spellings: string[];
}

import { withoutTones } from './normalize.ts';

const BANGKOK = 'กรุงเทพมหานคร';

async function load(): Promise<{ rows: PlaceRow[]; provinces: Province[] }> {
  await searchAddressByPostalCode('10200', 1);
  const th = getDatabase().slice();
  await setEngMode(true);
  const en = getDatabase().slice();
  await setEngMode(false);
  const rows = th.map((r, i) => ({
    province: r.province,
    district: r.district,
    subdistrict: r.sub_district,
    postcode: String(r.postal_code),
    districtEn: en[i]?.postal_code === r.postal_code ? en[i]!.district : '',
  }));
  for (const r of rows) {
    (r as PlaceRow).plain = { district: withoutTones(r.district), subdistrict: withoutTones(r.subdistrict), districtEn: r.districtEn.toLowerCase() };
  }
  // The provinces from the two tables, not from the package's getProvinces(): that loads and keeps a third
  // copy of every row joined with geocodes (2.7 MB of heap for the rest of the process) to list 77 names.
  const provinceNames = new Map<string, string>();
  th.forEach((r, i) => {
    if (!provinceNames.has(r.province)) provinceNames.set(r.province, en[i]?.province ?? '');
  });
  const provinces = [...provinceNames].map(([nameTh, nameEn]) => {
    const extra = nameTh === BANGKOK ? ['กทม', 'กทม.', 'กรุงเทพ', 'กรุงเทพฯ', 'กรุงเทพ ฯ', 'bkk', 'krungthep', 'bangkok'] : [];
    const spellings = [nameTh, nameEn.toLowerCase(), ...extra].sort((a, b) => b.length - a.length);
    return { th: nameTh, en: nameEn, spellings };
  });
  return { rows: rows as PlaceRow[], provinces };
}

const data = await load();

export const provinces: readonly Province[] = data.provinces;

/** Every sub-district row of the table. */
export const placeRows: readonly PlaceRow[] = data.rows;

const byPostcode = new Map<string, PlaceRow[]>();
const byProvince = new Map<string, PlaceRow[]>();
const add = <K>(map: Map<K, PlaceRow[]>, key: K, row: PlaceRow) => {
  const list = map.get(key);
  if (list) list.push(row);
  else map.set(key, [row]);
};
for (const row of data.rows) {
  add(byPostcode, row.postcode, row);
  add(byProvince, row.province, row);
}

const bySubdistrict = new Map<string, PlaceRow[]>();
for (const row of data.rows) add(bySubdistrict, row.plain.subdistrict, row);

const districtProvinces = new Map<string, Set<string>>();
for (const row of data.rows) {
  const names = [row.plain.district, row.plain.district.replace(/^เมือง/, '')].filter(Boolean);
  for (const name of names) districtProvinces.set(name, (districtProvinces.get(name) ?? new Set()).add(row.province));
}

/** The provinces that have a district of this name (tone marks off; "เมือง…" also without it); empty when none has. */
export function provincesOfDistrict(plainName: string): ReadonlySet<string> {
  return districtProvinces.get(plainName) ?? new Set();
}

/** Rows of the sub-districts named after ต./ตำบล/แขวง in the text (tone marks off): where no postcode or province was typed. */
export function rowsOfMarkedSubdistricts(plainText: string): PlaceRow[] {
  return [...plainText.matchAll(/(?:ต\.|ตำบล|แขวง)\s*([\u0E01-\u0E4E]+)/g)].flatMap((m) => bySubdistrict.get(m[1]!) ?? []);
}

export function rowsOfPostcode(postcode: string): readonly PlaceRow[] {
  return byPostcode.get(postcode) ?? [];
}

export function rowsOfProvince(province: string): readonly PlaceRow[] {
  return byProvince.get(province) ?? [];
}

/** Words of the romanised district names ("khlong", "toei", "watthana"): tell an English place from a name. */
export const romanPlaceWords: ReadonlySet<string> = new Set(
  data.rows.flatMap((r) => r.districtEn.toLowerCase().split(/\s+/)).filter((w) => w.length > 2),
);
