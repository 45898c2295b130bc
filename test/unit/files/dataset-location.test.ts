import { describe, expect, it } from 'vitest';

import {
  datasetFolderFromPid,
  datasetFolderFromStorageIdentifier,
  isPid,
  parsePid,
  targetPathFor,
} from '../../../src/adapters/files/dataset-location.js';

const folder = { authority: '10.5072', identifier: 'FK2/ABC123' };

describe('datasetFolderFromPid', () => {
  it('splits a DOI into its prefix and the whole suffix', () => {
    expect(datasetFolderFromPid('doi:10.5072/FK2/ABC123')).toEqual(folder);
  });

  it('splits a handle into its prefix and suffix', () => {
    expect(datasetFolderFromPid('hdl:1902.1/12345')).toEqual({ authority: '1902.1', identifier: '12345' });
    expect(datasetFolderFromPid('hdl:20.500.12345/XYZ/1')).toEqual({ authority: '20.500.12345', identifier: 'XYZ/1' });
  });

  it.each([
    ['10.5072/FK2/ABC123', 'no protocol'],
    ['ark:/13030/tf5p30086k', 'unknown protocol "ark"'],
    ['DOI:10.5072/FK2/ABC123', 'unknown protocol "DOI"'],
    ['doi:10.5072', 'no "/"'],
    ['doi:/FK2/ABC123', 'no "/"'],
    ['doi:10.5072/', 'identifier after the "/" is empty'],
    ['doi:11.5072/FK2', 'not a DOI prefix'],
    ['doi:10.5072/FK2/../../etc', '".." segment'],
    ['doi:10.5072/FK2//ABC', 'empty segment'],
    ['doi:10.5072/FK2\\ABC', 'backslash'],
    ['doi:10.5072/FK2 ABC', 'whitespace'],
    ['hdl:19 02/1', 'whitespace'],
    ['', 'no protocol'],
  ])('refuses %j with INVALID_PID saying %s and the expected form', (pid, problem) => {
    expect(() => datasetFolderFromPid(pid)).toThrow(
      expect.objectContaining({
        code: 'INVALID_PID',
        message: expect.stringMatching(new RegExp(`${escapeRegExp(problem)}.*expected doi:10\\.NNNN/SUFFIX`)),
      }),
    );
  });
});

describe('parsePid and isPid', () => {
  it('returns the protocol and the PID as given', () => {
    expect(parsePid('doi:10.5072/FK2/ABC123')).toEqual({ protocol: 'doi', pid: 'doi:10.5072/FK2/ABC123', ...folder });
  });

  it('tells well-formed PIDs from malformed ones without throwing', () => {
    expect(isPid('doi:10.5072/FK2/ABC123')).toBe(true);
    expect(isPid('doi:10.5072')).toBe(false);
  });
});

describe('datasetFolderFromStorageIdentifier', () => {
  it('reads the folder from a file-store location', () => {
    expect(datasetFolderFromStorageIdentifier('file://10.5072/FK2/ABC123')).toEqual(folder);
  });

  it.each([['s3://bucket/10.5072/FK2/ABC123'], ['10.5072/FK2/ABC123'], ['file://10.5072'], ['file://../x/y']])(
    'refuses %j with INVALID_PID',
    (location) => {
      expect(() => datasetFolderFromStorageIdentifier(location)).toThrow(
        expect.objectContaining({ code: 'INVALID_PID', message: expect.stringContaining('file://AUTHORITY/IDENTIFIER') }),
      );
    },
  );
});

describe('targetPathFor', () => {
  it('places the file at FILES/<authority>/<identifier>/<storageIdentifier>', () => {
    expect(targetPathFor('/srv/files', folder, '18f3a5c2b11-1a2b3c4d5e6f')).toBe(
      '/srv/files/10.5072/FK2/ABC123/18f3a5c2b11-1a2b3c4d5e6f',
    );
  });

  it('refuses a storage identifier that is not in Dataverse form', () => {
    expect(() => targetPathFor('/srv/files', folder, '../../etc/passwd')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses a hand-built folder that would leave the file store', () => {
    expect(() =>
      targetPathFor('/srv/files', { authority: '..', identifier: 'x' }, '18f3a5c2b11-1a2b3c4d5e6f'),
    ).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE_ROOT' }));
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
