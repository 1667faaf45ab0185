/** What the understanding layer reads (text, step, catalog) and what it answers (an Interpretation). */

/** A product the shop sells, as the engine has it (CatalogCard and Sellable fit). */
export interface CatalogItem {
  sku: string;
  nameTh: string;
  nameEn: string;
  options?: Record<string, string> | undefined;
  /** Integer satang; only labels use it. */
  price?: number | undefined;
  /** Other names customers use for it (merchant-given); matched like the names. */
  keywords?: readonly string[] | undefined;
}

/** Where the conversation stands: browsing, asked for delivery details, order summary shown, return under way. */
export type Step = 'browse' | 'address' | 'summary' | 'return';

export type Lang = 'th' | 'en';

export type QuestionTopic = 'shipping_time' | 'shipping_fee' | 'carriers' | 'cod' | 'hours' | 'payment' | 'returns' | 'other';

export type ReturnReason = 'damaged' | 'wrong_item' | 'not_as_described' | 'changed_mind' | 'other';

export interface ItemQty {
  sku: string;
  qty: number;
}

/** A line of an order message that named no single product. */
export type Unresolved =
  | { kind: 'choose'; query: string; qty: number; candidates: string[] }
  | { kind: 'not_found'; query: string; qty: number; suggestions: string[] };

export type AddressField = 'name' | 'phone' | 'address' | 'postcode' | 'province';

export type AddressProblem =
  | { code: 'postcode_unknown'; postcode: string }
  | { code: 'postcode_province_mismatch'; postcode: string; province: string; postcodeProvinces: string[] }
  | { code: 'district_province_mismatch'; district: string; province: string }
  | { code: 'phone_invalid'; text: string };

export interface AddressFields {
  /** Without a title (นาย, คุณ, Mr …); the title, if any, apart. */
  name?: string | undefined;
  title?: string | undefined;
  /** The national number: 0812345678 (mobile) or 021234567 (landline). */
  phone?: string | undefined;
  /** The delivery address as typed, without the name, the phone and their labels (places and postcode included). */
  address?: string | undefined;
  postcode?: string | undefined;
  /** True when the postcode was not typed but follows from the sub-district and district. */
  postcodeInferred?: boolean | undefined;
  /** Official Thai names (กรุงเทพมหานคร for Bangkok). */
  province?: string | undefined;
  district?: string | undefined;
  subdistrict?: string | undefined;
  missing: AddressField[];
  problems: AddressProblem[];
}

export type Interpretation =
  | { intent: 'greeting' }
  | { intent: 'smalltalk' }
  | { intent: 'help' }
  | { intent: 'menu'; category?: number | undefined; page?: number | undefined; search?: string | undefined }
  /** Put these in the cart; `unresolved` are other lines of the same message that need a question. */
  | { intent: 'add'; items: ItemQty[]; unresolved?: Unresolved[] | undefined; approximate?: boolean | undefined }
  /** One name that fits several products: ask which, keeping the quantity. */
  | { intent: 'choose'; query: string; candidates: string[]; qty: number }
  /** Asks for something the shop does not sell; suggestions are near names. */
  | { intent: 'not_found'; query: string; qty?: number | undefined; suggestions: string[] }
  | { intent: 'cart' }
  | { intent: 'clear_cart' }
  | { intent: 'remove'; items: { sku: string }[]; query: string }
  | { intent: 'checkout' }
  | { intent: 'use_saved_address' }
  | { intent: 'confirm' }
  /** Leave the summary for the cart (today's "back" / "แก้ไข"). */
  | { intent: 'back' }
  | { intent: 'cancel_checkout' }
  | { intent: 'edit_address' }
  | ({ intent: 'address' } & AddressFields)
  | { intent: 'status'; order?: string | undefined }
  | { intent: 'reorder' }
  | { intent: 'cancel'; order?: string | undefined }
  | { intent: 'return'; action: 'start'; order?: string | undefined }
  | { intent: 'return'; action: 'pick'; item: number }
  | { intent: 'return'; action: 'reason'; reason: ReturnReason }
  | { intent: 'return'; action: 'done' | 'send' | 'cancel' }
  /** Free text while a return is under way (a quantity, a line number, the reason in the customer's words). */
  | { intent: 'return'; action: 'reply'; text: string }
  | { intent: 'price'; sku?: string | undefined; candidates?: string[] | undefined }
  | { intent: 'stock'; sku?: string | undefined; candidates?: string[] | undefined }
  | { intent: 'question'; topic: QuestionTopic }
  | { intent: 'human' }
  /** After a hand-over: the customer wants the bot back ("คุยกับบอท"). */
  | { intent: 'resume_bot' }
  | { intent: 'stop_reminders' }
  | { intent: 'start_reminders' }
  | { intent: 'lang'; lang: Lang }
  /** Nothing understood (empty, or only symbols). */
  | { intent: 'unknown' };

export type Intent = Interpretation['intent'];
