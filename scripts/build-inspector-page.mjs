#!/usr/bin/env node
// Builds the inspector page (src/inspector-page) into dist/inspector-page:
// one index.html with the bundled script and style inline (one request to the
// first paint), and manifest.json with their sha256 hashes, which the server
// puts in its Content-Security-Policy so no other inline code can run.
// Run by `npm run build` (and so by `npm ci`, through `prepare`) and by the
// tests that serve the page. Files are written atomically (temp, then rename).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = join(root, 'src', 'inspector-page');
const out = join(root, 'dist', 'inspector-page');

const hash = (text) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;

function writeAtomically(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

const started = performance.now();
const bundle = await build({
  entryPoints: [join(source, 'main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome109', 'firefox115', 'safari16'],
  write: false,
  charset: 'utf8',
  // Third-party licence comments (uPlot, dagre: MIT) stay, at the end of the script.
  legalComments: 'eof',
  logLevel: 'warning',
  tsconfig: join(source, 'tsconfig.json'),
});
const script = bundle.outputFiles[0].text;
const styles = [readFileSync(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8'), readFileSync(join(source, 'styles.css'), 'utf8')].join('\n');
const style = (await transform(styles, { loader: 'css', minify: true })).code;

// Inline code must not close its own element early.
if (/<\/script/i.test(script)) throw new Error('the page bundle contains "</script": it cannot be inlined');
if (/<\/style/i.test(style)) throw new Error('the page style contains "</style": it cannot be inlined');

const template = readFileSync(join(source, 'index.html'), 'utf8');
const html = template.replace('/*STYLE*/', () => style).replace('/*SCRIPT*/', () => script);
mkdirSync(out, { recursive: true });
writeAtomically(join(out, 'index.html'), html);
writeAtomically(join(out, 'manifest.json'), `${JSON.stringify({ scriptHash: hash(script), styleHash: hash(style), bytes: Buffer.byteLength(html) }, null, 2)}\n`);
console.log(`inspector page: ${join('dist', 'inspector-page', 'index.html')} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB) in ${(performance.now() - started).toFixed(0)} ms`);
