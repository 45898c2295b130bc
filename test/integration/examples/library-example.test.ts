/**
 * examples/library is the README's library snippet ("The library in a page"), run as a
 * user would: the same code (but the import path), type-checked by `npm run typecheck`
 * (tsconfig.check.json takes examples/), run twice in a fresh folder. The second run
 * finds the first run's actor in ./.holdfast and counts on from where it stood.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempFolder } from '../../helpers/temp-store.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const example = join(root, 'examples', 'library');

/** The README's code blocks under its library heading, in order. */
function readmeSnippets(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('The library'));
  if (!section) throw new Error('README.md has no "## The library" section');
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Runs main.ts with `cwd` as the user's folder (tsx from this repository); its stdout. */
async function runExample(cwd: string): Promise<string> {
  const tsx = import.meta.resolve('tsx');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, join(example, 'main.ts')], { cwd, timeout: 60_000 });
  return stdout;
}

describe('examples/library', () => {
  it('is the README snippet, its machine included', () => {
    const [machine, main] = readmeSnippets();
    expect(machine).toBeDefined();
    expect(main).toBeDefined();
    const file = (name: string) => readFileSync(join(example, name), 'utf8');
    expect(machine!.trim()).toBe(`// counter.machine.ts\n${file('counter.machine.ts').trim()}`);
    expect(main!.trim()).toBe(`// main.ts\n${file('main.ts').replace("from '../../src/index.js'", "from 'holdfast'").trim()}`);
  });

  it('runs, prints the inspector address, and keeps its counter across runs', async () => {
    const cwd = tempFolder('holdfast-library-');
    const first = await runExample(cwd);
    expect(first).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+$/m);
    expect(first).toMatch(/^count: 2$/m);
    const second = await runExample(cwd);
    expect(second).toMatch(/^count: 4$/m);
  });
});
