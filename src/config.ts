import { builtInCarriers, type CarrierSetting } from './modules/shipping/carriers/link-only.ts';
import { defaultParcelOptions, type CarrierSecrets, type ParcelOptions } from './modules/shipping/parcel-options.ts';
import type { ShippingRules } from './modules/shipping/fees.ts';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { MIN_PASSWORD_LENGTH, passwordProblem } from './modules/accounts/password-policy.ts';

/** An unset variable and an empty one (`FOO=` in a .env file) both mean "not set". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const httpUrl = (fallback: string) => z.url({ protocol: /^https?$/ }).default(fallback);

const postgresUrl = optional(z.string().trim().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'));

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'is not an IANA time zone such as Asia/Bangkok');

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    /** Behind a reverse proxy, trust its X-Forwarded-For (true, or the proxy's addresses); off otherwise so clients cannot fake their address. */
    TRUST_PROXY: z
      .string()
      .trim()
      .default('false')
      .refine(
        (v) => ['true', 'false', ''].includes(v) || v.split(',').every((a) => isProxyAddress(a.trim())),
        'must be false, true, or the reverse proxy\'s addresses (IPs or CIDR ranges, comma-separated), such as 172.28.0.10',
      ),
    DATABASE_URL: postgresUrl,
    DATA_DIR: z.string().default('./data'),
    PUBLIC_URL: httpUrl('http://localhost:3000'),
    ADMIN_EMAIL: z.email().default('owner@talad.local'),
    ADMIN_PASSWORD: optional(
      z
        .string()
        .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
        .refine((p) => passwordProblem(p) === undefined, 'is a common password that is guessed first; choose a longer phrase of your own'),
    ),
    API_TOKEN: optional(z.string().trim().min(16, 'must be at least 16 characters')),
    LINE_CHANNEL_SECRET: optional(z.string().trim()),
    LINE_CHANNEL_ACCESS_TOKEN: optional(z.string().trim()),
    LINE_API_BASE_URL: httpUrl('https://api.line.me'),
    LINE_DATA_API_BASE_URL: httpUrl('https://api-data.line.me'),
    TELEGRAM_BOT_TOKEN: optional(z.string().trim().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456:ABC-DEF... (from @BotFather)')),
    TELEGRAM_WEBHOOK_SECRET: optional(
      z
        .string()
        .min(32, 'must be at least 32 characters (openssl rand -hex 16 makes one)')
        .regex(/^[A-Za-z0-9_-]{1,256}$/, 'may hold only A-Z, a-z, 0-9, _ and - (Telegram rule)'),
    ),
    TELEGRAM_API_ROOT: httpUrl('https://api.telegram.org'),
    TELEGRAM_MODE: z.enum(['webhook', 'polling']).default('webhook'),
    /** Messenger and Instagram direct messages (one Facebook Page and its Instagram account). */
    FACEBOOK_APP_SECRET: optional(z.string().trim()),
    FACEBOOK_PAGE_ACCESS_TOKEN: optional(z.string().trim()),
    FACEBOOK_VERIFY_TOKEN: optional(z.string().trim()),
    FACEBOOK_GRAPH_API_BASE_URL: httpUrl('https://graph.facebook.com'),
    PROMPTPAY_ID: optional(
      z
        .string()
        .transform((v) => v.replace(/[\s-]/g, ''))
        .pipe(z.string().regex(/^(\+?66\d{9}|0\d{9}|\d{13}|\d{15})$/, 'must be a Thai phone, a 13-digit tax id or a 15-digit e-wallet id')),
    ),
    /** A bank-data slip API asked after the local checks pass: none (default) or easyslip. */
    SLIP_VERIFIER: z.enum(['none', 'easyslip']).default('none'),
    SLIP_VERIFIER_URL: httpUrl('https://developer.easyslip.com'),
    SLIP_VERIFIER_API_KEY: optional(z.string().trim().min(8)),
    /** The shop's accounts that slips must be paid to: account numbers or PromptPay ids, comma-separated. */
    RECEIVER_ACCOUNTS: z.string().default(''),
    /** The account holder names as banks print them on slips, comma-separated. */
    RECEIVER_NAMES: z.string().default(''),
    /** Thai + English OCR workers for slips (~100 MB each); unset = by memory: 1 under 3 GB, else up to 2. */
    OCR_WORKERS: optional(z.coerce.number().int().min(1).max(8)),
    /** Sites allowed to show the web chat in a frame (the shop's own website), comma-separated origins; none by default. */
    WEBCHAT_FRAME_ORIGINS: z
      .string()
      .trim()
      .default('')
      .refine((v) => v === '' || v.split(',').every((o) => /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(o.trim())), 'must be https origins such as https://shop.example.com, comma-separated'),
    /** Web-chat photos: megabytes one visitor may keep, all visitors together, and days they are kept (slips and return photos are kept apart). */
    WEBCHAT_UPLOAD_VISITOR_MB: z.coerce.number().min(1).max(1000).default(25),
    WEBCHAT_UPLOAD_TOTAL_MB: z.coerce.number().min(10).max(1_000_000).default(2000),
    WEBCHAT_UPLOAD_KEEP_DAYS: z.coerce.number().min(1).max(3650).default(14),
    SHOP_NAME: z.string().trim().min(1).max(100).default('Talad Shop'),
    /** The shop's profile for receipts, invoices and labels until it is set in the back office. */
    SHOP_ADDRESS: z.string().trim().max(500).default(''),
    SHOP_PHONE: z.string().trim().max(30).default(''),
    SHOP_TAX_ID: optional(z.string().trim().regex(/^\d{13}$/, 'must be the 13-digit Thai tax id')),
    SHOP_VAT_REGISTERED: z.enum(['true', 'false']).default('false'),
    /** Days after delivery in which a customer may ask to return items. */
    RETURN_WINDOW_DAYS: z.coerce.number().int().min(0).max(365).default(7),
    /** Where the merchant hears of new orders and slips to review: a LINE user or group id, a Telegram chat id. */
    MERCHANT_LINE_TO: optional(z.string().trim().regex(/^[UCR][0-9a-f]{32}$/, 'must be a LINE user (U...), group (C...) or room (R...) id')),
    MERCHANT_TELEGRAM_CHAT_ID: optional(z.string().trim().regex(/^-?\d+$/, 'must be a numeric Telegram chat id')),
    /** Shipping fee rule until the shop sets one in the back office: a flat fee, free above an amount (baht). */
    SHIPPING_FLAT_FEE: z.coerce.number().min(0).max(100_000).default(0),
    SHIPPING_FREE_OVER: optional(z.coerce.number().min(0).max(10_000_000)),
    /** Flash Express booking, labels and tracking (CARRIERS.md); on when the merchant id and secret key are set. */
    FLASH_MCH_ID: optional(z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the merchant id Flash gave (letters and digits)')),
    FLASH_SECRET_KEY: optional(z.string().trim().min(8, 'must be the secret key Flash gave')),
    FLASH_API_BASE_URL: httpUrl('https://open-api.flashexpress.com'),
    /** Thailand Post tracking of EMS and registered parcels; on when the API key is set. */
    THAIPOST_API_KEY: optional(z.string().trim().min(8, 'must be the API key from track.thailandpost.co.th')),
    THAIPOST_API_BASE_URL: httpUrl('https://trackapi.thailandpost.co.th'),
    /** Encrypts secrets saved in Settings (carrier credentials); generated and kept in DATA_DIR when unset. */
    SETTINGS_KEY: optional(z.string().trim().min(32, 'must be at least 32 characters')),
    /** Signs the web chat's visitor cookie; generated and kept in DATA_DIR when unset. */
    SESSION_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    /** Unpaid orders: a reminder after this many hours, automatic cancel after that many. */
    UNPAID_REMINDER_HOURS: z.coerce.number().min(0.1).max(24 * 30).default(2),
    UNPAID_CANCEL_HOURS: z.coerce.number().min(0.5).max(24 * 90).default(24),
    /** No reminders to customers between these hours (shop time), e.g. "21-9". */
    QUIET_HOURS: z
      .string()
      .regex(/^([01]?\d|2[0-3])-([01]?\d|2[0-3])$/, 'must be two hours such as 21-9')
      .default('21-9'),
    DAILY_SUMMARY_HOUR: z.coerce.number().int().min(0).max(23).default(20),
    /** Run the chat workers and the scheduled jobs in the web process; false when `npm run worker` runs them. */
    WORKERS: z.enum(['true', 'false']).default('true'),
    TZ_SHOP: timeZone.default('Asia/Bangkok'),
    CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as THB').default('THB'),
    LOCALE: z.enum(['th', 'en']).default('th'),
    /** The Chromium that renders printed documents to PDF (driven over a pipe; nothing downloads one). */
    CHROMIUM_PATH: z.string().trim().min(1).default('/usr/bin/chromium'),
    SEED_DEMO: z
      .enum(['auto', 'true', 'false'])
      .default('auto')
      .describe('load the demo catalog into an empty database: auto = only the embedded one'),
  });

/** The Graph API version Talad is written and tested against (Meta keeps a version for two years or more). */
export const GRAPH_API_VERSION = 'v23.0';

const isSet = (v: string | undefined) => v !== undefined && v.trim() !== '';

/** An IP address or a CIDR range (10.0.0.0/8, fd00::/8), or one of proxy-addr's names (loopback, linklocal, uniquelocal). */
function isProxyAddress(a: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(a)) return true;
  const [ip, bits, ...rest] = a.split('/');
  if (rest.length > 0 || !ip || isIP(ip) === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(ip) === 4 ? 32 : 128);
}

/** Rules across variables; checked on the raw values so they are reported with every other problem. */
function crossChecks(src: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  // A channel is on when any of its secrets is set; then every secret it needs must be.
  if (isSet(src.LINE_CHANNEL_SECRET) !== isSet(src.LINE_CHANNEL_ACCESS_TOKEN)) {
    const missing = isSet(src.LINE_CHANNEL_SECRET) ? 'LINE_CHANNEL_ACCESS_TOKEN' : 'LINE_CHANNEL_SECRET';
    problems.push(`${missing} is required when the LINE channel is switched on`);
  }
  const facebook = ['FACEBOOK_APP_SECRET', 'FACEBOOK_PAGE_ACCESS_TOKEN', 'FACEBOOK_VERIFY_TOKEN'];
  if (facebook.some((k) => isSet(src[k]))) {
    for (const k of facebook) if (!isSet(src[k])) problems.push(`${k} is required when Messenger and Instagram are switched on`);
  }
  if ((src.SLIP_VERIFIER ?? 'none') !== 'none' && !isSet(src.SLIP_VERIFIER_API_KEY)) {
    problems.push('SLIP_VERIFIER_API_KEY is required when SLIP_VERIFIER is set');
  }
  if (isSet(src.FLASH_MCH_ID) !== isSet(src.FLASH_SECRET_KEY)) {
    const missing = isSet(src.FLASH_MCH_ID) ? 'FLASH_SECRET_KEY' : 'FLASH_MCH_ID';
    problems.push(`${missing} is required when Flash Express is switched on`);
  }
  if (isSet(src.TELEGRAM_BOT_TOKEN) && (src.TELEGRAM_MODE ?? 'webhook') === 'webhook' && !isSet(src.TELEGRAM_WEBHOOK_SECRET)) {
    problems.push('TELEGRAM_WEBHOOK_SECRET is required when Telegram runs in webhook mode');
  }
  return problems;
}

export type Env = z.infer<typeof envSchema>;

/** One question of the shop's FAQ: Thai first, English optional (several phrasings of a question, one a line). */
export interface ShopFaqEntry {
  question: string;
  questionEn?: string | undefined;
  answer: string;
  answerEn?: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every problem is listed in one error so a bad start is fixed in one go. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`)),
    ...crossChecks(source),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

function toConfig(e: Env) {
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    host: e.HOST,
    /** false, true (trusts any X-Forwarded-For: warned about at start), or the proxy's addresses. */
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' || e.TRUST_PROXY === '' ? false : e.TRUST_PROXY.split(',').map((a) => a.trim()),
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl: e.PUBLIC_URL.replace(/\/+$/, ''),
    admin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    apiToken: e.API_TOKEN,
    line:
      e.LINE_CHANNEL_SECRET && e.LINE_CHANNEL_ACCESS_TOKEN
        ? {
            channelSecret: e.LINE_CHANNEL_SECRET,
            channelAccessToken: e.LINE_CHANNEL_ACCESS_TOKEN,
            apiBaseUrl: e.LINE_API_BASE_URL,
            dataApiBaseUrl: e.LINE_DATA_API_BASE_URL,
          }
        : undefined,
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          botToken: e.TELEGRAM_BOT_TOKEN,
          webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
          apiRoot: e.TELEGRAM_API_ROOT,
          mode: e.TELEGRAM_MODE,
        }
      : undefined,
    facebook:
      e.FACEBOOK_APP_SECRET && e.FACEBOOK_PAGE_ACCESS_TOKEN && e.FACEBOOK_VERIFY_TOKEN
        ? {
            appSecret: e.FACEBOOK_APP_SECRET,
            pageAccessToken: e.FACEBOOK_PAGE_ACCESS_TOKEN,
            verifyToken: e.FACEBOOK_VERIFY_TOKEN,
            graphApiBaseUrl: e.FACEBOOK_GRAPH_API_BASE_URL.replace(/\/+$/, ''),
            graphApiVersion: GRAPH_API_VERSION,
          }
        : undefined,
    /** Where the Graph API is, whether Messenger is connected from the environment or from Settings. */
    facebookGraph: { graphApiBaseUrl: e.FACEBOOK_GRAPH_API_BASE_URL.replace(/\/+$/, ''), graphApiVersion: GRAPH_API_VERSION },
    promptPayId: e.PROMPTPAY_ID,
    slipVerifier: e.SLIP_VERIFIER === 'none' ? undefined : { kind: e.SLIP_VERIFIER, url: e.SLIP_VERIFIER_URL, apiKey: e.SLIP_VERIFIER_API_KEY ?? '' },
    /** Slip OCR workers; undefined lets the reader size them by memory. */
    ocrWorkers: e.OCR_WORKERS,
    receivers: {
      accounts: e.RECEIVER_ACCOUNTS.split(',').map((a) => a.replace(/\D/g, '')).filter((a) => a.length >= 4),
      names: e.RECEIVER_NAMES.split(',').map((n) => n.trim()).filter(Boolean),
      /** The accounts customers are told to transfer to (Settings → payments); from the environment only whole numbers. */
      payTo: payToFromEnv(e.RECEIVER_ACCOUNTS, e.RECEIVER_NAMES),
    },
    shop: {
      name: e.SHOP_NAME,
      address: e.SHOP_ADDRESS,
      phone: e.SHOP_PHONE,
      taxId: e.SHOP_TAX_ID,
      vatRegistered: e.SHOP_VAT_REGISTERED === 'true',
      /** A stored logo image (DATA_DIR-relative), set in the back office. */
      logoPath: undefined as string | undefined,
      returnWindowDays: e.RETURN_WINDOW_DAYS,
      timeZone: e.TZ_SHOP,
      currency: e.CURRENCY,
      locale: e.LOCALE as 'th' | 'en',
      shipping: {
        mode: 'flat',
        flatFee: Math.round(e.SHIPPING_FLAT_FEE * 100),
        freeOver: e.SHIPPING_FREE_OVER === undefined ? undefined : Math.round(e.SHIPPING_FREE_OVER * 100),
      } as ShippingRules,
      /** Carriers offered when shipping and their tracking links; the back office's settings change them. */
      carriers: builtInCarriers.map((c) => ({ ...c })) as CarrierSetting[],
      /** Booking and following parcels: customer messages, default weight, each warehouse's carrier. */
      parcels: structuredClone(defaultParcelOptions) as ParcelOptions,
      /** Carrier credentials saved in Settings, secrets sealed; opened only to build the carriers (never shown back in full). */
      carrierSecrets: {} as CarrierSecrets,
      /** The shop's answers to customers' usual questions (Settings → FAQ); the chat answers from them. */
      faq: [] as ShopFaqEntry[],
    },
    /** Carrier API credentials from the environment; Settings may override them (stored encrypted). */
    carrierApis: {
      flash:
        e.FLASH_MCH_ID && e.FLASH_SECRET_KEY ? { mchId: e.FLASH_MCH_ID, secretKey: e.FLASH_SECRET_KEY, baseUrl: e.FLASH_API_BASE_URL } : undefined,
      thaipost: e.THAIPOST_API_KEY ? { apiKey: e.THAIPOST_API_KEY, baseUrl: e.THAIPOST_API_BASE_URL } : undefined,
    },
    /** Where the carrier APIs are, also for credentials saved in Settings. */
    carrierApiUrls: { flash: e.FLASH_API_BASE_URL, thaipost: e.THAIPOST_API_BASE_URL },
    merchant: {
      lineTo: e.MERCHANT_LINE_TO,
      telegramChatId: e.MERCHANT_TELEGRAM_CHAT_ID,
      /** How long the bot keeps quiet after a hand-over to a person when nobody hands it back (Settings → notifications). */
      handoverMinutes: 60,
    },
    jobs: {
      unpaidReminderMs: e.UNPAID_REMINDER_HOURS * 3_600_000,
      unpaidCancelMs: e.UNPAID_CANCEL_HOURS * 3_600_000,
      quietHours: { from: Number(e.QUIET_HOURS.split('-')[0]), to: Number(e.QUIET_HOURS.split('-')[1]) },
      dailySummaryHour: e.DAILY_SUMMARY_HOUR,
      /** Reorder reminders to customers; switched off in the back office's settings. */
      reorderReminders: true,
      /** A customer who never paid an order before has their stock held this long (Settings → reminders). */
      firstOrderCancelMs: 4 * 3_600_000,
      /**
       * Chat checkout: at most this many unpaid orders, and units in them, per chat identity, and per
       * delivery address whoever placed them (an office or a dormitory is one address) (Settings → reminders).
       */
      unpaidLimits: { orders: 3, units: 20, addressOrders: 10, addressUnits: 60 },
    },
    webchatFrameOrigins: e.WEBCHAT_FRAME_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    webchatUploads: { perVisitorBytes: e.WEBCHAT_UPLOAD_VISITOR_MB * 1_048_576, totalBytes: e.WEBCHAT_UPLOAD_TOTAL_MB * 1_048_576, keepDays: e.WEBCHAT_UPLOAD_KEEP_DAYS },
    workers: e.WORKERS === 'true',
    sessionSecret: e.SESSION_SECRET,
    settingsKey: e.SETTINGS_KEY,
    chromiumPath: e.CHROMIUM_PATH,
    seedDemo: e.SEED_DEMO === 'auto' ? e.DATABASE_URL === undefined : e.SEED_DEMO === 'true',
  };
}

export type Config = ReturnType<typeof toConfig>;

/** For entry points: the config, or every problem on stderr and exit code 78 (EX_CONFIG). */
export function loadConfigOrExit(source: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** RECEIVER_ACCOUNTS and RECEIVER_NAMES as accounts to tell customers: whole numbers only (slip checks may use the last digits), bank unknown. */
function payToFromEnv(accounts: string, names: string): { bank: string; number: string; name: string }[] {
  const holders = names.split(',').map((n) => n.trim());
  return accounts
    .split(',')
    .map((a, i) => ({ bank: '', number: a.replace(/\D/g, ''), name: holders[i] || holders[0] || '' }))
    .filter((a) => a.number.length >= 10);
}
