import { describe, expect, it } from 'vitest';
import { dateFormats, parseDay } from '#src/lib/dates.ts';
import { localDateTime } from '#src/lib/shop-time.ts';

const now = new Date('2026-12-06T03:00:00Z');

describe('dates people read', () => {
  it('are day, abbreviated month and Buddhist-era year in Thai, in the shop time zone', () => {
    const th = dateFormats('th', 'Asia/Bangkok');
    // 23:30 UTC on 5 Dec is 06:30 on 6 Dec in Bangkok.
    expect(th.date(new Date('2026-12-05T23:30:00Z'))).toBe('6 ธ.ค. 2569');
    expect(th.dateTime(new Date('2026-12-05T23:30:00Z'))).toBe('6 ธ.ค. 2569 06:30');
    expect(th.day('2026-11-07')).toBe('7 พ.ย. 2569');
    expect(th.month('2026-12-01')).toBe('ธ.ค. 2569');
    expect(th.range('2026-11-07', '2026-12-06')).toBe('7 พ.ย. 2569 – 6 ธ.ค. 2569');
    expect(th.longDate(new Date('2026-12-05T23:30:00Z'))).toBe('6 ธันวาคม 2569');
  });

  it('are "6 Dec 2026" in English', () => {
    const en = dateFormats('en', 'Asia/Bangkok');
    expect(en.date(new Date('2026-12-05T23:30:00Z'))).toBe('6 Dec 2026');
    expect(en.day('2026-11-07')).toBe('7 Nov 2026');
    expect(en.month('2026-12-01')).toBe('Dec 2026');
  });

  it('are made once per language and zone, and keep each zone apart', () => {
    expect(dateFormats('th', 'Asia/Bangkok')).toBe(dateFormats('th', 'Asia/Bangkok'));
    expect(dateFormats('en', 'Asia/Bangkok')).not.toBe(dateFormats('th', 'Asia/Bangkok'));
    expect(dateFormats('th', 'Asia/Tokyo').dateTime(new Date('2026-12-05T23:30:00Z'))).toBe('6 ธ.ค. 2569 08:30');
    expect(dateFormats('th', 'Asia/Bangkok').dateTime(new Date('2026-12-05T23:30:00Z'))).toBe('6 ธ.ค. 2569 06:30');
  });
});

describe('times machines read (the accountant\'s files)', () => {
  it('are the shop\'s local time as "2026-12-06 14:22:05", midnight as 00', () => {
    expect(localDateTime(new Date('2026-12-06T07:22:05Z'), 'Asia/Bangkok')).toBe('2026-12-06 14:22:05');
    expect(localDateTime(new Date('2026-12-05T17:00:00Z'), 'Asia/Bangkok')).toBe('2026-12-06 00:00:00');
    expect(localDateTime(new Date('2026-12-05T17:00:00Z'), 'UTC')).toBe('2026-12-05 17:00:00');
  });
});

describe('dates people type', () => {
  it.each([
    ['6 ธ.ค. 2569', '2026-12-06'],
    ['6 ธค 2569', '2026-12-06'],
    ['6 ธันวาคม 69', '2026-12-06'],
    ['๖ ธ.ค. ๒๕๖๙', '2026-12-06'],
    ['6 ธ.ค. พ.ศ. 2569', '2026-12-06'],
    ['6/12/2569', '2026-12-06'],
    ['6/12/69', '2026-12-06'],
    ['06-12-2026', '2026-12-06'],
    ['6/12/26', '2026-12-06'],
    ['6 Dec 2026', '2026-12-06'],
    ['6 December, 2026', '2026-12-06'],
    ['2026-12-06', '2026-12-06'],
    ['2569-12-06', '2026-12-06'],
    ['29 ก.พ. 2567', '2024-02-29'],
  ])('reads %s as %s', (typed, iso) => {
    expect(parseDay(typed, now)).toBe(iso);
  });

  it.each(['31/2/2569', '29 ก.พ. 2569', '2026-13-01', 'yesterday', '6 ธ.ค.', ''])('refuses %j', (typed) => {
    expect(parseDay(typed, now)).toBeNull();
  });

  it('reads back what it shows, in both languages', () => {
    for (const lang of ['th', 'en'] as const) {
      const f = dateFormats(lang, 'Asia/Bangkok');
      for (const iso of ['2026-01-01', '2026-02-28', '2027-12-31', '2024-02-29']) expect(parseDay(f.day(iso), now)).toBe(iso);
    }
  });
});
