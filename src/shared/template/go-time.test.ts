import { describe, expect, it } from 'vitest';
import { LOCAL, UTC, formatGoTime, goTimeString, loadLocation, zoneAt } from './go-time.js';

// 2009-02-13 23:31:30.123 UTC, a Friday (day 44 of the year)
const T = new Date(Date.UTC(2009, 1, 13, 23, 31, 30, 123));

describe('formatGoTime', () => {
  it.each<[string, string]>([
    ['2006-01-02T15:04:05Z07:00', '2009-02-13T23:31:30Z'],
    ['2006-01-02T15:04:05.999999999Z07:00', '2009-02-13T23:31:30.123Z'],
    ['2006-01-02 15:04:05.000', '2009-02-13 23:31:30.123'],
    ['2006-01-02 15:04:05.000000', '2009-02-13 23:31:30.123000'],
    ['15:04:05,999', '23:31:30,123'],
    ['Mon Jan _2 15:04:05 MST 2006', 'Fri Feb 13 23:31:30 UTC 2009'],
    ['Monday, 02-Jan-06 15:04:05 MST', 'Friday, 13-Feb-09 23:31:30 UTC'],
    ['January 2, 2006', 'February 13, 2009'],
    ['3:04PM', '11:31PM'],
    ['03:04 pm', '11:31 pm'],
    ['1/2/06', '2/13/09'],
    ['002 __2', '044  44'],
    ['-0700 -07:00 -07 Z0700 Z07:00:00', '+0000 +00:00 +00 Z Z'],
    ['_2006', '_2009'],
    ['Janet Monica', 'Janet Monica'],
    ['.5', '.30'],
    ['2006.000x', '2009.123x'],
    ['Jan 2 15:04:05.9', 'Feb 13 23:31:30.1'],
    ['no layout here!', 'no layout here!'],
  ])('%j', (layout, want) => {
    expect(formatGoTime(T, layout, UTC)).toBe(want);
  });

  it('drops an all-zero .999 fraction, separator included', () => {
    expect(formatGoTime(new Date(Date.UTC(2020, 0, 1)), '15:04:05.999', UTC)).toBe('00:00:00');
  });

  it('formats in IANA zones with their offsets and abbreviations', () => {
    const ny = loadLocation('America/New_York');
    expect(ny).toBeDefined();
    expect(formatGoTime(T, '2006-01-02 15:04 -0700 MST', ny)).toBe('2009-02-13 18:31 -0500 EST');
    expect(formatGoTime(new Date(Date.UTC(2009, 6, 1, 12)), '15:04 -07:00 MST', ny)).toBe('08:00 -04:00 EDT');
    expect(formatGoTime(T, '15:04 Z07:00', loadLocation('Asia/Kolkata'))).toBe('05:01 +05:30');
    expect(formatGoTime(T, '-070000', loadLocation('Asia/Kolkata'))).toBe('+053000');
  });

  it('falls back to Go’s numeric abbreviation when the platform has none', () => {
    const zone = zoneAt(T, { kind: 'zone', name: 'Etc/GMT-3' });
    expect(zone.offset).toBe(3 * 3600);
    expect(zone.abbrev).toMatch(/^(\+03|[A-Z]{2,5})$/);
  });

  it('resolves locations like time.LoadLocation', () => {
    expect(loadLocation('')).toBe(UTC);
    expect(loadLocation('UTC')).toBe(UTC);
    expect(loadLocation('Local')).toBe(LOCAL);
    expect(loadLocation('Not/AZone')).toBeUndefined();
  });

  it('prints a time like Go’s time.Time.String()', () => {
    expect(goTimeString(T, UTC)).toBe('2009-02-13 23:31:30.123 +0000 UTC');
    expect(goTimeString(T)).toMatch(/^2009-02-1\d \d\d:\d\d:30\.123 [+-]\d{4} \S+$/);
  });
});
