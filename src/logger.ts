import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/**
 * Paths never written to a log: credentials, cookies and customers' phone numbers. Every secret the
 * configuration holds is also cut out of each line by value (createLogger), wherever it appears.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-line-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.token',
  '*.*.token',
  '*.accessToken',
  '*.channelAccessToken',
  '*.pageAccessToken',
  '*.botToken',
  '*.apiToken',
  '*.apiKey',
  '*.api_key',
  '*.access_token',
  '*.secret',
  '*.secretKey',
  '*.channelSecret',
  '*.appSecret',
  '*.webhookSecret',
  '*.verifyToken',
  '*.sessionSecret',
  '*.settingsKey',
  '*.cookie',
  '*.cookies',
  '*.phone',
  '*.customer.phone',
  '*.shippingAddress.phone',
];

/**
 * Errors are logged with their message, stack, code and cause, never with the objects some libraries
 * hang on them: grammY's BotError carries its Context (the Api and with it the bot token), HTTP clients
 * carry their request configuration and headers.
 */
const CARRIERS_OF_SECRETS = ['ctx', 'api', 'config', 'request', 'response', 'headers', 'options', 'client'];
export function serializeError(err: unknown): unknown {
  const out = stdSerializers.err(err as Error) as unknown;
  if (out && typeof out === 'object') for (const key of CARRIERS_OF_SECRETS) delete (out as Record<string, unknown>)[key];
  return out;
}

export function loggerOptions(config: Pick<Config, 'env' | 'logLevel'>): LoggerOptions {
  const pretty = config.env === 'development' && process.stdout.isTTY;
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  };
}

/** Every secret value in the configuration (tokens, keys, passwords), to be cut out of every log line. */
export function secretsOf(config: Partial<Config>): string[] {
  return [
    config.admin?.password,
    config.apiToken,
    config.line?.channelSecret,
    config.line?.channelAccessToken,
    config.telegram?.botToken,
    config.telegram?.webhookSecret,
    config.facebook?.appSecret,
    config.facebook?.pageAccessToken,
    config.facebook?.verifyToken,
    config.slipVerifier?.apiKey,
    config.carrierApis?.flash?.secretKey,
    config.carrierApis?.thaipost?.apiKey,
    config.sessionSecret,
    config.settingsKey,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 6);
}

const SECRETS = Symbol.for('talad.logSecrets');

/** A stream that replaces each known secret (as written, and as escaped inside JSON) before writing. */
function scrubbing(destination: DestinationStream, secrets: Set<string>): DestinationStream & { flushSync?: () => void } {
  const d = destination as DestinationStream & { flush?: (cb?: (err?: Error) => void) => void; flushSync?: () => void; end?: () => void };
  return {
    write(line: string) {
      let out = line;
      for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
      d.write(out);
    },
    ...(d.flush ? { flush: (cb?: (err?: Error) => void) => d.flush!(cb) } : {}),
    ...(d.flushSync ? { flushSync: () => d.flushSync!() } : {}),
  } as DestinationStream;
}

/**
 * The root logger: paths redacted, error objects trimmed, and every configured secret cut out by value
 * from each line (a token inside an error message or a URL is caught too). The pretty printer of a
 * developer's terminal writes through a transport, without the by-value pass.
 */
export function createLogger(config: Pick<Config, 'env' | 'logLevel'> & Partial<Config>, destination?: DestinationStream): Logger {
  const options = loggerOptions(config);
  const secrets = new Set<string>();
  for (const s of secretsOf(config)) secrets.add(s), secrets.add(JSON.stringify(s).slice(1, -1));
  const logger = options.transport && !destination ? pino(options) : pino({ ...options, transport: undefined }, scrubbing(destination ?? pino.destination(1), secrets));
  (logger as unknown as Record<symbol, Set<string>>)[SECRETS] = secrets;
  return logger;
}

/** Secrets known only after start (a generated session secret, keys saved in Settings): never logged either. */
export function hideInLog(logger: Logger, ...values: (string | undefined)[]): void {
  const secrets = (logger as unknown as Record<symbol, Set<string> | undefined>)[SECRETS];
  if (!secrets) return;
  for (const v of values) if (typeof v === 'string' && v.length >= 6) secrets.add(v), secrets.add(JSON.stringify(v).slice(1, -1));
}
