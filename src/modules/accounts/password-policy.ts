// One password rule for every place a password is set: the first owner (ADMIN_PASSWORD), the owner's
// staff accounts and resets, and one's own change. At least 12 characters, and not one of the
// passwords that are tried first (common lists, keyboard runs, a character repeated, the shop's words).

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;

/** The most used passwords of breach lists at 12+ characters, and the phrases Thai users pick most; compared lower-cased without spaces. */
const COMMON = new Set(
  `123456789012 1234567890123 12345678910 1234567890qwerty 123456789abc 123456789qwe 1q2w3e4r5t6y 1q2w3e4r5t6y7u
  qwertyuiopas qwertyuiop12 qwertyuiop123 qwerty123456 qwerty12345678 qwertyuiopasdfgh asdfghjkl123 asdfghjkl;' zxcvbnm12345
  1qaz2wsx3edc 1qaz2wsx3edc4rfv qazwsxedcrfv zaq12wsxcde3 !qaz2wsx#edc password1234 password12345 password123456 passw0rd1234
  password!234 p@ssw0rd1234 p@ssword1234 passwordpassword mypassword123 letmein12345 letmein123456 welcome12345 welcome123456
  iloveyou1234 iloveyou12345 iloveyou123456 abc123456789 abcd12345678 abcdefghijkl abcdefgh1234 abcdef123456 aa123456789
  a123456789012 qwerty123qwerty football1234 baseball1234 superman1234 sunshine1234 princess1234 dragon123456 monkey123456
  master123456 michael12345 shadow123456 trustno11234 starwars1234 whatever1234 administrator admin1234567 admin12345678
  administrator1 changeme1234 changeme12345 default12345 secret123456 computer1234 internet1234 samsung12345 iphone123456
  thailand1234 thailand12345 bangkok12345 bangkok123456 kraisorn1234 rakthai12345 chiangmai123 sawasdee1234 sawadee12345
  khopkhun1234 iloveyouthai 0812345678910 0891234567890 talad1234567 taladshop123 shop12345678 myshop123456 ร้านค้า12345678
  รักคุณ123456789 สวัสดี123456789 รหัสผ่าน12345678 ขอบคุณ123456789 correcthorsebatterystaple`.split(/\s+/),
);

const RUNS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz2wsx3edc4rfv5tgb', 'กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ'];

/** Why this password may not be used, as a message key; undefined when it may. */
export function passwordProblem(password: string, words: string[] = []): 'field.tooShort' | 'field.passwordCommon' | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'field.tooShort';
  const p = password.toLowerCase().replace(/\s+/g, '');
  if (COMMON.has(p)) return 'field.passwordCommon';
  // Few different characters: "aaaaaaaaaaaa", "abababababab", "111122221111".
  if (new Set(p).size <= 3) return 'field.passwordCommon';
  // A keyboard or alphabet run, forwards or backwards, possibly repeated: "123456789012", "qwertyuiopqwe".
  const unrun = RUNS.reduce((s, run) => {
    let out = s;
    for (let len = run.length; len >= 4; len--) {
      for (let i = 0; i + len <= run.length; i++) {
        const piece = run.slice(i, i + len);
        out = out.split(piece).join('').split([...piece].reverse().join('')).join('');
      }
    }
    return out;
  }, p);
  if (unrun.length <= 3) return 'field.passwordCommon';
  // The shop's or the person's own words, padded with digits: "ร้านตลาดดี2567", "somchai12345".
  for (const w of words.map((x) => x.toLowerCase().replace(/\s+/g, '')).filter((x) => x.length >= 4)) {
    if (p.replace(w, '').replace(/[\d\W_]/g, '').length <= 2) return 'field.passwordCommon';
  }
  return undefined;
}
