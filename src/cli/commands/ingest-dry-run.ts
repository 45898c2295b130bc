/**
 * `holdfast ingest --dry-run`: walk and prepare every file (storage id, MIME
 * type, MD5) and print the exact addFiles JSON and target paths. Writes nothing.
 */
import { join } from 'node:path';
import { fileStorageId } from '../../adapters/dataverse/dataverse-pid.js';
import { datasetFolderFromPid, type DatasetFolder } from '../../adapters/files/dataset-location.js';
import { createHashPool } from '../../adapters/files/hash-pool.js';
import { detectMimeType } from '../../adapters/files/mime-type.js';
import { resolveUnder } from '../../adapters/files/safe-path.js';
import { randomStorageIdentifier } from '../../adapters/files/storage-identifier.js';
import { walkFolder } from '../../adapters/files/walk-folder.js';
import type { DataLoadInput } from '../../machines/dataload.types.js';
import type { Output } from '../cli-context.js';

/** `folder` is the dataset's folder as its Dataverse reports it; without one it is derived from the PID. */
export async function dryRun(input: DataLoadInput, out: Output, folder: DatasetFolder = datasetFolderFromPid(input.dataset)): Promise<number> {
  const targetDir = resolveUnder(input.filesDir, `${folder.authority}/${folder.identifier}`);
  const hashPool = createHashPool();
  const addFiles: unknown[] = [];
  const targets: { source: string; target: string }[] = [];
  const refused: { relativePath: string; reason: string }[] = [];
  try {
    for await (const entry of walkFolder(input.dir, { includeHidden: input.includeHidden, exclude: input.exclude })) {
      if (entry.kind === 'refused') {
        refused.push({ relativePath: entry.relativePath, reason: entry.reason });
        continue;
      }
      const source = join(input.dir, entry.relativePath);
      const { md5 } = await hashPool.md5File(source);
      const storageIdentifier = randomStorageIdentifier();
      addFiles.push({
        storageIdentifier: `file://${storageIdentifier}`,
        fileName: entry.fileName,
        ...(entry.directoryLabel ? { directoryLabel: entry.directoryLabel } : {}),
        mimeType: await detectMimeType(source, entry.fileName),
        checksum: { '@type': 'MD5', '@value': md5 },
      });
      targets.push({ source, target: resolveUnder(targetDir, fileStorageId(`file://${storageIdentifier}`) ?? storageIdentifier) });
    }
  } finally {
    await hashPool.close();
  }
  out.result({ dryRun: true, dataset: input.dataset, chunkSize: input.chunkSize, addFiles, targets, refused });
  out.say(`dry run: ${addFiles.length} files would be copied into ${targetDir} and registered with ${input.dataset}`);
  out.say(`addFiles jsonData (chunks of ${input.chunkSize}):`);
  out.say(JSON.stringify(addFiles, null, 2));
  for (const { source, target } of targets) out.say(`  ${source} -> ${target}`);
  for (const r of refused) out.say(`  refused: ${r.relativePath}: ${r.reason}`);
  return 0;
}
