import { describe, expect, it } from 'vitest';
import { checkHostModule } from '../../../src/host/host-module-check.js';

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

  it('refuses an unknown field in a default export (a typo) but not in a module namespace', () => {
    expect(check({ application: [] })).toThrow(/application is not a host module field/);
    expect(check({ application: [], helper: () => 1 }, false)()).toEqual({ application: [], helper: expect.any(Function) });
  });
});
