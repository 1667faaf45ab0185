// A stand-in for EasySlip's v1 verify API, recording every call; transfers are registered by QR payload.
import Fastify from 'fastify';

export interface FakeTransfer {
  transRef: string;
  amount: number; // baht, as the API reports it
  date: string;
  receiverName?: string;
  receiverAccount?: string;
}

export async function startFakeEasySlip(apiKey = 'easyslip-test-key') {
  const app = Fastify();
  const transfers = new Map<string, FakeTransfer>();
  const calls: { payload: string; authorized: boolean }[] = [];
  app.get('/api/v1/verify', async (request, reply) => {
    const payload = String((request.query as { payload?: string }).payload ?? '');
    const authorized = request.headers.authorization === `Bearer ${apiKey}`;
    calls.push({ payload, authorized });
    if (!authorized) return reply.status(401).send({ status: 401, message: 'unauthorized' });
    const t = transfers.get(payload);
    if (!t) return reply.status(404).send({ status: 404, message: 'slip_not_found' });
    return {
      status: 200,
      data: {
        payload,
        transRef: t.transRef,
        date: t.date,
        countryCode: 'TH',
        amount: { amount: t.amount, local: { amount: 0, currency: '' } },
        receiver: { account: { name: { th: t.receiverName ?? 'ร้านทดสอบ' }, bank: { type: 'BANKAC', account: t.receiverAccount ?? 'xxx-x-x1234-x' } } },
      },
    };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    calls,
    register: (payload: string, t: FakeTransfer) => transfers.set(payload, t),
    close: () => app.close(),
  };
}
