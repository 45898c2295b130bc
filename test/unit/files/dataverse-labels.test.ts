/**
 * Dataverse's rules for file names and folder labels (FileMetadata.label's
 * @Pattern and @NotBlank, FileDirectoryNameValidator, StringUtil.sanitizeFileDirectory,
 * the VARCHAR(255) columns) and the --fix-labels mapping: one test per rule,
 * then properties over arbitrary names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkName, datasetPath, fixDirectoryLabel, fixFileName, fixName, sanitizeDirectory, type LabelRule } from '../../../src/adapters/files/dataverse-labels.js';

const rulesOf = (directoryLabel: string, fileName: string): LabelRule[] => checkName({ directoryLabel, fileName }).problems.map((p) => p.rule);

describe('names Dataverse accepts as they are', () => {
  it('passes ASCII, accented and CJK file names, spaces, dots and an empty folder label', () => {
    for (const [directoryLabel, fileName] of [
      ['', 'README.txt'],
      ['raw/2024', 'a b.csv'],
      ['nested/deeper/deepest', 'résumé des mesures.txt'],
      ['japanese', '試料 一覧.csv'],
      ['with space/x_y-z.1', '.hidden'],
      ['a..b', 'émoji 😀.bin'],
    ]) {
      expect(checkName({ directoryLabel: directoryLabel!, fileName: fileName! })).toMatchObject({ problems: [], fixed: { directoryLabel, fileName } });
    }
  });
});

describe('file names Dataverse refuses', () => {
  it.each([':', '<', '>', ';', '#', '"', '*', '|', '?', '\\'])('refuses %s in a file name (FileMetadata.label @Pattern) and maps it to _', (character) => {
    const check = checkName({ directoryLabel: '', fileName: `a${character}b.txt` });
    expect(check.problems).toEqual([{ rule: 'fileName.illegalCharacters', reason: `Dataverse refuses ${JSON.stringify(character)} in a file name` }]);
    expect(check.fixed.fileName).toBe('a_b.txt');
  });

  it('refuses a blank name (@NotBlank, after Java trim) and maps it to _', () => {
    expect(rulesOf('', '   ')).toEqual(['fileName.blank']);
    expect(fixFileName('   ')).toBe('_');
  });

  it('refuses a name over 255 characters (LABEL VARCHAR(255)) and cuts it keeping the extension', () => {
    const long = `${'é'.repeat(300)}.csv`;
    expect(rulesOf('', long)).toEqual(['fileName.tooLong']);
    const fixed = fixFileName(long);
    expect([...fixed]).toHaveLength(255);
    expect(fixed.endsWith('.csv')).toBe(true);
    expect(rulesOf('', 'x'.repeat(255))).toEqual([]);
  });
});

describe('control characters and terminal escapes', () => {
  it('refuses a newline, a tab, an escape sequence, C1 controls and bidi overrides in a file name, each mapped to _', () => {
    expect(checkName({ directoryLabel: '', fileName: 'two\nlines.txt' }).problems).toEqual([{ rule: 'fileName.control', reason: 'the file name holds control characters (a newline)' }]);
    expect(fixFileName('\u001b[31mred\u001b[0m.txt')).toBe('_[31mred_[0m.txt');
    expect(fixFileName('tab\there\u0085\u009b.txt')).toBe('tab_here__.txt');
    expect(fixFileName('invoice\u202Etxt.exe')).toBe('invoice_txt.exe');
    expect(rulesOf('', 'a\u2028b')).toEqual(['fileName.control']);
  });

  it('refuses control characters in a folder name and maps them as Dataverse maps a zip folder', () => {
    expect(rulesOf('bad\nfolder', 'a.txt')).toEqual(['directoryLabel.control']);
    expect(fixDirectoryLabel('bad\nfolder')).toBe('bad.folder');
    expect(fixDirectoryLabel('\u001b[2Jx')).toBe('2Jx');
  });
});

describe('folder labels Dataverse refuses or rewrites', () => {
  it('refuses characters outside [A-Za-z0-9_ ./-] (FileDirectoryNameValidator) and maps runs of them to one dot', () => {
    const check = checkName({ directoryLabel: 'données/été', fileName: 'a.txt' });
    expect(check.problems).toEqual([{ rule: 'directoryLabel.illegalCharacters', reason: 'Dataverse allows only A-Z a-z 0-9 _ - . / and space in a folder name, not "é"' }]);
    // Dataverse strips only the ends of the whole label, so `/.t` keeps its dot.
    expect(check.fixed).toEqual({ directoryLabel: 'donn.es/.t', fileName: 'a.txt' });
    expect(fixDirectoryLabel('日本語')).toBe('');
    expect(fixDirectoryLabel('a:b/c#d')).toBe('a.b/c.d');
  });

  it('reports a label Dataverse would rewrite (sanitizeFileDirectory) and maps it to that rewrite', () => {
    expect(checkName({ directoryLabel: '.hidden/x', fileName: 'a.txt' }).problems).toEqual([{ rule: 'directoryLabel.rewritten', reason: 'Dataverse would store the folder as "hidden/x"' }]);
    expect(fixDirectoryLabel('.hidden/x')).toBe('hidden/x');
    expect(fixDirectoryLabel('raw-')).toBe('raw');
    expect(fixDirectoryLabel('draft ')).toBe('draft');
    expect(fixDirectoryLabel('a..b/-c')).toBe('a..b/-c');
    expect(checkName({ directoryLabel: '...', fileName: 'a.txt' }).problems[0]?.reason).toBe('Dataverse would store the folder as none (the top of the dataset)');
    expect(fixDirectoryLabel('...')).toBe('');
  });

  it('refuses a label over 255 characters and cuts it', () => {
    const label = `${'abcdefghi/'.repeat(30)}z`;
    expect(rulesOf(label, 'a.txt')).toEqual(['directoryLabel.tooLong']);
    const fixed = fixDirectoryLabel(label);
    expect(fixed.length).toBeLessThanOrEqual(255);
    expect(fixed.endsWith('/')).toBe(false);
  });

  it('sanitizes as StringUtil.sanitizeFileDirectory does, gently and aggressively', () => {
    expect(sanitizeDirectory('//a\\\\b//', false)).toBe('a/b');
    expect(sanitizeDirectory('- .a/b. -', false)).toBe('a/b');
    expect(sanitizeDirectory('a§§b..c', true)).toBe('a.b.c');
  });
});

describe('NFC', () => {
  it('normalises names to NFC, which is not a problem in itself', () => {
    const nfd = 're\u0301sume\u0301.txt';
    const check = checkName({ directoryLabel: '', fileName: nfd });
    expect(check.problems).toEqual([]);
    expect(check.name.fileName).toBe('résumé.txt');
    expect(datasetPath(check.name)).toBe(datasetPath(checkName({ directoryLabel: '', fileName: 'résumé.txt' }).name));
  });

  it('checks what NFC makes of a name: U+037E GREEK QUESTION MARK is a semicolon', () => {
    expect(rulesOf('', 'why\u037E.txt')).toEqual(['fileName.illegalCharacters']);
  });
});

describe('the --fix-labels mapping, over arbitrary names', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(':', '/', '\\', '.', '-', ' ', '\n', '\u001b', 'é', 'e', '\u0301', '\u037E', '\u0958', 'A', '\u202E'), maxLength: 300 }),
  );
  const anyName = fc.record({ directoryLabel: anyText, fileName: anyText });

  it('always gives a name that passes every rule', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        expect(checkName(fixName(name)).problems).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('is idempotent and leaves a passing name as it is (in NFC)', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const fixed = fixName(name);
        expect(fixName(fixed)).toEqual(fixed);
        const check = checkName(name);
        if (check.problems.length === 0) expect(fixed).toEqual(check.name);
        expect(check.fixed).toEqual(fixed);
      }),
      { numRuns: 2_000 },
    );
  });
});
