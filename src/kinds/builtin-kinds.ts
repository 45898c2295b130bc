/**
 * The kinds of work holdfast ships, in the order `resume` follows them and
 * `holdfast jobs` lists what tells them apart. A host module's kinds
 * (`kinds: [defineKind(...)]`) come after these; adding a built-in kind is
 * one file in this folder and one line here.
 */
import { batchJobKind } from './batch-job.js';
import { dataloadKind } from './dataload.js';
import { importKind } from './import.js';
import { processJobKind } from './process-job.js';
import { taskJobKind } from './task-job.js';
import { watchKind } from './watch.js';
import type { WorkKind } from './work-kind.js';

// In the order `resume` names them: loads, imports, batch runs, task jobs.
export const BUILTIN_KINDS: readonly WorkKind[] = [dataloadKind, watchKind, processJobKind, importKind, batchJobKind, taskJobKind];
