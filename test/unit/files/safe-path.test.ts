import { describe, expect, it } from 'vitest';

import { relativePathProblem, resolveUnder } from '../../../src/adapters/files/safe-path.js';
import { HoldfastError } from '../../../src/errors.js';

const root = '/srv/files';

function refusal(relativePath: string): HoldfastError {
  try {
    resolveUnder(root, relativePath);
  } catch (error) {
    if (error instanceof HoldfastError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(relativePath)} was accepted`);
}

describe('resolveUnder', () => {
  it('joins a nested relative path under the root', () => {
    expect(resolveUnder(root, '10.5072/FK2/ABC123/18f3a5c2b11-1a2b3c4d5e6f')).toBe(
      '/srv/files/10.5072/FK2/ABC123/18f3a5c2b11-1a2b3c4d5e6f',
    );
  });

  it('resolves a relative root to an absolute path', () => {
    expect(resolveUnder('files', 'a.txt')).toMatch(/^\/.*\/files\/a\.txt$/);
  });

  it.each([
    ['../etc/passwd', '".." segment'],
    ['a/../../b', '".." segment'],
    ['a/..', '".." segment'],
    ['..', '".." segment'],
    ['/etc/passwd', 'absolute'],
    ['a\\..\\..\\b', 'backslash'],
    ['C:\\Windows', 'backslash'],
    ['a\0/../../etc', 'NUL byte'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['./a', '"." segment'],
    ['', 'empty'],
  ])('refuses %j with PATH_OUTSIDE_ROOT naming the %s', (hostile, problem) => {
    const error = refusal(hostile);
    expect(error.code).toBe('PATH_OUTSIDE_ROOT');
    expect(error.message).toContain(problem);
    expect(error.details).toMatchObject({ root, path: hostile });
  });

  it('keeps a literal %2e%2e as a name inside the root, without decoding it', () => {
    expect(resolveUnder(root, '%2e%2e/%2e%2e/etc')).toBe('/srv/files/%2e%2e/%2e%2e/etc');
  });

  it('keeps names that merely contain dots, such as "..a" and "a..b"', () => {
    expect(resolveUnder(root, '..a/a..b/...')).toBe('/srv/files/..a/a..b/...');
  });

  it('keeps a very long name whole, leaving length limits to the file system', () => {
    const long = 'x'.repeat(1000);
    expect(resolveUnder(root, `a/${long}`)).toBe(`/srv/files/a/${long}`);
  });

  it('keeps unicode names byte for byte, without normalising them', () => {
    const composed = 'caf\u00e9/\u6570\u636e.csv';
    const decomposed = 'cafe\u0301/\u{1F600} space.csv';
    expect(resolveUnder(root, composed)).toBe(`/srv/files/${composed}`);
    expect(resolveUnder(root, decomposed)).toBe(`/srv/files/${decomposed}`);
  });
});

describe('relativePathProblem', () => {
  it('returns undefined for an acceptable path and a reason for a hostile one', () => {
    expect(relativePathProblem('a/b c/d.txt')).toBeUndefined();
    expect(relativePathProblem('a/../b')).toBe('the path has a ".." segment');
  });
});
