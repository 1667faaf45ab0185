import { pino, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/** Paths never written to a log: credentials, cookies and customers' phone numbers. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-line-signature"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.apiKey',
  '*.secretKey',
  '*.phone',
  '*.customer.phone',
  '*.shippingAddress.phone',
];

export function loggerOptions(config: Pick<Config, 'env' | 'logLevel'>): LoggerOptions {
  const pretty = config.env === 'development' && process.stdout.isTTY;
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  };
}

export function createLogger(config: Pick<Config, 'env' | 'logLevel'>): Logger {
  return pino(loggerOptions(config));
}
