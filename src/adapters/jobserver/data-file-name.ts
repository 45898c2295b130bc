/**
 * Data file names: one path segment, checked so nothing leaves the data
 * folder. The rules of safe-path.ts (no NUL, backslash, absolute path, `..`)
 * plus: no `/` at all (the folder is flat), no leading dot (temporaries and
 * hidden files), no `%` (a percent-encoded name is the caller's to decode,
 * never a second spelling of another name), no control characters, Unicode in
 * NFC form only (no normalisation twins), and a registered extension.
 */
import { extname } from 'node:path';
import { HoldfastError } from '../../errors.js';
import { relativePathProblem } from '../files/safe-path.js';

export const DEFAULT_EXTENSIONS = ['.json', '.csv', '.tsv', '.txt'];
const MAX_NAME_BYTES = 255;

/** Why a data file name is refused, or undefined when it is fine. */
export function dataFileNameProblem(name: unknown, extensions: readonly string[]): string | undefined {
  if (typeof name !== 'string') return 'the name is not a string';
  const lexical = relativePathProblem(name);
  if (lexical !== undefined) return lexical;
  if (name.includes('/')) return 'the name contains a "/": data files live directly in the data folder';
  if (name.startsWith('.')) return 'the name starts with a "."';
  if (name.includes('%')) return 'the name contains a "%": decode percent-encoded names first';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'the name contains a control character';
  if (name !== name.normalize('NFC')) return 'the name is not in Unicode NFC form';
  if (name.trim() !== name) return 'the name starts or ends with white space';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `the name is longer than ${MAX_NAME_BYTES} bytes`;
  const extension = extname(name).toLowerCase();
  if (!extensions.includes(extension)) return `the extension ${JSON.stringify(extension || '(none)')} is not registered (registered: ${extensions.join(', ')})`;
  return undefined;
}

/** @throws INVALID_INPUT naming why the name is refused */
export function assertDataFileName(name: unknown, extensions: readonly string[]): asserts name is string {
  const problem = dataFileNameProblem(name, extensions);
  if (problem !== undefined) throw new HoldfastError('INVALID_INPUT', `refused data file name ${JSON.stringify(String(name)).slice(0, 300)}: ${problem}`, { details: { reason: problem } });
}
