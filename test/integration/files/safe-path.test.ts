import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { assertNoSymlinkEscape } from '../../../src/adapters/files/safe-path.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'holdfast-safe-'));
  root = join(base, 'store');
  await mkdir(join(root, 'inside'), { recursive: true });
  await mkdir(join(base, 'outside'));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('assertNoSymlinkEscape', () => {
  it('accepts a path that does not exist yet under a real folder of the root', async () => {
    await expect(assertNoSymlinkEscape(root, join(root, 'inside', 'new', 'file'))).resolves.toBeUndefined();
  });

  it('accepts a link that stays inside the root', async () => {
    await symlink(join(root, 'inside'), join(root, 'alias'));
    await expect(assertNoSymlinkEscape(root, join(root, 'alias', 'file'))).resolves.toBeUndefined();
  });

  it('refuses a path through a planted link to a folder outside the root', async () => {
    await symlink(join(base, 'outside'), join(root, 'escape'));
    await expect(assertNoSymlinkEscape(root, join(root, 'escape', 'file'))).rejects.toMatchObject({
      code: 'PATH_OUTSIDE_ROOT',
    });
  });

  it('refuses a dangling link whose destination is unknown', async () => {
    await symlink(join(base, 'nowhere'), join(root, 'dangling'));
    await expect(assertNoSymlinkEscape(root, join(root, 'dangling'))).rejects.toMatchObject({
      code: 'PATH_OUTSIDE_ROOT',
    });
  });

  it('accepts a root that is itself reached through a link', async () => {
    await symlink(root, join(base, 'root-alias'));
    await expect(
      assertNoSymlinkEscape(join(base, 'root-alias'), join(base, 'root-alias', 'inside', 'x')),
    ).resolves.toBeUndefined();
  });
});
