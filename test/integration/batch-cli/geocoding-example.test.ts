/** examples/geocoding end to end through the CLI, as its README walks through it. */
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFolder } from '../../helpers/temp-store.js';
import { cli, refused, repoRoot } from './batch-cli-helpers.js';

interface Exception {
  item: string;
  step: string;
  error: { message: string };
}

/** The example copied to a temp folder (so the code fix does not touch the repository), zod resolvable. */
function copyExample(): { folder: string; flags: string[]; store: string } {
  const folder = tempFolder('holdfast-geocoding-');
  cpSync(join(repoRoot, 'examples', 'geocoding'), folder, { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(folder, 'node_modules'));
  const store = join(folder, '.holdfast');
  return { folder, store, flags: ['--store', store, '--app', join(folder, 'holdfast.config.ts')] };
}

describe('the geocoding example', () => {
  it('creates, samples, runs, lists exceptions, resolves, takes a code fix, shows drift, re-runs stale, reprocesses', async () => {
    const { folder, flags, store } = copyExample();
    const created = await cli(['job', 'create', 'geocode', '--source', `jsonl:${join(folder, 'addresses.jsonl')}#id`, '--config', join(folder, 'config.json'), '--partition', 'size:50', '--description', 'addresses of the managing board (rovat_15)', '--param', 'kind=board', ...flags, '--json']);
    const id = (created.json as { id: string }).id;
    expect(created.json).toMatchObject({ items: 300, batches: 6 });

    const sample = await cli(['run', id, '--sample', '20', ...flags, '--json']);
    expect(sample.json).toMatchObject({ items: 20 });
    const sampled = (await cli(['job', id, '--results', '--sample', '--store', store, '--json'])).json as { results: { item: string; value: { formatted: string } }[] };
    expect(sampled.results.length).toBeGreaterThan(10);

    const all = await cli(['run', id, '--all', '--parallel', '2', ...flags, '--json']);
    expect(all.json).toMatchObject({ batchesRun: 6, items: 300, results: 273, exceptions: 27 });
    const results = (await cli(['job', id, '--results', '--store', store, '--json'])).json as { results: { item: string; value: Record<string, unknown> }[] };
    expect(results.results.find((result) => result.item === 'addr-0003')!.value).toEqual({
      country: 'HU',
      postcode: '1134',
      city: 'Budapest',
      street: 'Rákóczi utca',
      number: '98',
      lat: 47.529,
      lon: 19.069,
      formatted: '1134 Budapest, Rákóczi utca 98.',
    });
    const stats = ((await cli(['job', id, '--stats', '--store', store, '--json'])).json as { stats: { node: string; items: number; failures: number }[] }).stats;
    expect(Object.fromEntries(stats.map((node) => [node.node, [node.items, node.failures]]))).toEqual({ parse: [300, 19], normalise: [281, 0], locate: [281, 8], result: [273, 0] });

    const exceptions = ((await cli(['exceptions', id, '--store', store, '--json'])).json as { exceptions: Exception[] }).exceptions;
    expect(exceptions).toHaveLength(27);
    expect(exceptions.find((exception) => exception.item === 'addr-0017')).toMatchObject({ step: 'parse', error: { message: expect.stringContaining('cannot parse address "Budapest, Ady Endre utca 49/B, 1134"') } });
    expect(exceptions.find((exception) => exception.item === 'addr-0023')).toMatchObject({ step: 'locate', error: { message: 'unknown postcode 3999' } });
    await cli(['resolve', id, 'addr-0023', '--value', '{"postcode":"3300","city":"Eger","street":"Hunyadi utca","number":"93/2"}', '--store', store]);

    // The code fix of the README: city-first addresses are read too. Every batch is now drifted.
    const config = join(folder, 'holdfast.config.ts');
    writeFileSync(config, readFileSync(config, 'utf8').replace('const ACCEPT_CITY_FIRST = false', 'const ACCEPT_CITY_FIRST = true'));
    const drift = (await cli(['batches', id, ...flags, '--json'])).json as { drifted: number };
    expect(drift.drifted).toBe(6);

    const reprocessed = await cli(['reprocess', id, ...flags, '--json']);
    expect(reprocessed.json).toMatchObject({ items: 26, results: 9, exceptions: 17, exceptionsOpen: 17 });
    const left = ((await cli(['exceptions', id, '--store', store, '--json'])).json as { exceptions: Exception[] }).exceptions;
    expect(left.every((exception) => /unknown postcode|cannot parse address "(?!\D+, .+ \d.*, \d{4}")/.test(exception.error.message))).toBe(true);

    const stale = await cli(['run', id, '--stale', '--parallel', '2', ...flags, '--json']);
    expect(stale.json).toMatchObject({ batchesRun: 6, items: 300 });
    expect(((await cli(['batches', id, ...flags, '--json'])).json as { drifted: number }).drifted).toBe(0);

    // A config that fails its schema is refused with the path and message of each issue.
    writeFileSync(join(folder, 'bad-config.json'), JSON.stringify({ country: 'Hungary', strict: 'yes' }));
    const bad = await refused(['job', 'create', 'geocode', '--source', `jsonl:${join(folder, 'addresses.jsonl')}#id`, '--config', join(folder, 'bad-config.json'), ...flags], /config for application "geocode" is invalid/);
    expect(bad.stderr).toMatch(/country: a two-letter country code/);
    expect(bad.stderr).toMatch(/strict: /);

    // The exceptions left become a new job's items; then the first job is deleted with a count.
    const leftovers = await cli(['job', 'create', 'geocode', '--source', `exceptions:${id}`, '--config', join(folder, 'config.json'), ...flags, '--json']);
    expect((leftovers.json as { items: number }).items).toBeGreaterThan(0);
    const deleted = await cli(['delete', id, '--store', store, '--json']);
    expect((deleted.json as { records: number }).records).toBeGreaterThan(300); // a result or an exception per address, plus item pages and progress
  });
});
