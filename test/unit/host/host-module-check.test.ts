import { describe, expect, it } from 'vitest';
import { checkHostModule } from '../../../src/kinds/host-module-check.js';

const step = { name: 'a', run: () => 1 };
const check = (value: unknown, isDefault = true) => () => checkHostModule({ value, isDefault }, '/app/holdfast.config.ts');

describe('checkHostModule', () => {
  it('accepts every field of a HostModule', () => {
    const module = { applications: [{ name: 'x', steps: [step] }], sources: { s: () => [] }, functions: { f: () => 1 }, datatypes: { d: (v: unknown) => v }, scriptsDir: 'bin', dataDir: 'data' };
    expect(check(module)()).toBe(module);
  });

  it('names the bad field and the module', () => {
    expect(check(42)).toThrow(/\/app\/holdfast.config.ts: default export must be an object/);
    expect(check({ applications: {} })).toThrow(/applications must be an array/);
    expect(check({ applications: [{ steps: [step] }] })).toThrow(/applications\[0\]\.name must be a non-empty string/);
    expect(check({ applications: [{ name: 'x', steps: [] }] })).toThrow(/applications\[0\]\.steps must be a non-empty array/);
    expect(check({ applications: [{ name: 'x', steps: [step], version: 3 }] })).toThrow(/applications\[0\]\.version/);
    expect(check({ sources: { people: 'not a function' } })).toThrow(/sources\.people must be a function, got string/);
    expect(check({ functions: [] })).toThrow(/functions must be an object of functions/);
    expect(check({ scriptsDir: 7 })).toThrow(/scriptsDir must be a folder path/);
  });

  it('takes tasks with their queues, and names what is wrong with either', () => {
    const tasks = { 'notes.count': () => undefined };
    expect(check({ tasks, queues: { default: 2, 'reports.v1': 1 } })()).toMatchObject({ queues: { default: 2 } });
    expect(check({ tasks })).toThrow(/queues must be given with tasks/);
    expect(check({ queues: { default: 1 } })).toThrow(/tasks must be given with queues/);
    expect(check({ tasks, queues: {} })).toThrow(/queues must name at least one queue/);
    expect(check({ tasks, queues: [1] })).toThrow(/queues must be an object of concurrencies/);
    expect(check({ tasks, queues: { default: 0 } })).toThrow(/queues\.default must be a positive integer \(jobs at once\), got 0/);
    expect(check({ tasks, queues: { default: '2' } })).toThrow(/queues\.default must be a positive integer/);
    expect(check({ tasks, queues: { 'two words': 1 } })).toThrow(/queues\.two words is not a queue name/);
    expect(check({ tasks: { 'notes.count': 'run' }, queues: { default: 1 } })).toThrow(/tasks\.notes\.count must be a function, got string/);
  });

  it('refuses an unknown field in a default export (a typo) but not in a module namespace', () => {
    expect(check({ application: [] })).toThrow(/application is not a host module field/);
    expect(check({ application: [], helper: () => 1 }, false)()).toEqual({ application: [], helper: expect.any(Function) });
  });
});
