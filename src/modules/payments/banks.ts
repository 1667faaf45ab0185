// Thai banks as they appear on transfer slips: the 3-digit code carried in a
// slip's verification QR, names, and words OCR can use to spot the bank.

export type BankInfo = {
  code: string;
  short: string;
  nameTh: string;
  nameEn: string;
  /**
   * App names and word-marks printed in a slip's header. They name the
   * sending bank, unlike the `ธ.xxx` lines that also appear for the receiver.
   */
  appKeywords: string[];
  /** Bank names as printed in the body, e.g. `ธ.กสิกรไทย`, `Bangkok Bank`. */
  nameKeywords: string[];
};

/** A bank account the shop takes transfers to, as Settings keeps it: the bank's code ('' when unknown), number and holder. */
export interface PayAccount {
  bank: string;
  number: string;
  name: string;
}

/** The bank's name for a customer to read ("ธนาคารกสิกรไทย"); '' for an unknown code. */
export function bankName(code: string, locale: 'th' | 'en'): string {
  const bank = BANKS.find((b) => b.code === code);
  return bank ? (locale === 'th' ? bank.nameTh : bank.nameEn) : '';
}

export const BANKS: readonly BankInfo[] = [
  {
    code: '002',
    short: 'BBL',
    nameTh: 'ธนาคารกรุงเทพ',
    nameEn: 'Bangkok Bank',
    appKeywords: ['Bangkok Bank', 'Bualuang', 'BBL'],
    nameKeywords: ['กรุงเทพ', 'Bangkok Bank', 'BBL'],
  },
  {
    code: '004',
    short: 'KBANK',
    nameTh: 'ธนาคารกสิกรไทย',
    nameEn: 'Kasikornbank',
    appKeywords: ['K PLUS', 'K+', 'KPLUS', 'K-PLUS', 'KBANK'],
    nameKeywords: ['กสิกรไทย', 'กสิกร', 'Kasikorn', 'KBANK'],
  },
  {
    code: '006',
    short: 'KTB',
    nameTh: 'ธนาคารกรุงไทย',
    nameEn: 'Krungthai Bank',
    appKeywords: ['Krungthai NEXT', 'Krungthai', 'KTB NEXT'],
    nameKeywords: ['กรุงไทย', 'Krungthai', 'Krung Thai', 'KTB'],
  },
  {
    code: '011',
    short: 'TTB',
    nameTh: 'ธนาคารทหารไทยธนชาต',
    nameEn: 'TMBThanachart Bank',
    appKeywords: ['ttb touch', 'ttb.', 'ttb'],
    nameKeywords: ['ทหารไทยธนชาต', 'ทหารไทย', 'ธนชาต', 'TMBThanachart', 'ttb'],
  },
  {
    code: '014',
    short: 'SCB',
    nameTh: 'ธนาคารไทยพาณิชย์',
    nameEn: 'Siam Commercial Bank',
    appKeywords: ['SCB EASY', 'SCBEASY', 'SCB'],
    nameKeywords: ['ไทยพาณิชย์', 'Siam Commercial', 'SCB'],
  },
  {
    code: '022',
    short: 'CIMB',
    nameTh: 'ธนาคารซีไอเอ็มบี ไทย',
    nameEn: 'CIMB Thai Bank',
    appKeywords: ['CIMB THAI', 'CIMB Clicks'],
    nameKeywords: ['ซีไอเอ็มบี', 'CIMB'],
  },
  {
    code: '024',
    short: 'UOB',
    nameTh: 'ธนาคารยูโอบี',
    nameEn: 'United Overseas Bank (Thai)',
    appKeywords: ['UOB TMRW', 'TMRW'],
    nameKeywords: ['ยูโอบี', 'UOB'],
  },
  {
    code: '025',
    short: 'BAY',
    nameTh: 'ธนาคารกรุงศรีอยุธยา',
    nameEn: 'Bank of Ayudhya (Krungsri)',
    appKeywords: ['krungsri', 'KMA', 'Krungsri Mobile'],
    nameKeywords: ['กรุงศรีอยุธยา', 'กรุงศรี', 'Krungsri', 'Ayudhya', 'BAY'],
  },
  {
    code: '030',
    short: 'GSB',
    nameTh: 'ธนาคารออมสิน',
    nameEn: 'Government Savings Bank',
    appKeywords: ['MyMo', 'My Mo'],
    nameKeywords: ['ออมสิน', 'Government Savings', 'GSB'],
  },
  {
    code: '033',
    short: 'GHB',
    nameTh: 'ธนาคารอาคารสงเคราะห์',
    nameEn: 'Government Housing Bank',
    appKeywords: ['GHB ALL'],
    nameKeywords: ['อาคารสงเคราะห์', 'ธอส', 'GHB'],
  },
  {
    code: '034',
    short: 'BAAC',
    nameTh: 'ธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร',
    nameEn: 'Bank for Agriculture and Agricultural Cooperatives',
    appKeywords: ['A-Mobile', 'BAAC'],
    nameKeywords: ['เพื่อการเกษตร', 'ธ.ก.ส', 'ธกส', 'BAAC'],
  },
  {
    code: '066',
    short: 'ISBT',
    nameTh: 'ธนาคารอิสลามแห่งประเทศไทย',
    nameEn: 'Islamic Bank of Thailand',
    appKeywords: ['iBank'],
    nameKeywords: ['อิสลาม', 'Islamic Bank', 'ISBT'],
  },
  {
    code: '067',
    short: 'TISCO',
    nameTh: 'ธนาคารทิสโก้',
    nameEn: 'TISCO Bank',
    appKeywords: ['TISCO My Wealth'],
    nameKeywords: ['ทิสโก้', 'TISCO'],
  },
  {
    code: '069',
    short: 'KKP',
    nameTh: 'ธนาคารเกียรตินาคินภัทร',
    nameEn: 'Kiatnakin Phatra Bank',
    appKeywords: ['KKP Mobile'],
    nameKeywords: ['เกียรตินาคิน', 'Kiatnakin', 'KKP'],
  },
  {
    code: '071',
    short: 'TCRB',
    nameTh: 'ธนาคารไทยเครดิต',
    nameEn: 'Thai Credit Bank',
    appKeywords: ['Thai Credit'],
    nameKeywords: ['ไทยเครดิต', 'Thai Credit', 'TCRB'],
  },
  {
    code: '073',
    short: 'LHB',
    nameTh: 'ธนาคารแลนด์ แอนด์ เฮ้าส์',
    nameEn: 'Land and Houses Bank',
    appKeywords: ['LH Bank'],
    nameKeywords: ['แลนด์ แอนด์ เฮ้าส์', 'แลนด์แอนด์เฮ้าส์', 'LH Bank', 'LHB'],
  },
];

const BY_CODE = new Map(BANKS.map((bank) => [bank.code, bank]));
const BY_SHORT = new Map(BANKS.map((bank) => [bank.short, bank]));

export function bankByCode(code: string): BankInfo | null {
  return BY_CODE.get(code) ?? null;
}

export function bankByShort(short: string): BankInfo | null {
  return BY_SHORT.get(short.toUpperCase()) ?? null;
}
