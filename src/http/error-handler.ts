import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { pgErrorCode } from '../db/client.ts';
import { AppError } from '../errors.ts';
import { httpStatusOf } from './error-status.ts';

/**
 * Unknown addresses are answered like everything else, but a client probing for them is slowed down:
 * both 404 handlers (this one and the back office's) take their preHandler from here.
 */
export const notFoundRateLimit = {
  max: 300,
  timeWindow: '1 minute',
  errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) => ({
    statusCode: 429,
    code: 'RATE_LIMITED',
    message: `Too many requests for unknown addresses; try again in ${context.after}`,
  }),
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

function body(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** "body/lines/0/qty" → "body.lines[0].qty": the field as a developer writes it. */
function fieldPath(context: string | undefined, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), context ?? 'body');
}

/**
 * The one place errors become HTTP answers, all in the documented shape. Client mistakes say what was
 * wrong; anything unexpected is logged in full and answered with a generic 500.
 */
/** PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate is not text: both are refused at the edge. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasUnstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (depth > 20 || value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => UNSTORABLE.test(k) || hasUnstorableText(v, depth + 1));
}

/** Deepest nesting of arrays and objects accepted in a body (a chat event needs about 8). */
export const MAX_NESTING = 32;

/** True when value nests arrays or objects deeper than max; walked without recursion, so any depth is safe. */
export function nestedDeeperThan(value: unknown, max: number = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

const tooDeep = () => new AppError('VALIDATION_ERROR', `ข้อมูลซ้อนกันลึกเกิน ${MAX_NESTING} ชั้น / The body nests deeper than ${MAX_NESTING} levels`);

/**
 * Strips what PostgreSQL cannot store from text that must be kept anyway (a chat message). A body nested
 * deeper than MAX_NESTING is refused (400) before it is serialised, so no depth overflows the stack.
 */
export function storableText<T>(value: T): T {
  if (nestedDeeperThan(value)) throw tooDeep();
  // JSON.stringify writes NUL and lone surrogates (only those) as \u escapes: drop them.
  return JSON.parse(JSON.stringify(value).replace(/\\u0000|\\ud[89a-f][0-9a-f]{2}/gi, '')) as T;
}

export function registerErrorHandler(app: FastifyInstance) {
  app.addHook('preValidation', async (request, reply) => {
    // Webhooks are the channels' to send: their text is cleaned when stored, never refused.
    if (request.url.startsWith('/webhooks/')) return;
    if (request.body !== undefined && !Buffer.isBuffer(request.body) && nestedDeeperThan(request.body)) {
      return reply.status(400).send(body('VALIDATION_ERROR', tooDeep().message));
    }
    if (hasUnstorableText(request.params) || hasUnstorableText(request.query) || (request.body !== undefined && !Buffer.isBuffer(request.body) && hasUnstorableText(request.body))) {
      return reply.status(400).send(body('VALIDATION_ERROR', 'Text must not contain NUL characters or broken Unicode'));
    }
  });

  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      const status = httpStatusOf[err.kind];
      request.log.info({ code: err.code }, err.message);
      return reply.status(status).send(body(err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const problems = err.validation.map((v) => `${fieldPath(err.validationContext, v.instancePath)}: ${v.message}`);
      return reply.status(400).send(body('VALIDATION_ERROR', problems.join('; '), { problems }));
    }
    if (err instanceof ZodError) {
      const problems = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      return reply.status(400).send(body('VALIDATION_ERROR', problems.join('; '), { problems }));
    }
    const pgCode = pgErrorCode(err);
    if (pgCode === '22003') {
      return reply.status(422).send(body('OUT_OF_RANGE', 'A number is out of the range this shop can store'));
    }
    if (pgCode === '22021' || pgCode === '22P05') {
      return reply.status(400).send(body('VALIDATION_ERROR', 'Text must not contain NUL characters or broken Unicode'));
    }
    if (pgCode === '23505') {
      request.log.warn({ err }, 'unique violation');
      return reply.status(409).send(body('CONFLICT', 'This conflicts with a record that already exists'));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, body too large, ...
      return reply.status(status).send(body(err.code ?? 'BAD_REQUEST', err.message));
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send(body('INTERNAL', 'Something went wrong on our side; it has been logged'));
  });

  app.setNotFoundHandler({ preHandler: app.rateLimit(notFoundRateLimit) }, (request, reply) => {
    reply.status(404).send(body('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
}
