/**
 * /docs/json checked by the rules of a standard OpenAPI linter's recommended set that can be checked
 * here (redocly's recommended: operation-operationId, -operationId-unique, -summary, -4xx-response,
 * no-empty-servers, tag-description / operation-tag-defined, no-invalid-media-type-examples), plus the
 * shop's own: real Thai examples, every answer's shape (errors too), no framework branding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { examples, operations, responseSchemas } from '#admin/api/openapi.ts';
import { createProductInput } from '#src/modules/catalog/index.ts';
import { stockAdjustmentInput } from '#src/modules/inventory/index.ts';
import { createOrderInput, transitionInput } from '#src/modules/orders/index.ts';

let t: TestApp;
type Json = Record<string, any>;
let spec: Json;

beforeAll(async () => {
  t = await buildTestApp({ PUBLIC_URL: 'https://shop.example.co.th' });
  await makeProduct(t.database.db, { sku: 'COF-250', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee, medium roast, 250 g', price: 32_000, stock: { MAIN: 20 } });
  const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  spec = res.json();
});
afterAll(() => t?.close());

const ops = () =>
  Object.entries(spec.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, key: `${method} ${path}`, op })),
  );

/** Resolves a local $ref. */
const deref = (node: Json): Json => (node.$ref ? (node.$ref as string).split('/').slice(1).reduce((o: Json, k) => o[k], spec) : node);

describe('the OpenAPI description', () => {
  it('names the server, and every operation has an id, a summary, a defined tag and a 4xx answer', () => {
    expect(spec.servers).toEqual([{ url: 'https://shop.example.co.th', description: expect.any(String) }]);
    const tagNames = new Set((spec.tags as { name: string; description: string }[]).map((tag) => tag.name));
    for (const tag of spec.tags) expect(tag.description, tag.name).toBeTruthy();
    const ids = new Set<string>();
    expect(ops().length).toBeGreaterThanOrEqual(10);
    for (const { where, op } of ops()) {
      expect(op.operationId, where).toMatch(/^[a-zA-Z][a-zA-Z0-9]*$/);
      expect(ids.has(op.operationId), `${where}: operationId ${op.operationId} twice`).toBe(false);
      ids.add(op.operationId);
      expect(op.summary, where).toBeTruthy();
      expect(op.tags?.length, where).toBeGreaterThan(0);
      for (const tag of op.tags) expect(tagNames.has(tag), `${where}: tag ${tag} is not defined`).toBe(true);
      const statuses = Object.keys(op.responses);
      expect(statuses.some((s) => /^4\d\d$/.test(s)), `${where}: no 4xx answer`).toBe(true);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        expect(response.description, `${where} ${status}`).toBeTruthy();
        expect(response.description, `${where} ${status}`).not.toBe('Default Response');
      }
    }
  });

  it('describes every answer of the API, the errors as {error: {code, message}}', () => {
    for (const key of Object.keys(operations)) {
      const op = ops().find((o) => o.key === key)?.op;
      expect(op, `${key} is not in the document`).toBeDefined();
      for (const [status, response] of Object.entries(op!.responses as Record<string, Json>)) {
        const media = response.content?.['application/json'];
        expect(media?.schema, `${key} ${status} has no body schema`).toBeDefined();
        if (Number(status) >= 400) {
          expect(media.schema).toEqual({ $ref: '#/components/schemas/Error' });
          expect(media.example).toEqual({ error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) } });
        }
      }
    }
    const error = spec.components.schemas.Error;
    expect(error.properties.error.required).toEqual(['code', 'message']);
  });

  it('gives real Thai examples that are valid against their schemas (the ones that check requests, and the answers)', () => {
    const inputs: Record<string, z.ZodType> = {
      'post /api/v1/orders': createOrderInput,
      'post /api/v1/products': createProductInput,
      'post /api/v1/stock/adjustments': stockAdjustmentInput,
      'post /api/v1/orders/{number}/transitions': transitionInput,
    };
    for (const { key, op } of ops()) {
      const known = operations[key];
      if (!known) continue;
      const ok = op.responses[String(known.ok.status)].content['application/json'];
      const schema = responseSchemas[(deref(ok.schema).$ref ?? ok.schema.$ref).split('/').pop() as keyof typeof responseSchemas];
      expect(schema.safeParse(ok.example).error, key).toBeUndefined();
      const body = op.requestBody?.content?.['application/json'];
      if (inputs[key]) {
        expect(body?.example, `${key} has no request example`).toBeDefined();
        expect(inputs[key]!.safeParse(body.example).error, key).toBeUndefined();
      }
    }
    // The README's order, in Thai, not generated placeholders.
    const order = ops().find((o) => o.key === 'post /api/v1/orders')!.op;
    expect(order.requestBody.content['application/json'].example).toEqual(examples.orderRequest);
    expect(JSON.stringify(order)).toContain('สมหญิง ใจดี');
    expect(JSON.stringify(spec)).not.toMatch(/Default Response/);
  });

  it('describes what the API really answers: the README order placed with its example matches the Order schema', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/orders', payload: examples.orderRequest, headers: { ...auth, 'idempotency-key': 'docs-example-1' } });
    expect(created.statusCode).toBe(201);
    expect(responseSchemas.Order.safeParse(created.json()).error).toBeUndefined();
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/orders', headers: auth });
    expect(responseSchemas.OrderList.safeParse(list.json()).error).toBeUndefined();
    const products = await t.app.inject({ method: 'GET', url: '/api/v1/products', headers: auth });
    expect(responseSchemas.ProductList.safeParse(products.json()).error).toBeUndefined();
    const stock = await t.app.inject({ method: 'GET', url: '/api/v1/stock', headers: auth });
    expect(responseSchemas.StockList.safeParse(stock.json()).error).toBeUndefined();
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/orders', payload: { ...examples.orderRequest, lines: [] }, headers: auth });
    expect(refused.statusCode).toBe(400);
    expect(responseSchemas.Error.safeParse(refused.json()).error).toBeUndefined();
  });

  it('carries the shop’s name, not the framework’s', async () => {
    expect(JSON.stringify(spec.info)).not.toMatch(/fastify|swagger/i);
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/<title>Swagger UI<\/title>/);
    expect(page.body).toContain('<title>Talad Shop API</title>');
  });
});
