/**
 * The few Graph API calls the Messenger and Instagram adapters make (Send API, sender profile,
 * attachment download), over plain fetch against a configurable host so tests reach a fake.
 * The page access token travels in the query string, as Meta documents it, and never appears in an error.
 */
import { z } from 'zod';

export interface GraphClientConfig {
  pageAccessToken: string;
  graphApiBaseUrl: string;
  graphApiVersion: string;
}

/** Meta's error answer: `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`. */
const graphErrorBody = z.object({
  error: z.looseObject({
    message: z.string().default(''),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

export class GraphApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    readonly fbtraceId: string | undefined,
    graphMessage: string,
  ) {
    super(`Graph API answered ${status}${code === undefined ? '' : ` (#${code}${subcode ? `/${subcode}` : ''})`}: ${graphMessage.slice(0, 300)}${fbtraceId ? ` [fbtrace_id ${fbtraceId}]` : ''}`);
    this.name = 'GraphApiError';
  }
}

const sendAnswer = z.looseObject({ recipient_id: z.string().optional(), message_id: z.string().optional() });
const profileAnswer = z.looseObject({ first_name: z.string().max(200).optional(), last_name: z.string().max(200).optional() });

/** A slip photo is a few hundred kilobytes; anything far bigger is refused before it fills memory. */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/**
 * `settings` is the connection, or a reader of the live one (config.facebook, which Settings may change
 * while running): each call uses the token current at that moment.
 */
export function createGraphClient(settings: GraphClientConfig | (() => GraphClientConfig | undefined), opts: { sendTimeoutMs?: number } = {}) {
  const current = typeof settings === 'function' ? settings : () => settings;
  const sendTimeoutMs = opts.sendTimeoutMs ?? 10_000;

  async function call(method: 'GET' | 'POST', path: string, query: Record<string, string>, body: unknown, timeoutMs: number): Promise<unknown> {
    const config = current();
    // Disconnected in Settings since the message was queued: Meta would answer 190 (no valid token).
    if (!config) throw new GraphApiError(401, 190, undefined, undefined, 'Messenger is not connected (no page access token)');
    const url = new URL(`${config.graphApiBaseUrl.replace(/\/+$/, '')}/${config.graphApiVersion}${path}`);
    for (const [k, v] of Object.entries({ ...query, access_token: config.pageAccessToken })) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // fetch's own message never holds the URL; name the call instead.
      throw new Error(`Graph API ${method} ${path}: ${err instanceof Error ? `${err.name} ${err.message}` : String(err)}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const parsed = graphErrorBody.safeParse(json);
      if (parsed.success) {
        const e = parsed.data.error;
        throw new GraphApiError(res.status, e.code, e.error_subcode, e.fbtrace_id, e.message);
      }
      throw new GraphApiError(res.status, undefined, undefined, undefined, text.slice(0, 200));
    }
    if (json === undefined) throw new GraphApiError(res.status, undefined, undefined, undefined, 'the answer is not JSON');
    return json;
  }

  return {
    /** POST /<version>/me/messages: one message to one person; the answer names the message. */
    async sendMessage(body: Record<string, unknown>): Promise<{ messageId: string | undefined }> {
      const answer = sendAnswer.parse(await call('POST', '/me/messages', {}, body, sendTimeoutMs));
      return { messageId: answer.message_id };
    },
    /** GET /<PSID>?fields=first_name,last_name,profile_pic: the person's name as Facebook shows it. */
    async profile(personId: string, timeoutMs = 2_000): Promise<{ name: string | undefined }> {
      const answer = profileAnswer.parse(await call('GET', `/${encodeURIComponent(personId)}`, { fields: 'first_name,last_name,profile_pic' }, undefined, timeoutMs));
      const name = [answer.first_name, answer.last_name].filter((s) => s && s.trim()).join(' ').trim();
      return { name: name || undefined };
    },
    /** Downloads an attachment from Meta's CDN while its URL still works (they expire). */
    async download(url: string, timeoutMs = 15_000): Promise<Buffer> {
      if (!/^https?:\/\//.test(url)) throw new Error('attachment URL is not http(s)');
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`attachment download answered ${res.status}`);
      if (Number(res.headers.get('content-length') ?? 0) > MAX_DOWNLOAD_BYTES) throw new Error('attachment larger than 20 MB');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body ?? []) {
        size += chunk.length;
        if (size > MAX_DOWNLOAD_BYTES) throw new Error('attachment larger than 20 MB');
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    },
  };
}

export type GraphClient = ReturnType<typeof createGraphClient>;
