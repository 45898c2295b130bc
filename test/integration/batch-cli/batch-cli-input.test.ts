/** Bad input to every batch command: exit 2, a message naming what is wrong, nothing created or changed. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, refused, storeContents, workspace } from './batch-cli-helpers.js';

describe('holdfast job create: bad input creates nothing', () => {
  it('refuses an unknown application, listing the known ones', async () => {
    const w = workspace();
    const source = w.numbers('a.jsonl', [1, 2]);
    await refused(['job', 'create', 'triple', '--source', `jsonl:${source}`, ...w.flags], /no application "triple" in .*holdfast.config.ts \(known: double, echo\)/);
    expect(storeContents(w.store)).toEqual({ actors: 0, records: 0 });
  });

  it('says where it looked when there is no host module', async () => {
    const w = workspace();
    const source = w.numbers('a.jsonl', [1]);
    // The tests run in the repository root, which has no holdfast.config.*.
    await refused(['job', 'create', 'double', '--source', `jsonl:${source}`, '--store', w.store], /no host module: give --app FILE, or put one of holdfast.config.ts, .*holdfast.config.mjs in \//);
    await refused(['job', 'create', 'double', '--source', `jsonl:${source}`, '--store', w.store, '--app', join(w.folder, 'nope.ts')], /SOURCE_MISSING.*nope.ts does not exist/);
    expect(storeContents(w.store)).toEqual({ actors: 0, records: 0 });
  });

  it('refuses a missing, unreadable or malformed source, naming the file and line', async () => {
    const w = workspace();
    const config = ['--config', join(w.folder, 'config.json')];
    await refused(['job', 'create', 'double', '--source', `jsonl:${join(w.folder, 'missing.jsonl')}`, ...config, ...w.flags], /SOURCE_MISSING.*missing.jsonl does not exist/);
    await refused(['job', 'create', 'double', '--source', `csv:${w.folder}`, ...config, ...w.flags], /SOURCE_UNREADABLE.*is not a file/);
    expect(storeContents(w.store)).toEqual({ actors: 0, records: 0 });
    // Malformed on line 3 of 5: found while the items stream in, after the store is open; the partial items are removed.
    writeFileSync(join(w.folder, 'bad.jsonl'), '{"id":"a","n":1}\n{"id":"b","n":2}\n{"id":"c","n":\n{"id":"d","n":4}\n');
    await refused(['job', 'create', 'double', '--source', `jsonl:${join(w.folder, 'bad.jsonl')}#id`, ...config, ...w.flags], /bad.jsonl line 3: malformed JSON/);
    writeFileSync(join(w.folder, 'dup.jsonl'), '{"id":"a","n":1}\n{"id":"a","n":2}\n');
    await refused(['job', 'create', 'double', '--source', `jsonl:${join(w.folder, 'dup.jsonl')}#id`, ...config, ...w.flags], /duplicate id "a" at .*dup.jsonl line 2/);
    await refused(['job', 'create', 'double', '--source', `jsonl:${join(w.folder, 'dup.jsonl')}#code`, ...config, ...w.flags], /dup.jsonl line 1: the id field "code" is missing/);
    await refused(['job', 'create', 'double', '--source', 'sql:select 1', ...config, ...w.flags], /scheme must be one of jsonl:, csv:, dir:, app:, exceptions:, results:/);
    await refused(['job', 'create', 'double', '--source', 'app:nope', ...config, ...w.flags], /no source "nope" in the host module \(it has: numbers\)/);
    await refused(['job', 'create', 'double', '--source', 'exceptions:no-such-job', ...config, ...w.flags], /JOB_NOT_FOUND.*no-such-job/);
    await refused(['job', 'create', 'double', '--source', 'results:no-such-job', ...config, ...w.flags], /JOB_NOT_FOUND.*no-such-job/);
    expect(storeContents(w.store)).toEqual({ actors: 0, records: 0 });
  });

  it('refuses a bad partition, a config failing its schema, a bad config file and a bad --param', async () => {
    const w = workspace();
    const source = ['--source', `jsonl:${w.numbers('a.jsonl', [1, 2])}`];
    const config = ['--config', join(w.folder, 'config.json')];
    await refused(['job', 'create', 'double', ...source, ...config, '--partition', 'size:0', ...w.flags], /bad partition spec "size:0": expected size:N or every:N/);
    await refused(['job', 'create', 'double', ...source, ...config, '--partition', 'chunks:5', ...w.flags], /bad partition spec/);
    writeFileSync(join(w.folder, 'wrong.json'), JSON.stringify({ factor: -1, extra: true }));
    const wrong = await refused(['job', 'create', 'double', ...source, '--config', join(w.folder, 'wrong.json'), ...w.flags], /config for application "double" is invalid: /);
    expect(wrong.stderr).toMatch(/factor: .*>0|factor: Too small/);
    expect(wrong.stderr).toMatch(/\(root\): Unrecognized key.*extra/);
    await refused(['job', 'create', 'double', ...source, ...w.flags], /config for application "double" is invalid: factor:/);
    writeFileSync(join(w.folder, 'broken.json'), '{ "factor": ');
    await refused(['job', 'create', 'double', ...source, '--config', join(w.folder, 'broken.json'), ...w.flags], /--config .*broken.json is not valid JSON/);
    await refused(['job', 'create', 'double', ...source, '--config', join(w.folder, 'none.json'), ...w.flags], /--config .*none.json: no such file/);
    await refused(['job', 'create', 'double', ...source, ...config, '--param', 'novalue', ...w.flags], /--param must be KEY=VALUE, got "novalue"/);
    await refused(['job', 'create', 'double', ...source, ...config, '--param', '=x', ...w.flags], /--param must be KEY=VALUE/);
    await refused(['job', 'create', 'double', ...source, ...config, '--param', 'a=1', '--param', 'a=2', ...w.flags], /--param a is given twice/);
    await refused(['job', 'create', 'double', ...config, ...w.flags], /required option '--source <spec>'/);
    expect(storeContents(w.store)).toEqual({ actors: 0, records: 0 });
  });
});

describe('the other batch commands refuse bad input and change nothing', () => {
  it('refuses an unknown job id everywhere', async () => {
    const w = workspace();
    const created = await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('a.jsonl', [1, -2])}`, '--config', join(w.folder, 'config.json'), ...w.flags, '--json']);
    const before = storeContents(w.store);
    const store = ['--store', w.store];
    await refused(['run', 'nope', '--all', ...w.flags], /JOB_NOT_FOUND.*nope/);
    await refused(['batches', 'nope', ...store], /JOB_NOT_FOUND.*nope/);
    await refused(['exceptions', 'nope', ...store], /JOB_NOT_FOUND.*nope/);
    await refused(['resolve', 'nope', 'i1', '--value', '1', ...store], /JOB_NOT_FOUND.*nope/);
    await refused(['reprocess', 'nope', ...w.flags], /JOB_NOT_FOUND.*nope/);
    await refused(['job', 'nope', ...store], /no job nope/);
    await refused(['delete', 'nope', ...store], /nope/);
    expect(storeContents(w.store)).toEqual(before);
    expect((created.json as { id: string }).id).toMatch(/\S/);
  });

  it('refuses missing, conflicting and out-of-range run flags, and bad resolve values', async () => {
    const w = workspace();
    const created = await cli(['job', 'create', 'double', '--source', `jsonl:${w.numbers('a.jsonl', [1, -2, 3])}`, '--config', join(w.folder, 'config.json'), '--partition', 'size:2', ...w.flags, '--json']);
    const id = (created.json as { id: string }).id;
    const before = storeContents(w.store);
    await refused(['run', id, ...w.flags], /say what to run: --batch N, --all, --sample N or --stale/);
    await refused(['run', id, '--all', '--stale', ...w.flags], /--all and --stale cannot be combined/);
    await refused(['run', id, '--batch', '0', '--sample', '2', ...w.flags], /--batch and --sample cannot be combined/);
    await refused(['run', id, '--batch', '2', ...w.flags], /--batch 2 is out of range: job .* has batches 0 to 1/);
    await refused(['run', id, '--batch', 'x', ...w.flags], /--batch must be a batch number/);
    await refused(['run', id, '--sample', '0', ...w.flags], /--sample must be a positive integer/);
    await refused(['run', id, '--all', '--parallel', '0', ...w.flags], /--parallel must be a positive integer/);
    await refused(['run', id, '--all', '--parallel', '65', ...w.flags], /parallel must be an integer from 1 to 64/);
    await refused(['resolve', id, 'i2', '--value', '{not json', '--store', w.store], /--value must be JSON/);
    await refused(['resolve', id, 'i2', '--store', w.store], /required option '--value <json>'/);
    await refused(['resolve', id, 'i9', '--value', '1', '--store', w.store], /has no exception for item "i9"/);
    expect(storeContents(w.store)).toEqual(before);
  });

  it('refuses to run a job whose application the host module does not register', async () => {
    const w = workspace();
    const created = await cli(['job', 'create', 'echo', '--source', 'app:numbers', ...w.flags, '--json']);
    const id = (created.json as { id: string }).id;
    const before = storeContents(w.store);
    writeFileSync(w.app, `export default { applications: [{ name: 'other', steps: [{ name: 's', run: () => 1 }] }] };`);
    await refused(['run', id, '--all', ...w.flags], /job .* runs application "echo", which .*holdfast.config.ts does not register \(it has: other\)/);
    expect(storeContents(w.store)).toEqual(before);
  });
});
