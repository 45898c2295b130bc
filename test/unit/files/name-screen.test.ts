/** The walk's name screen: refusals with the label Dataverse would accept, --fix-labels, and collisions after NFC. */
import { describe, expect, it } from 'vitest';
import { screenNames, type NamedEntry } from '../../../src/adapters/files/name-screen.js';

const entry = (relativePath: string): NamedEntry => {
  const slash = relativePath.lastIndexOf('/');
  return { relativePath, directoryLabel: slash < 0 ? '' : relativePath.slice(0, slash), fileName: relativePath.slice(slash + 1) };
};

describe('screenNames', () => {
  it('passes good names as they are and refuses a bad one with the label Dataverse would accept', () => {
    const verdicts = screenNames([entry('raw/ok.csv'), entry('raw/a?b.csv')], { fixLabels: false });
    expect(verdicts[0]).toEqual({ ok: true, name: { directoryLabel: 'raw', fileName: 'ok.csv' }, relabelled: false });
    expect(verdicts[1]).toEqual({
      ok: false,
      code: 'NAME_REFUSED',
      reason: 'Dataverse refuses "?" in a file name; Dataverse would accept "raw/a_b.csv" (--fix-labels loads it so)',
      label: 'raw/a_b.csv',
    });
  });

  it('gives a bad name the accepted label under --fix-labels, and says it relabelled it', () => {
    expect(screenNames([entry('über/a?b.csv')], { fixLabels: true })).toEqual([{ ok: true, name: { directoryLabel: 'ber', fileName: 'a_b.csv' }, relabelled: true }]);
  });

  it('normalises to NFC without calling it a relabelling', () => {
    expect(screenNames([entry('caf\u0065\u0301.txt')], { fixLabels: false })).toEqual([{ ok: true, name: { directoryLabel: '', fileName: 'café.txt' }, relabelled: false }]);
  });

  it('refuses both files of a name written in NFC and in NFD, each naming the other and its form', () => {
    const nfc = 'data/r\u00e9sum\u00e9.txt';
    const nfd = 'data/re\u0301sume\u0301.txt';
    const [first, second] = screenNames([entry(nfc), entry(nfd), entry('data/other.txt')], { fixLabels: false });
    expect(first).toEqual({ ok: false, code: 'NAME_COLLISION', reason: `its path in the dataset, "${nfc}", is also that of "${nfd}" (the same name in NFD; this one is in NFC); none of them is loaded`, label: nfc });
    expect(second).toMatchObject({ ok: false, code: 'NAME_COLLISION', label: nfc });
  });

  it('refuses files that --fix-labels maps onto one path, but not without it', () => {
    const entries = [entry('a:b.txt'), entry('a_b.txt'), entry('a|b.txt'), entry('a*b.txt'), entry('a#b.txt')];
    const fixed = screenNames(entries, { fixLabels: true });
    expect(fixed.every((v) => !v.ok && v.code === 'NAME_COLLISION')).toBe(true);
    expect(fixed[1]).toMatchObject({ reason: 'its path in the dataset, "a_b.txt", is also that of "a:b.txt", "a|b.txt", "a*b.txt" and 1 more; none of them is loaded' });
    const plain = screenNames(entries, { fixLabels: false });
    expect(plain.map((v) => (v.ok ? 'ok' : v.code))).toEqual(['NAME_REFUSED', 'ok', 'NAME_REFUSED', 'NAME_REFUSED', 'NAME_REFUSED']);
  });

  it('prints a colliding hostile name escaped', () => {
    const [verdict] = screenNames([entry('a\u001b.txt'), entry('a_.txt')], { fixLabels: true });
    expect(verdict).toMatchObject({ ok: false, code: 'NAME_COLLISION' });
    const second = screenNames([entry('a\u001b.txt'), entry('a_.txt')], { fixLabels: true })[1]!;
    expect(!second.ok && second.reason).toBe('its path in the dataset, "a_.txt", is also that of "a\\\\u{1b}.txt"; none of them is loaded');
  });

  it('refuses a new file whose path a file loaded before holds, whether that one is passed or found by loadedAt', () => {
    const nfd = 're\u0301sume\u0301.txt';
    const byLookup = screenNames([entry(nfd)], { fixLabels: false, loadedAt: (path) => path === 'résumé.txt' });
    expect(byLookup).toEqual([{ ok: false, code: 'NAME_COLLISION', reason: `its path in the dataset, "résumé.txt", is that of "résumé.txt" (the same name in NFC; this one is in NFD), loaded before; this file is not loaded`, label: 'résumé.txt' }]);
    const passed = screenNames([entry('résumé.txt'), { ...entry(nfd), loaded: true }], { fixLabels: false, loadedAt: () => false });
    expect(passed[0]).toMatchObject({ ok: false, code: 'NAME_COLLISION', reason: expect.stringContaining(', loaded before; this file is not loaded') });
    expect(screenNames([entry('résumé.txt')], { fixLabels: false, loadedAt: () => true })[0]).toMatchObject({ ok: true });
  });
});
