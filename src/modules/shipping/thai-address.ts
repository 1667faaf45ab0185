/**
 * A Thai address as one line of text ("12 ถ.นิมมานเหมินท์ ต.สุเทพ อ.เมืองเชียงใหม่ จ.เชียงใหม่ 50200",
 * "99/1 สุขุมวิท 21 แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพมหานคร 10110") split into what a carrier's form
 * asks for. Only what the text marks is taken (ต./ตำบล/แขวง, อ./อำเภอ/เขต, จ./จังหวัด, a 5-digit
 * postcode); Bangkok is recognised by name. What cannot be found stays empty, and the booking refuses it
 * with the field named, rather than guessing.
 */
export interface ThaiAddressParts {
  /** The rest: house number, village, street. */
  detail: string;
  subdistrict: string;
  district: string;
  province: string;
  postcode: string;
}

const BANGKOK = 'กรุงเทพมหานคร';
const bangkokNames = /(?:^|\s)(กรุงเทพมหานคร|กรุงเทพฯ?|กทม\.?|bangkok)(?=\s|$)/i;

function take(text: string, pattern: RegExp): { value: string; rest: string } {
  const m = pattern.exec(text);
  if (!m) return { value: '', rest: text };
  return { value: m[1]!.trim(), rest: `${text.slice(0, m.index)} ${text.slice(m.index + m[0].length)}` };
}

export function parseThaiAddress(address: string, postcode?: string | undefined): ThaiAddressParts {
  let rest = ` ${address.replace(/\s+/g, ' ').trim()} `;
  const code = take(rest, /(?:^|\s)(\d{5})(?=\s|$)/);
  rest = code.rest;
  const province = take(rest, /(?:^|\s)(?:จ\.|จังหวัด)\s*([^\s]+)/);
  rest = province.rest;
  const district = take(rest, /(?:^|\s)(?:อ\.|อำเภอ|เขต)\s*([^\s]+)/);
  rest = district.rest;
  const subdistrict = take(rest, /(?:^|\s)(?:ต\.|ตำบล|แขวง)\s*([^\s]+)/);
  rest = subdistrict.rest;
  let provinceName = province.value;
  if (!provinceName) {
    const bkk = take(rest, bangkokNames);
    if (bkk.value) {
      provinceName = BANGKOK;
      rest = bkk.rest;
    }
  }
  return {
    detail: rest.replace(/\s+/g, ' ').trim(),
    subdistrict: subdistrict.value,
    district: district.value,
    province: provinceName,
    postcode: (postcode ?? '').trim() || code.value,
  };
}
