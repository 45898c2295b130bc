/**
 * What one 100-file addFiles costs (client and stand-in, in this process) as
 * the dataset grows: the watch's batches register in such chunks, so a cost
 * that grows with the dataset's files is a cost that grows with every batch.
 *
 *   npx tsx bench/tools/addfiles-scaling.ts [TOTAL=40000] [CHUNK=100]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataverseClient } from '../../src/adapters/dataverse/dataverse-client.js';
import { startDataverseStandin } from '../../src/adapters/dataverse/dataverse-standin.js';
import type { AddFileEntry } from '../../src/adapters/dataverse/dataverse-types.js';
import { randomStorageIdentifier } from '../../src/adapters/files/storage-identifier.js';
import { tempFolder } from '../lib/temp.js';

const TOTAL = Number(process.argv[2] ?? 40_000);
const CHUNK = Number(process.argv[3] ?? 100);
const PID = 'doi:10.5072/FK2/SCALE';
const TOKEN = 'bench-token-0123456789';
const root = tempFolder('addfiles-scaling');
const standin = await startDataverseStandin({ token: TOKEN, filesDir: root.path, datasets: [{ persistentId: PID }] });
const folder = standin.folderOf(PID);
mkdirSync(folder, { recursive: true });
const client = new DataverseClient({ baseUrl: standin.url, token: TOKEN });
let made = 0;
const report = new Set([1, 5_000, 10_000, 20_000, 40_000, 80_000]);
while (made < TOTAL) {
  const entries: AddFileEntry[] = [];
  for (let i = 0; i < CHUNK; i++, made++) {
    const id = randomStorageIdentifier();
    const bytes = randomBytes(100);
    writeFileSync(join(folder, id), bytes);
    entries.push({ storageIdentifier: `file://${id}`, fileName: `f${made}.txt`, directoryLabel: `b${Math.floor(made / 1000)}`, mimeType: 'text/plain', checksum: { '@type': 'MD5', '@value': createHash('md5').update(bytes).digest('hex') } });
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const results = await client.addFiles(PID, entries);
  const used = process.cpuUsage(cpu);
  const bad = results.find((r) => !r.ok);
  if (bad) throw new Error(`a file was not registered: ${JSON.stringify(bad)}`);
  if ([...report].some((at) => made - CHUNK < at && at <= made)) {
    process.stdout.write(`dataset ${made - CHUNK} -> ${made} files: addFiles of ${CHUNK} took ${(performance.now() - started).toFixed(1)} ms, ${((used.user + used.system) / 1000).toFixed(1)} ms CPU\n`);
    // A load's first step asks for the dataset (its storage identifier), once per batch.
    const asked = process.cpuUsage();
    await client.getDataset(PID);
    const getUsed = process.cpuUsage(asked);
    process.stdout.write(`  getDataset: ${((getUsed.user + getUsed.system) / 1000).toFixed(1)} ms CPU\n`);
  }
}
await standin.close();
