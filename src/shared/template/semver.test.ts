import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion, semverObject, semverSatisfies, versionString } from './semver.js';
import { formatValue } from './fmt.js';

describe('semver', () => {
  it('parses leniently, like Masterminds NewVersion', () => {
    expect(versionString(parseVersion('v1'))).toBe('1.0.0');
    expect(versionString(parseVersion('1.2'))).toBe('1.2.0');
    expect(parseVersion('1.2.3-rc.1+b')).toMatchObject({ major: 1, minor: 2, patch: 3, prerelease: 'rc.1', metadata: 'b' });
    for (const bad of ['', 'x', '1.2.3.4', '1.2.3-01', '1.2.3-', '01.2.3x']) expect(() => parseVersion(bad)).toThrow('invalid version');
  });

  it('orders versions', () => {
    const sorted = ['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0', '1.0.1', '1.10.0', '2.0.0'];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort((a, b) => compareVersions(parseVersion(a), parseVersion(b)))).toEqual(sorted);
    expect(compareVersions(parseVersion('1.0.0+a'), parseVersion('1.0.0+b'))).toBe(0);
  });

  it('checks constraints', () => {
    expect(semverSatisfies('>= 1.2.3, < 2', '1.9.0')).toBe(true);
    expect(semverSatisfies('<1.0.0 || >=2.0.0', '1.5.0')).toBe(false);
    expect(semverSatisfies('!= 1.2.x', '1.2.5')).toBe(false);
    expect(semverSatisfies('!= 1.2.x', '1.3.0')).toBe(true);
    expect(semverSatisfies('~> 1.2', '1.2.9')).toBe(true);
    expect(() => semverSatisfies('>>1', '1.0.0')).toThrow('invalid version constraint');
  });

  it('prints as a version and exposes fields', () => {
    const v = semverObject('v2.3.4');
    expect(formatValue(v)).toBe('2.3.4');
    expect(v['Major']).toBe(2);
    expect(v['Original']).toBe('v2.3.4');
  });
});
