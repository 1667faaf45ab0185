/**
 * An optional second opinion from a bank-data slip API (EasySlip and similar services look the
 * transfer up at the bank by the slip's QR payload). Off unless configured; asked only after every
 * local check passed, so a re-used or forged slip never costs a call.
 */
import { z } from 'zod';

export type RemoteVerification =
  | { status: 'verified'; transRef: string; amount: number; date: Date | null; receiver: { name: string | null; account: string | null } | null }
  | { status: 'not_found' };

export interface RemoteSlipVerifier {
  readonly name: string;
  /** Throws when the service cannot answer (network, 5xx, quota); the slip then goes to review. */
  verify(qrPayload: string): Promise<RemoteVerification>;
}

const easySlipResponse = z.object({
  status: z.number(),
  message: z.string().optional(),
  data: z
    .object({
      transRef: z.string(),
      date: z.string().optional(),
      amount: z.object({ amount: z.number() }),
      receiver: z
        .object({
          account: z
            .object({
              name: z.object({ th: z.string().optional(), en: z.string().optional() }).optional(),
              bank: z.object({ account: z.string().optional() }).optional(),
              proxy: z.object({ account: z.string().optional() }).nullish(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

/** EasySlip's v1 API: GET /api/v1/verify?payload=<QR payload> with a bearer key. */
export function createEasySlipVerifier(opts: { baseUrl: string; apiKey: string; timeoutMs?: number }): RemoteSlipVerifier {
  return {
    name: 'easyslip',
    async verify(qrPayload) {
      const url = `${opts.baseUrl.replace(/\/+$/, '')}/api/v1/verify?payload=${encodeURIComponent(qrPayload)}`;
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${opts.apiKey}` },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 8_000),
      });
      const body = easySlipResponse.parse(await res.json());
      if (res.status === 404 || body.message === 'slip_not_found') return { status: 'not_found' };
      if (!res.ok || !body.data) throw new Error(`easyslip answered ${res.status} ${body.message ?? ''}`.trim());
      const account = body.data.receiver?.account;
      return {
        status: 'verified',
        transRef: body.data.transRef,
        amount: Math.round(body.data.amount.amount * 100),
        date: body.data.date ? new Date(body.data.date) : null,
        receiver: account
          ? { name: account.name?.th ?? account.name?.en ?? null, account: account.bank?.account ?? account.proxy?.account ?? null }
          : null,
      };
    },
  };
}
