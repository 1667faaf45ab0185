// The carrier fakes hold to CARRIERS.md on their own, whatever client talks to them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flashContractSign, startFakeFlashApi, type FakeFlashApi } from './flash-api.ts';
import { startFakeThaiPostApi, type FakeThaiPostApi } from './thaipost-api.ts';

describe('fake Flash API', () => {
  let fake: FakeFlashApi;
  beforeAll(async () => {
    fake = await startFakeFlashApi();
  });
  afterAll(async () => {
    await fake.close();
  });

  const post = async (path: string, params: Record<string, string>, sign?: string) => {
    const form = { ...params, sign: sign ?? flashContractSign(params, fake.secretKey) };
    const res = await fetch(`${fake.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    return { status: res.status, body: (await res.json()) as { code: number; message: string; data: Record<string, unknown> | null } };
  };

  const order = (outTradeNo: string) => ({
    mchId: fake.mchId,
    nonceStr: `n-${outTradeNo}`,
    outTradeNo,
    srcName: 'Shop',
    srcPhone: '0812345678',
    srcProvinceName: 'Bangkok',
    srcCityName: 'Watthana',
    srcPostalCode: '10110',
    srcDetailAddress: '1 Sukhumvit',
    dstName: 'Buyer',
    dstPhone: '0898765432',
    dstProvinceName: 'Chiang Mai',
    dstCityName: 'Mueang',
    dstPostalCode: '50200',
    dstDetailAddress: '2 Nimman',
    articleCategory: '2',
    expressCategory: '1',
    weight: '500',
    insured: '0',
    codEnabled: '0',
  });

  it('answers a bad signature with code 1002 over HTTP 200 and keeps nothing', async () => {
    const answer = await post('/open/v3/orders', order('F-1'), 'B'.repeat(64));
    expect(answer).toMatchObject({ status: 200, body: { code: 1002 } });
    expect(fake.parcels()).toHaveLength(0);
  });

  it('refuses a repeated outTradeNo and names the parcel it has', async () => {
    const first = await post('/open/v3/orders', order('F-2'));
    expect(first.body.code).toBe(1);
    const again = await post('/open/v3/orders', { ...order('F-2'), nonceStr: 'another' });
    expect(again.body.code).toBeGreaterThanOrEqual(1000);
    expect(again.body.data).toMatchObject({ pno: first.body.data!.pno, outTradeNo: 'F-2' });
    expect(fake.parcels().filter((p) => p.outTradeNo === 'F-2')).toHaveLength(1);
  });

  it('refuses an order without a receiver postcode', async () => {
    const { dstPostalCode: _omitted, ...rest } = order('F-3');
    expect((await post('/open/v3/orders', rest)).body).toMatchObject({ code: 1000, message: expect.stringContaining('dstPostalCode') });
  });

  it('serves routes newest first', async () => {
    const created = await post('/open/v3/orders', order('F-4'));
    const pno = created.body.data!.pno as string;
    fake.advance(pno, 1, { at: new Date('2025-01-01T00:00:00Z') });
    fake.advance(pno, 2, { at: new Date('2025-01-01T05:00:00Z') });
    const routes = await post(`/open/v1/orders/${pno}/routes`, { mchId: fake.mchId, nonceStr: 'r' });
    expect((routes.body.data!.routes as { routeAction: string }[]).map((r) => r.routeAction)).toEqual(['ARRIVAL_WAREHOUSE_SCAN', 'RECEIVED']);
  });
});

describe('fake Thailand Post API', () => {
  let fake: FakeThaiPostApi;
  beforeAll(async () => {
    fake = await startFakeThaiPostApi({ tokenTtlMs: 60_000 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('gives a token only for the API key, and tracks only with a token', async () => {
    const token = (key: string) => fetch(`${fake.baseUrl}/post/api/v1/authenticate/token`, { method: 'POST', headers: { authorization: `Token ${key}` } });
    expect((await token('nope')).status).toBe(401);
    const issued = (await (await token(fake.apiKey)).json()) as { token: string; expire: string };
    expect(issued.expire).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+07:00$/);
    const track = (auth: string) =>
      fetch(`${fake.baseUrl}/post/api/v1/track`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'all', language: 'TH', barcode: ['ED852942182TH'] }),
      });
    expect((await track(`Token ${fake.apiKey}`)).status).toBe(401);
    fake.addEvent('ED852942182TH', { status: '103', at: new Date('2025-01-01T01:00:00Z') });
    const answer = (await (await track(`Token ${issued.token}`)).json()) as { status: boolean; response: { items: Record<string, { status: string; status_date: string }[]> } };
    expect(answer.status).toBe(true);
    expect(answer.response.items.ED852942182TH).toEqual([expect.objectContaining({ status: '103', status_date: '01/01/2568 08:00:00+07:00' })]);
  });
});
