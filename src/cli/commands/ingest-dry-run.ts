/**
 * `holdfast ingest --dry-run`: walk and prepare every file (storage id, MIME
 * type, MD5) and print the exact addFiles JSON and target paths, the names
 * --fix-labels changes and every file refused, with why. Writes nothing.
 */
import { join } from 'node:path';
import { fileStorageId } from '../../adapters/dataverse/dataverse-pid.js';
import { datasetFolderFromPid, type DatasetFolder } from '../../adapters/files/dataset-location.js';
import { createHashPool } from '../../adapters/files/hash-pool.js';
import { detectMimeType } from '../../adapters/files/mime-type.js';
import { resolveUnder } from '../../adapters/files/safe-path.js';
import { randomStorageIdentifier } from '../../adapters/files/storage-identifier.js';
import { datasetPath, printable } from '../../adapters/files/dataverse-labels.js';
import { screenNames } from '../../adapters/files/name-screen.js';
import { walkFolder, type WalkEntry } from '../../adapters/files/walk-folder.js';
import type { DataLoadInput } from '../../machines/dataload.types.js';
import type { Output } from '../cli-context.js';

/** `folder` is the dataset's folder as its Dataverse reports it; without one it is derived from the PID. */
export async function dryRun(input: DataLoadInput, out: Output, folder: DatasetFolder = datasetFolderFromPid(input.dataset)): Promise<number> {
  const targetDir = resolveUnder(input.filesDir, `${folder.authority}/${folder.identifier}`);
  const hashPool = createHashPool();
  const addFiles: unknown[] = [];
  const targets: { source: string; target: string }[] = [];
  const refused: { relativePath: string; reason: string; code?: string; label?: string }[] = [];
  const relabelled: { relativePath: string; label: string }[] = [];
  try {
    const files: Extract<WalkEntry, { kind: 'file' }>[] = [];
    for await (const entry of walkFolder(input.dir, { includeHidden: input.includeHidden, exclude: input.exclude, allowBackslash: true })) {
      if (entry.kind === 'refused') refused.push({ relativePath: entry.relativePath, reason: entry.reason });
      else files.push(entry);
    }
    // The same screen as the load's walk: what is refused here is refused there, and renamed alike.
    const verdicts = screenNames(files, { fixLabels: input.fixLabels ?? false });
    for (const [index, entry] of files.entries()) {
      const verdict = verdicts[index]!;
      if (!verdict.ok) {
        refused.push({ relativePath: entry.relativePath, reason: verdict.reason, code: verdict.code, label: verdict.label });
        continue;
      }
      const { fileName, directoryLabel } = verdict.name;
      if (verdict.relabelled) relabelled.push({ relativePath: entry.relativePath, label: datasetPath(verdict.name) });
      const source = join(input.dir, entry.relativePath);
      const { md5 } = await hashPool.md5File(source);
      const storageIdentifier = randomStorageIdentifier();
      addFiles.push({
        storageIdentifier: `file://${storageIdentifier}`,
        fileName,
        ...(directoryLabel ? { directoryLabel } : {}),
        mimeType: await detectMimeType(source, fileName),
        checksum: { '@type': 'MD5', '@value': md5 },
      });
      targets.push({ source, target: resolveUnder(targetDir, fileStorageId(`file://${storageIdentifier}`) ?? storageIdentifier) });
    }
  } finally {
    await hashPool.close();
  }
  out.result({ dryRun: true, dataset: input.dataset, chunkSize: input.chunkSize, addFiles, targets, refused, relabelled });
  out.say(`dry run: ${addFiles.length} files would be copied into ${targetDir} and registered with ${input.dataset}`);
  out.say(`addFiles jsonData (chunks of ${input.chunkSize}):`);
  out.say(JSON.stringify(addFiles, null, 2));
  for (const { source, target } of targets) out.say(`  ${printable(source)} -> ${target}`);
  for (const r of relabelled) out.say(`  relabelled: ${printable(r.relativePath)} -> ${r.label}`);
  for (const r of refused) out.say(`  refused: ${printable(r.relativePath)}: ${r.code ? `${r.code}: ` : ''}${printable(r.reason)}`);
  return 0;
}
