/**
 * A module resolution hook: the bench runs the code as it ships. An import that
 * resolves to this repository's `src/X.ts` is answered with `dist/X.js`, tsc's
 * output (`npm run build`), which is what the package publishes and `holdfast`
 * runs. tsx compiles `src` on the fly with esbuild instead, which wraps every
 * named function in a `__name` helper call (its keepNames): measured, the
 * transitions suite ran ~10 % slower that way (session 22's note).
 * The suites and bench/lib themselves are still compiled by tsx.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = fileURLToPath(new URL('../../src/', import.meta.url));
const shipped = fileURLToPath(new URL('../../dist/', import.meta.url));

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith('file:') || !resolved.url.endsWith('.ts')) return resolved;
  const path = fileURLToPath(resolved.url);
  if (!path.startsWith(source)) return resolved;
  const built = `${shipped}${path.slice(source.length, -'.ts'.length)}.js`;
  // A file tsc does not emit (none today) is still run from source.
  if (!existsSync(built)) return resolved;
  return { url: pathToFileURL(built).href, format: 'module', shortCircuit: true };
}
