import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryName } from '../../../src/adapters/files/copy-verify.js';
import { bytesInFlight } from '../../../src/cli/copy-in-flight.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('bytesInFlight', () => {
  it("sums the temporary files of the copies asked about, and nothing else", async () => {
    const dir = join(tempFolder('holdfast-in-flight-'), 'FK2', 'ABC');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, temporaryName('18c0a1b2c3d-aaaaaaaaaaaa', 'key-1')), Buffer.alloc(3_000));
    writeFileSync(join(dir, temporaryName('18c0a1b2c3d-bbbbbbbbbbbb', 'key-2')), Buffer.alloc(500));
    writeFileSync(join(dir, temporaryName('18c0a1b2c3d-cccccccccccc', 'key-3')), Buffer.alloc(7_000)); // another load's copy
    writeFileSync(join(dir, '18c0a1b2c3d-aaaaaaaaaaaa'), Buffer.alloc(9_000)); // a finished copy: counted by the load, not here
    const copies = [
      { targetDir: dir, storageIdentifier: '18c0a1b2c3d-aaaaaaaaaaaa' },
      { targetDir: dir, storageIdentifier: '18c0a1b2c3d-bbbbbbbbbbbb' },
    ];
    expect(await bytesInFlight(copies)).toBe(3_500);
    expect(await bytesInFlight([{ targetDir: join(dir, 'missing'), storageIdentifier: 'x' }])).toBe(0);
    expect(await bytesInFlight([])).toBe(0);
  });
});
