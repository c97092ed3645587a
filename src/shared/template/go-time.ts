/**
 * Go's time formatting: reference-time layouts (`2006-01-02T15:04:05Z07:00`) and locations.
 * Used by Vault's `timestamp`, Sprig's `date`/`dateInZone`, and to print a `Date` the way Go
 * prints a `time.Time`.
 *
 * Zone abbreviations (`MST`) come from the platform's Intl data; when it has none for a zone
 * (it often gives "GMT+9"), Go's numeric form (`+09`) is used, as Go does for zones whose
 * tzdata has no abbreviation. JavaScript times have millisecond precision.
 */

export type GoLocation =
  | { readonly kind: 'utc' }
  | { readonly kind: 'local' }
  | { readonly kind: 'zone'; readonly name: string };

export const UTC: GoLocation = { kind: 'utc' };
export const LOCAL: GoLocation = { kind: 'local' };

/** time.Time.String()'s layout (without the monotonic clock reading). */
export const GO_TIME_STRING_LAYOUT = '2006-01-02 15:04:05.999999999 -0700 MST';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, timeZoneName: 'short' | 'longOffset'): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${timeZoneName}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName });
    formatters.set(key, f);
  }
  return f;
}

function zoneNamePart(date: Date, locale: string, timeZone: string, style: 'short' | 'longOffset'): string {
  const part = formatter(locale, timeZone, style)
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

/** time.LoadLocation: "" and "UTC" are UTC, "Local" is the process's zone, else an IANA name. */
export function loadLocation(name: string): GoLocation | undefined {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return LOCAL;
  try {
    formatter('en-US', name, 'longOffset');
    return { kind: 'zone', name };
  } catch {
    return undefined;
  }
}

function localZoneName(): string | undefined {
  try {
    return new Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function numericAbbrev(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

function abbrevFor(date: Date, timeZone: string, offsetSeconds: number): string {
  for (const locale of ['en-US', 'en-GB']) {
    const short = zoneNamePart(date, locale, timeZone, 'short');
    if (short !== '' && !/^(?:GMT|UTC)[+-−]/.test(short)) {
      if (short === 'GMT' && offsetSeconds !== 0) continue;
      return short;
    }
  }
  return offsetSeconds === 0 ? 'UTC' : numericAbbrev(offsetSeconds);
}

/** The zone in effect at an instant: offset east of UTC in seconds, and its abbreviation. */
export function zoneAt(date: Date, loc: GoLocation): { offset: number; abbrev: string } {
  if (loc.kind === 'utc') return { offset: 0, abbrev: 'UTC' };
  if (loc.kind === 'local') {
    const offset = -date.getTimezoneOffset() * 60;
    const name = localZoneName();
    if (name === undefined || name === 'UTC' || name === 'Etc/UTC') return { offset, abbrev: offset === 0 ? 'UTC' : numericAbbrev(offset) };
    return { offset, abbrev: abbrevFor(date, name, offset) };
  }
  const text = zoneNamePart(date, 'en-US', loc.name, 'longOffset');
  const m = /^GMT(?:([+-−])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/.exec(text);
  let offset = 0;
  if (m !== null && m[1] !== undefined) {
    const sign = m[1] === '+' ? 1 : -1;
    offset = sign * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
  }
  return { offset, abbrev: abbrevFor(date, loc.name, offset) };
}

const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type Std =
  | 'longMonth'
  | 'month'
  | 'numMonth'
  | 'zeroMonth'
  | 'longWeekDay'
  | 'weekDay'
  | 'day'
  | 'underDay'
  | 'zeroDay'
  | 'underYearDay'
  | 'zeroYearDay'
  | 'hour'
  | 'hour12'
  | 'zeroHour12'
  | 'minute'
  | 'zeroMinute'
  | 'second'
  | 'zeroSecond'
  | 'longYear'
  | 'year'
  | 'PM'
  | 'pm'
  | 'tz'
  | 'iso8601TZ'
  | 'iso8601SecondsTZ'
  | 'iso8601ShortTZ'
  | 'iso8601ColonTZ'
  | 'iso8601ColonSecondsTZ'
  | 'numTZ'
  | 'numSecondsTz'
  | 'numShortTZ'
  | 'numColonTZ'
  | 'numColonSecondsTZ'
  | 'frac';

interface Chunk {
  readonly prefix: string;
  readonly std: Std | undefined;
  readonly suffix: string;
  readonly frac?: { readonly digits: number; readonly trim: boolean; readonly sep: string };
}

function startsWithLowerCase(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 0x61 && c <= 0x7a;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** Go's nextStdChunk: the text before the next layout element, the element, and the rest. */
function nextStdChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const at = (s: string): boolean => layout.startsWith(s, i);
    const chunk = (std: Std, len: number): Chunk => ({ prefix: layout.slice(0, i), std, suffix: layout.slice(i + len) });
    switch (c) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return chunk('longMonth', 7);
          if (!startsWithLowerCase(layout.slice(i + 3))) return chunk('month', 3);
        }
        break;
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return chunk('longWeekDay', 6);
          if (!startsWithLowerCase(layout.slice(i + 3))) return chunk('weekDay', 3);
        }
        if (at('MST')) return chunk('tz', 3);
        break;
      case '0': {
        const n = layout[i + 1];
        if (n !== undefined && n >= '1' && n <= '6') {
          const stds: Std[] = ['zeroMonth', 'zeroDay', 'zeroHour12', 'zeroMinute', 'zeroSecond', 'year'];
          return chunk(stds[Number(n) - 1] as Std, 2);
        }
        if (at('002')) return chunk('zeroYearDay', 3);
        break;
      }
      case '1':
        if (at('15')) return chunk('hour', 2);
        return chunk('numMonth', 1);
      case '2':
        if (at('2006')) return chunk('longYear', 4);
        return chunk('day', 1);
      case '_':
        if (layout[i + 1] === '2') {
          if (layout.startsWith('2006', i + 1)) return { prefix: layout.slice(0, i + 1), std: 'longYear', suffix: layout.slice(i + 5) };
          return chunk('underDay', 2);
        }
        if (at('__2')) return chunk('underYearDay', 3);
        break;
      case '3':
        return chunk('hour12', 1);
      case '4':
        return chunk('minute', 1);
      case '5':
        return chunk('second', 1);
      case 'P':
        if (at('PM')) return chunk('PM', 2);
        break;
      case 'p':
        if (at('pm')) return chunk('pm', 2);
        break;
      case '-':
        if (at('-070000')) return chunk('numSecondsTz', 7);
        if (at('-07:00:00')) return chunk('numColonSecondsTZ', 9);
        if (at('-0700')) return chunk('numTZ', 5);
        if (at('-07:00')) return chunk('numColonTZ', 6);
        if (at('-07')) return chunk('numShortTZ', 3);
        break;
      case 'Z':
        if (at('Z070000')) return chunk('iso8601SecondsTZ', 7);
        if (at('Z07:00:00')) return chunk('iso8601ColonSecondsTZ', 9);
        if (at('Z0700')) return chunk('iso8601TZ', 5);
        if (at('Z07:00')) return chunk('iso8601ColonTZ', 6);
        if (at('Z07')) return chunk('iso8601ShortTZ', 3);
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) {
            return {
              prefix: layout.slice(0, i),
              std: 'frac',
              suffix: layout.slice(j),
              frac: { digits: j - (i + 1), trim: ch === '9', sep: c },
            };
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return { prefix: layout, std: undefined, suffix: '' };
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

/** time.Time.Format(layout) in a location. */
export function formatGoTime(date: Date, layout: string, loc: GoLocation = LOCAL): string {
  const { offset, abbrev } = zoneAt(date, loc);
  const wall = new Date(date.getTime() + offset * 1000);
  const year = wall.getUTCFullYear();
  const month = wall.getUTCMonth();
  const day = wall.getUTCDate();
  const hour = wall.getUTCHours();
  const minute = wall.getUTCMinutes();
  const second = wall.getUTCSeconds();
  const nanos = wall.getUTCMilliseconds() * 1_000_000;
  const yday = Math.floor((Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const chunk = nextStdChunk(rest);
    out += chunk.prefix;
    if (chunk.std === undefined) break;
    rest = chunk.suffix;
    switch (chunk.std) {
      case 'year':
        out += pad(((year % 100) + 100) % 100, 2);
        break;
      case 'longYear':
        out += pad(year, 4);
        break;
      case 'month':
        out += (LONG_MONTHS[month] as string).slice(0, 3);
        break;
      case 'longMonth':
        out += LONG_MONTHS[month] as string;
        break;
      case 'numMonth':
        out += String(month + 1);
        break;
      case 'zeroMonth':
        out += pad(month + 1, 2);
        break;
      case 'weekDay':
        out += (LONG_DAYS[wall.getUTCDay()] as string).slice(0, 3);
        break;
      case 'longWeekDay':
        out += LONG_DAYS[wall.getUTCDay()] as string;
        break;
      case 'day':
        out += String(day);
        break;
      case 'underDay':
        out += String(day).padStart(2, ' ');
        break;
      case 'zeroDay':
        out += pad(day, 2);
        break;
      case 'underYearDay':
        out += String(yday).padStart(3, ' ');
        break;
      case 'zeroYearDay':
        out += pad(yday, 3);
        break;
      case 'hour':
        out += pad(hour, 2);
        break;
      case 'hour12':
        out += String(hour % 12 === 0 ? 12 : hour % 12);
        break;
      case 'zeroHour12':
        out += pad(hour % 12 === 0 ? 12 : hour % 12, 2);
        break;
      case 'minute':
        out += String(minute);
        break;
      case 'zeroMinute':
        out += pad(minute, 2);
        break;
      case 'second':
        out += String(second);
        break;
      case 'zeroSecond':
        out += pad(second, 2);
        break;
      case 'PM':
        out += hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += hour >= 12 ? 'pm' : 'am';
        break;
      case 'frac': {
        const frac = chunk.frac as NonNullable<Chunk['frac']>;
        let digits = String(nanos).padStart(9, '0').slice(0, frac.digits);
        if (frac.trim) {
          digits = digits.replace(/0+$/, '');
          if (digits !== '') out += frac.sep + digits;
        } else {
          out += frac.sep + digits;
        }
        break;
      }
      case 'tz':
        out += abbrev !== '' ? abbrev : numericZone(offset, true, false, false);
        break;
      default:
        out += formatNumericZone(chunk.std, offset);
        break;
    }
  }
  return out;
}

function numericZone(offset: number, minutes: boolean, colon: boolean, seconds: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  let s = sign + pad(Math.floor(abs / 3600), 2);
  if (minutes) s += (colon ? ':' : '') + pad(Math.floor((abs % 3600) / 60), 2);
  if (seconds) s += (colon ? ':' : '') + pad(abs % 60, 2);
  return s;
}

function formatNumericZone(std: Std, offset: number): string {
  const iso = std.startsWith('iso8601');
  if (iso && offset === 0) return 'Z';
  const colon = std.includes('Colon');
  const short = std.endsWith('ShortTZ');
  const seconds = std.includes('Seconds');
  return numericZone(offset, !short, colon, seconds);
}

/** How Go prints a time.Time (`%v`): `2009-11-10 23:00:00 +0000 UTC`, in the local zone. */
export function goTimeString(date: Date, loc: GoLocation = LOCAL): string {
  return formatGoTime(date, GO_TIME_STRING_LAYOUT, loc);
}
