import { describe, expect, it } from 'vitest';
import { describeBatchChild, describeBatchKey } from '../../../src/adapters/batch/batch-names.js';
import { batchKey } from '../../../src/machines/batch-job.machine.js';

describe('batch child keys in words', () => {
  it('names batches, reprocessing runs and samples as a person reads them', () => {
    expect(describeBatchKey('b0.r2')).toBe('batch 0, run 2');
    expect(describeBatchKey('x3.r4')).toBe("reprocessing of batch 3's open exceptions, run 4");
    expect(describeBatchKey('sample.r1')).toBe('sample, run 1');
    expect(describeBatchChild('job-abc/b12.r7')).toBe('batch 12, run 7');
  });

  it('reads every key batchKey makes, and nothing else', () => {
    expect(describeBatchKey(batchKey('batch', 5, 9))).toBe('batch 5, run 9');
    expect(describeBatchKey(batchKey('reprocess', 5, 9))).toMatch(/^reprocessing of batch 5/);
    expect(describeBatchKey(batchKey('sample', 0, 3))).toBe('sample, run 3');
    for (const key of ['f1a297beae9dca9e1', 'b0', 'b0.r', 'y1.r2', 'b-1.r2']) expect(describeBatchKey(key)).toBeUndefined();
    expect(describeBatchChild('no-slash')).toBeUndefined();
  });
});
