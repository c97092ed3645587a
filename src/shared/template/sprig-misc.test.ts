/** Sprig regex, crypto, date, URL, semver and flow-control functions. */
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { parseTemplate, sprigFuncs } from './index.js';

function render(source: string, data: unknown = null): string {
  return parseTemplate(source, { funcs: sprigFuncs }).execute(data);
}

describe('regular expressions', () => {
  it.each<[string, string]>([
    ['{{ regexMatch "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\\\.[A-Za-z]{2,}$" "test@acme.com" }}', 'true'],
    ['{{ regexMatch "^a" "ba" }}', 'false'],
    ['{{ regexMatch "(" "x" }}', 'false'],
    ['{{ regexFindAll "[2,4,6,8]" "123456789" -1 }}', '[2 4 6 8]'],
    ['{{ regexFindAll "[2,4,6,8]" "123456789" 2 }}', '[2 4]'],
    ['{{ regexFindAll "a*" "baaab" -1 | len }}', '3'],
    ['{{ regexFind "[a-zA-Z][1-9]" "abcd1234" }}', 'd1'],
    ['{{ regexFind "z" "abc" | printf "%q" }}', '""'],
    ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', '-W-xxW-'],
    ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', '---'],
    ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$$1" }}', '-$1-$1-'],
    ['{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', '-${1}-${1}-'],
    ['{{ regexReplaceAll "a*" "baaac" "X" }}', 'XbXcX'],
    ['{{ regexReplaceAll "(?P<first>\\\\w+) (?P<last>\\\\w+)" "John Smith" "${last}, ${first}" }}', 'Smith, John'],
    ['{{ regexSplit "z+" "pizza" -1 }}', '[pi a]'],
    ['{{ regexSplit "a" "banana" 2 }}', '[b nana]'],
    ['{{ regexSplit "" "abc" -1 }}', '[a b c]'],
    ['{{ regexSplit "x" "" -1 | len }}', '1'],
    ['{{ regexQuoteMeta "1.2.3" }}', '1\\.2\\.3'],
    // RE2 syntax, translated
    ['{{ regexMatch "(?i)^hello$" "HeLLo" }}', 'true'],
    ['{{ regexFind "\\\\pL+" "123héllo!" }}', 'héllo'],
    ['{{ regexFind "\\\\p{Greek}+" "abc αβγ" }}', 'αβγ'],
    ['{{ regexFind "[[:alpha:]]+" "123abc456" }}', 'abc'],
    ['{{ regexFind "[^[:digit:]]+" "123abc456" }}', 'abc'],
    ['{{ regexFind "\\\\Qa.b\\\\E" "axb a.b" }}', 'a.b'],
    ['{{ regexMatch "^\\\\x{263a}$" "☺" }}', 'true'],
    ['{{ regexMatch "\\\\Aab\\\\z" "ab" }}', 'true'],
    ['{{ regexMatch "^a.b$" "a\\rb" }}', 'true'],
    ['{{ regexMatch "^a.b$" "a\\nb" }}', 'false'],
    ['{{ regexMatch "(?s)^a.b$" "a\\nb" }}', 'true'],
    ['{{ regexMatch "(?m)^b$" "a\\nb" }}', 'true'],
    ['{{ regexMatch "^\\\\s$" "\\u00a0" }}', 'false'],
    ['{{ regexMatch "^\\\\101$" "A" }}', 'true'],
    ['{{ regexMatch "^a{2}$" "aa" }}', 'true'],
    ['{{ regexMatch "^a{,2}$" "a{,2}" }}', 'true'],
    ['{{ regexMatch "^[]a]+$" "]a" }}', 'true'],
    ['{{ regexMatch "^\\\\_$" "_" }}', 'true'],
  ])('%s', (source, want) => {
    expect(render(source)).toBe(want);
  });

  it.each(['(?=a)', '(?<=a)b', '(a)\\1', 'a**', 'a{1001}', '(?U)a', 'a(?i)b', '[[:nope:]]', '\\C', '(?P<1>a)'])('rejects %j as RE2 does', (pattern) => {
    expect(() => render('{{ regexFind .p "x" }}', { p: pattern })).toThrow('error calling regexFind: invalid regular expression');
    expect(() => render('{{ mustRegexMatch .p "x" }}', { p: pattern })).toThrow('invalid regular expression');
  });
});

describe('crypto', () => {
  it('hashes with bcrypt as Go does ($2a$, cost 10)', () => {
    const hash = render('{{ bcrypt "s3cret" }}');
    expect(hash).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    expect(bcryptjs.compareSync('s3cret', hash)).toBe(true);
  });

  it('writes htpasswd lines', () => {
    const line = render('{{ htpasswd "admin" "s3cret" }}');
    const [user, hash] = line.split(':') as [string, string];
    expect(user).toBe('admin');
    expect(bcryptjs.compareSync('s3cret', hash)).toBe(true);
    expect(render('{{ htpasswd "admin" "s3cret" "sha" }}')).toBe('admin:{SHA}/vNB+F2HQ559kaLUZbmHHvZrXpg=');
    expect(render('{{ htpasswd "a:b" "p" }}')).toBe('invalid username: a:b');
  });

  it('makes UUIDs and random bytes', () => {
    expect(render('{{ uuidv4 }}')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Buffer.from(render('{{ randBytes 24 }}'), 'base64')).toHaveLength(24);
  });
});

describe('dates', () => {
  it.each<[string, string]>([
    ['{{ dateInZone "2006-01-02 15:04:05 MST" 1700000000 "UTC" }}', '2023-11-14 22:13:20 UTC'],
    ['{{ dateInZone "Mon Jan 2 15:04 MST -07:00" 1700000000 "America/New_York" }}', 'Tue Nov 14 17:13 EST -05:00'],
    ['{{ date_in_zone "15:04 Z07:00" 1700000000 "Asia/Kolkata" }}', '03:43 +05:30'],
    ['{{ dateInZone "15:04 MST" 1700000000 "No/Such_Zone" }}', '22:13 UTC'],
    ['{{ htmlDateInZone 0 "UTC" }}', '1970-01-01'],
    ['{{ unixEpoch .t }}', '1700000000'],
  ])('%s', (source, want) => {
    expect(render(source, { t: new Date(1_700_000_000_000) })).toBe(want);
  });

  it('formats now, and treats anything that is not a time or an int as now', () => {
    const year = String(new Date().getFullYear());
    expect(render('{{ now | date "2006" }}')).toBe(year);
    expect(render('{{ date "2006" "not a date" }}')).toBe(year);
    expect(Math.abs(Number(render('{{ now | unixEpoch }}')) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('refuses a non-time for unixEpoch', () => {
    expect(() => render('{{ unixEpoch 5 }}')).toThrow('wrong type for value; expected time.Time; got int');
  });
});

describe('URLs', () => {
  it('splits a URL (Sprig docs example)', () => {
    expect(render('{{ urlParse "http://admin:secret@server.com:8080/api?list=false#anchor" }}')).toBe(
      'map[fragment:anchor host:server.com:8080 hostname:server.com opaque: path:/api query:list=false scheme:http userinfo:admin:secret]',
    );
    expect(render('{{ (urlParse "mailto:someone@example.com").opaque }}')).toBe('someone@example.com');
    expect(render('{{ (urlParse "/a%20b?x").path }}')).toBe('/a b');
    expect(() => render('{{ urlParse "http://x/%zz" }}')).toThrow('error calling urlParse: unable to parse url');
  });

  it('joins a URL (Sprig docs example)', () => {
    expect(render('{{ urlJoin (dict "fragment" "fragment" "host" "host:80" "path" "/path" "query" "query" "scheme" "http") }}')).toBe(
      'http://host:80/path?query#fragment',
    );
    expect(render('{{ urlJoin (dict "scheme" "https" "host" "h" "path" "a b/c?d" "userinfo" "u:p") }}')).toBe('https://u:p@h/a%20b/c%3Fd');
    expect(() => render('{{ urlJoin (dict "host" 1) }}')).toThrow('unable to parse dictionary value: expected string');
  });
});

describe('semver', () => {
  it.each<[string, string, boolean]>([
    ['1.2.3', '1.2.3', true],
    ['=1.2.3', '1.2.3', true],
    ['!=1.2.3', '1.2.4', true],
    ['!=1.2.3', '1.2.3', false],
    ['>1.2.3', '1.2.4', true],
    ['>1.2.3', '1.2.3', false],
    ['<1.2.3', '1.2.2', true],
    ['>=1.2.3', '1.2.3', true],
    ['<=1.2.3', '1.2.4', false],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['~1', '1.9.9', true],
    ['~1', '2.0.0', false],
    ['^1.2.3', '1.9.0', true],
    ['^1.2.3', '2.0.0', false],
    ['^1.2.3', '1.2.2', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['1.2.x', '1.2.7', true],
    ['1.2.x', '1.3.0', false],
    ['*', '42.0.1', true],
    ['>1.2', '1.2.9', false],
    ['>1.2', '1.3.0', true],
    ['<=1.2', '1.2.9', true],
    ['>= 1.2, < 3.0.0 || >= 4.2.3', '4.5.0', true],
    ['>= 1.2, < 3.0.0 || >= 4.2.3', '3.1.0', false],
    ['>= 1.2 < 3.0.0', '2.0.0', true],
    ['1.2 - 1.4.5', '1.4.5', true],
    ['1.2 - 1.4.5', '1.4.6', false],
    ['>=1.2.3', '1.2.4-beta', false],
    ['>=1.2.3-0', '1.2.4-beta', true],
    ['>=1.2.3', 'v1.5', true],
    ['^1.2.0', '1.2.3', true],
    ['>1.0 <2.0', '2.0.0', false],
  ])('%j satisfied by %j: %s', (constraint, version, want) => {
    expect(render('{{ semverCompare .c .v }}', { c: constraint, v: version })).toBe(String(want));
  });

  it('parses versions', () => {
    expect(render('{{ $v := semver "v1.2.3-alpha.1+build.5" }}{{ $v.Major }} {{ $v.Minor }} {{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }} {{ $v }}')).toBe(
      '1 2 3 alpha.1 build.5 1.2.3-alpha.1+build.5',
    );
    expect(render('{{ semver "1.2" }}')).toBe('1.2.0');
  });

  it('orders prereleases as SemVer does', () => {
    const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 1; i < order.length; i++) {
      expect(render('{{ semverCompare .c .v }}', { c: `>${order[i - 1]}`, v: order[i] })).toBe('true');
    }
  });

  it('fails on bad input', () => {
    expect(() => render('{{ semver "one" }}')).toThrow('error calling semver: invalid version');
    expect(() => render('{{ semverCompare "~>~1" "1.0.0" }}')).toThrow('error calling semverCompare: invalid version constraint');
    expect(() => render('{{ semverCompare ">1" "x" }}')).toThrow('error calling semverCompare: invalid version');
  });
});

describe('flow control', () => {
  it('fails on demand', () => {
    expect(() => render('{{ fail "boom" }}')).toThrow('error calling fail: boom');
  });

  it('requires a value (Helm required)', () => {
    expect(render('{{ required "x is required" .x }}', { x: 'v' })).toBe('v');
    expect(() => render('{{ required "x is required" .x }}', { x: '' })).toThrow('error calling required: x is required');
    expect(() => render('{{ required "x is required" .x }}', {})).toThrow('error calling required: x is required');
  });
});
