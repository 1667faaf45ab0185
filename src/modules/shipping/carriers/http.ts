/**
 * One way for every adapter to call its carrier over HTTP: a timeout on every call, and transport trouble
 * (timeout, refused or reset connection, 5xx, 429) turned into a retryable CarrierError so callers back off
 * and try again; 4xx and a carrier's own refusals are for the adapter to judge.
 */
import { CarrierError } from './port.ts';

export interface CarrierHttpOptions {
  carrier: string;
  timeoutMs: number;
}

export async function carrierFetch(opts: CarrierHttpOptions, url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    throw transportFailure(opts, err);
  }
  if (res.status >= 500 || res.status === 429) {
    const text = await readText(opts, res);
    throw new CarrierError(opts.carrier, `HTTP_${res.status}`, text.slice(0, 200) || res.statusText, true);
  }
  return res;
}

/** The body as text; a body cut off mid-way is a transport failure like any other. */
export async function readText(opts: CarrierHttpOptions, res: Response): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw transportFailure(opts, err);
  }
}

export async function readBytes(opts: CarrierHttpOptions, res: Response): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw transportFailure(opts, err);
  }
}

/** A call or body that never came: fetch rejects with TimeoutError when the signal fires, TypeError with a cause otherwise. */
function transportFailure(opts: CarrierHttpOptions, err: unknown): CarrierError {
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new CarrierError(opts.carrier, 'TIMEOUT', `no answer within ${opts.timeoutMs} ms`, true);
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new CarrierError(opts.carrier, 'NETWORK', cause?.code ?? cause?.message ?? (err as Error).message, true);
}

/** Parses a JSON answer; anything else from a carrier that answered 2xx is a bad response, worth one more try. */
export function parseJson(opts: CarrierHttpOptions, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CarrierError(opts.carrier, 'BAD_RESPONSE', `not JSON: ${text.slice(0, 120)}`, true);
  }
}

/** Joins a configured base URL and a path whatever slashes either carries. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
