import { describe, expect, it } from 'vitest';
import { formatThaiPhone, normalizeThaiPhone } from '#src/lib/phone.ts';
import { formatOrderNumber, parseOrderNumber } from '#src/modules/orders/order-number.ts';

describe('Thai phone numbers', () => {
  it.each([
    ['0812345678', '66812345678'],
    ['081-234-5678', '66812345678'],
    ['081 234 5678', '66812345678'],
    ['+66812345678', '66812345678'],
    ['+66 (0) 81 234 5678', '66812345678'],
    ['66812345678', '66812345678'],
    ['02-123-4567', '6621234567'],
  ])('%s is %s', (input, expected) => expect(normalizeThaiPhone(input)).toBe(expected));

  it.each(['12345', '081234567', 'call me', '+1 415 555 0100'])('refuses %s', (input) =>
    expect(normalizeThaiPhone(input)).toBeNull(),
  );

  it('formats the way Thais write them', () => {
    expect(formatThaiPhone('66812345678')).toBe('081-234-5678');
    expect(formatThaiPhone('6621234567')).toBe('02-123-4567');
  });
});

describe('order numbers', () => {
  it('reads what customers type', () => {
    expect(formatOrderNumber(10001)).toBe('TL-10001');
    for (const typed of ['TL-10001', 'tl10001', 'TL 10001', '#10001', '10001']) expect(parseOrderNumber(typed)).toBe('TL-10001');
    expect(parseOrderNumber('hello')).toBeNull();
  });
});
