/** The host-module loader over real files: TypeScript and JavaScript modules, discovery, bad shapes, throwing modules. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HoldfastError } from '../../../src/errors.js';
import { loadHostModule, requireHostModule } from '../../../src/kinds/host-loader.js';
import { tempFolder } from '../../helpers/temp-store.js';

const TS_MODULE = `
interface Address { text: string }
const upper = (item: unknown): string => (item as Address).text.toUpperCase();
export default {
  applications: [{ name: 'shout', steps: [{ name: 'upper', run: upper }, { name: 'exclaim', after: ['upper'], run: (_item: unknown, inputs: Record<string, unknown>) => inputs.upper + '!' }] }],
  sources: { letters: () => [{ id: 'a', value: { text: 'a' } }] },
  scriptsDir: 'bin',
  dataDir: '../data',
};
`;

async function failure(promise: Promise<unknown>): Promise<HoldfastError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HoldfastError);
    return error as HoldfastError;
  }
  throw new Error('expected a failure');
}

describe('loadHostModule', () => {
  it('gives the task worker of tasks and queues; a task name a job cannot carry is refused naming the module', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'holdfast.config.mjs'), `export default { tasks: { 'notes.count': () => null }, queues: { default: 3 } };`);
    const host = (await loadHostModule({ cwd: folder }))!;
    expect(host.tasks?.queues).toEqual({ default: 3 });
    expect(host.tasks?.tasks.names()).toEqual(['notes.count']);
    writeFileSync(join(folder, 'bad.mjs'), `export default { tasks: { '9 lives': () => null }, queues: { default: 1 } };`);
    const error = await failure(loadHostModule({ cwd: folder, app: 'bad.mjs' }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`host module ${join(folder, 'bad.mjs')}: tasks: invalid task names: "9 lives"`);
  });

  it('loads holdfast.config.ts from the folder with types stripped, code version the module hash', async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'holdfast.config.ts'), TS_MODULE);
    const host = (await loadHostModule({ cwd: folder }))!;
    const hash = createHash('sha256').update(readFileSync(join(folder, 'holdfast.config.ts'))).digest('hex').slice(0, 12);
    expect(host.path).toBe(join(folder, 'holdfast.config.ts'));
    expect(host.codeVersion).toBe(hash);
    expect(host.applications.map((app) => [app.name, app.version])).toEqual([['shout', hash]]);
    const [upper, exclaim] = host.applications[0]!.steps;
    const context = { jobId: 'j', itemId: 'i', config: null, params: {} };
    expect(exclaim!.run({}, { upper: upper!.run({ text: 'hi' }, {}, context) }, context)).toBe('HI!');
    expect(host.scriptsDir).toBe(join(folder, 'bin'));
    expect(host.dataDir).toBe(join(folder, '..', 'data'));
    expect(Object.keys(host.module.sources ?? {})).toEqual(['letters']);
  });

  it('loads a JavaScript module given with --app (relative to cwd), keeping a declared version; a namespace works too', async () => {
    const folder = tempFolder();
    mkdirSync(join(folder, 'app'));
    writeFileSync(join(folder, 'app', 'host.mjs'), `export const applications = [{ name: 'echo', version: 'v7', steps: [{ name: 'same', run: (item) => item }] }];\nexport const helper = 1;\n`);
    const host = (await loadHostModule({ app: 'app/host.mjs', cwd: folder }))!;
    expect(host.applications.map((app) => [app.name, app.version])).toEqual([['echo', 'v7']]);
  });

  it('looks for holdfast.config.ts, .mts, .js, .mjs in that order, and finds nothing in an empty folder', async () => {
    const folder = tempFolder();
    expect(await loadHostModule({ cwd: folder })).toBeUndefined();
    const error = await failure(requireHostModule({ cwd: folder }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`holdfast.config.ts, holdfast.config.mts, holdfast.config.js, holdfast.config.mjs in ${folder}`);
    writeFileSync(join(folder, 'holdfast.config.mjs'), `export default { applications: [{ name: 'from-mjs', steps: [{ name: 's', run: () => 1 }] }] };`);
    writeFileSync(join(folder, 'holdfast.config.js'), `export default { applications: [{ name: 'from-js', steps: [{ name: 's', run: () => 1 }] }] };`);
    expect((await loadHostModule({ cwd: folder }))!.applications[0]!.name).toBe('from-js');
  });

  it('says SOURCE_MISSING for an --app file that does not exist', async () => {
    const folder = tempFolder();
    const error = await failure(loadHostModule({ app: 'nope.ts', cwd: folder }));
    expect(error.code).toBe('SOURCE_MISSING');
    expect(error.message).toContain(join(folder, 'nope.ts'));
  });

  it('names the bad field of a badly shaped module', async () => {
    const folder = tempFolder();
    const load = (text: string) => {
      writeFileSync(join(folder, 'm.ts'), text);
      return failure(loadHostModule({ app: 'm.ts', cwd: folder }));
    };
    expect((await load(`export default { sources: { people: 42 } };`)).message).toMatch(/m.ts: sources.people must be a function, got number/);
    expect((await load(`export default { applications: [{ name: 'a', steps: [{ name: 'x', after: ['y'], run: () => 1 }, { name: 'y', after: ['x'], run: () => 1 }] }] };`)).message).toMatch(
      /applications\[0\]: .*cycle/,
    );
    expect((await load(`export default { applications: [{ name: 'a', steps: [{ name: 'x', after: ['ghost'], run: () => 1 }] }] };`)).message).toMatch(/unknown step "ghost"/);
    expect((await load(`const s = [{ name: 'x', run: () => 1 }];\nexport default { applications: [{ name: 'a', steps: s }, { name: 'a', steps: s }] };`)).message).toMatch(/two applications are named "a"/);
    expect((await load(`export default { aplications: [] };`)).message).toMatch(/aplications is not a host module field/);
    expect((await load(`export default 5;`)).message).toMatch(/default export must be an object/);
  });

  it("quotes the message of a module that throws while loading, or does not compile", async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, 'holdfast.config.ts'), `throw new Error('the database URL is not set');\nexport default {};`);
    const thrown = await failure(loadHostModule({ cwd: folder }));
    expect(thrown.code).toBe('INVALID_INPUT');
    expect(thrown.message).toMatch(/holdfast.config.ts failed to load: the database URL is not set/);
    writeFileSync(join(folder, 'holdfast.config.ts'), `export default {{ applications: [ };`);
    expect((await failure(loadHostModule({ cwd: folder }))).message).toMatch(/holdfast.config.ts failed to load: /);
  });

  it('loads an edited module afresh in the same process (a code fix), with a new code version', async () => {
    const folder = tempFolder();
    const write = (answer: number) => writeFileSync(join(folder, 'holdfast.config.ts'), `export default { applications: [{ name: 'a', steps: [{ name: 's', run: (): number => ${answer} }] }] };`);
    write(1);
    const first = (await loadHostModule({ cwd: folder }))!;
    write(2);
    const second = (await loadHostModule({ cwd: folder }))!;
    const context = { jobId: 'j', itemId: 'i', config: null, params: {} };
    expect(first.applications[0]!.steps[0]!.run(null, {}, context)).toBe(1);
    expect(second.applications[0]!.steps[0]!.run(null, {}, context)).toBe(2);
    expect(second.codeVersion).not.toBe(first.codeVersion);
  });
});
