import { describe, expect, it } from 'vitest';
import {
  SelectorParseError,
  formatLabelSelector,
  labelSelectorFromObject,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';

const sel = (s: string, labels: Record<string, string> | undefined): boolean => matchLabels(parseLabelSelector(s), labels);

describe('label selectors', () => {
  it('parses every operator', () => {
    expect(parseLabelSelector('a=1,b==2,c!=3, d in (x, y),e notin (z),f,!g,h>4,i<5')).toEqual([
      { key: 'a', operator: 'equals', values: ['1'] },
      { key: 'b', operator: 'equals', values: ['2'] },
      { key: 'c', operator: 'notEquals', values: ['3'] },
      { key: 'd', operator: 'in', values: ['x', 'y'] },
      { key: 'e', operator: 'notin', values: ['z'] },
      { key: 'f', operator: 'exists', values: [] },
      { key: 'g', operator: 'doesNotExist', values: [] },
      { key: 'h', operator: 'gt', values: ['4'] },
      { key: 'i', operator: 'lt', values: ['5'] },
    ]);
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('app.kubernetes.io/name=web')).toEqual([{ key: 'app.kubernetes.io/name', operator: 'equals', values: ['web'] }]);
    expect(parseLabelSelector('a=')).toEqual([{ key: 'a', operator: 'equals', values: [''] }]);
  });

  it('matches with Kubernetes semantics (!= and notin also match missing labels)', () => {
    const labels = { env: 'prod', tier: 'web', replicas: '3' };
    expect(sel('env=prod', labels)).toBe(true);
    expect(sel('env=dev', labels)).toBe(false);
    expect(sel('env!=dev', labels)).toBe(true);
    expect(sel('missing!=x', labels)).toBe(true);
    expect(sel('env in (dev,prod)', labels)).toBe(true);
    expect(sel('env notin (dev,prod)', labels)).toBe(false);
    expect(sel('missing notin (a)', labels)).toBe(true);
    expect(sel('missing in (a)', labels)).toBe(false);
    expect(sel('tier', labels)).toBe(true);
    expect(sel('!tier', labels)).toBe(false);
    expect(sel('!missing', labels)).toBe(true);
    expect(sel('replicas>2,replicas<4', labels)).toBe(true);
    expect(sel('env>2', labels)).toBe(false);
    expect(sel('env=prod,tier=db', labels)).toBe(false);
    expect(sel('', undefined)).toBe(true);
    expect(sel('a', undefined)).toBe(false);
  });

  it('rejects malformed selectors', () => {
    for (const bad of ['a in ()', 'a in (b', '=b', 'a b', 'a=b,', 'a>x', 'Bad Key=1', 'a=-bad-', 'a in b']) {
      expect(() => parseLabelSelector(bad), bad).toThrow(SelectorParseError);
    }
  });

  it('converts LabelSelector objects and formats them back', () => {
    const obj = {
      matchLabels: { team: 'a' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['dev', 'prod'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    const reqs = labelSelectorFromObject(obj);
    expect(matchLabels(reqs, { team: 'a', env: 'dev' })).toBe(true);
    expect(matchLabels(reqs, { team: 'a', env: 'dev', legacy: '1' })).toBe(false);
    expect(formatLabelSelector(obj)).toBe('team=a,env in (dev,prod),!legacy');
    expect(parseLabelSelector(formatLabelSelector(obj))).toEqual(reqs);
    expect(labelSelectorFromObject({})).toEqual([]);
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(SelectorParseError);
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(SelectorParseError);
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] })).toThrow(SelectorParseError);
  });
});

describe('field selectors', () => {
  it('parses =, == and != with escapes', () => {
    expect(parseFieldSelector('metadata.name=a,metadata.namespace!=b, type==c')).toEqual([
      { field: 'metadata.name', operator: 'equals', value: 'a' },
      { field: 'metadata.namespace', operator: 'notEquals', value: 'b' },
      { field: 'type', operator: 'equals', value: 'c' },
    ]);
    expect(parseFieldSelector('metadata.name=a\\,b')).toEqual([{ field: 'metadata.name', operator: 'equals', value: 'a,b' }]);
    expect(parseFieldSelector('')).toEqual([]);
    expect(() => parseFieldSelector('metadata.name')).toThrow(SelectorParseError);
  });

  it('matches', () => {
    const fields = { 'metadata.name': 'x', 'metadata.namespace': 'ns' };
    expect(matchFields(parseFieldSelector('metadata.name=x'), fields)).toBe(true);
    expect(matchFields(parseFieldSelector('metadata.name!=x'), fields)).toBe(false);
    expect(matchFields(parseFieldSelector('metadata.namespace=ns,metadata.name=y'), fields)).toBe(false);
  });
});
