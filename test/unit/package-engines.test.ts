/**
 * `npm ci` on Node 20 shows no engine warnings (issue 22, item 3): every
 * package the lock installs accepts the oldest Node that package.json's
 * `engines` admits (20.19.0). npm warns EBADENGINE from the same `engines`
 * field of each lock entry, so a dependency that needs Node 22 fails here
 * before a user sees the warning.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/** semver, as npm checks engines with it (installed as fastify's dependency; it ships no types). */
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  validRange(range: string): string | null;
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean;
  major(version: string): number;
};

interface Lock {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[]; optional?: boolean }>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as T;

/** Lock entries whose `engines.node` refuses `node` (as npm's check reads it: prereleases included), as `path@version: range`. */
function refusing(lock: Lock, node: string): string[] {
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (range === undefined) continue;
    if (!semver.validRange(range) || !semver.satisfies(node, range, { includePrerelease: true })) refused.push(`${path || '(root)'}@${entry.version ?? '?'}: node ${range}`);
  }
  return refused;
}

describe('package engines', () => {
  const pkg = readJson<{ engines: { node: string } }>('package.json');
  const oldest = semver.minVersion(pkg.engines.node)!.version;

  it('supports Node 20 itself', () => {
    expect(semver.major(oldest)).toBe(20);
  });

  it('installs no package that refuses the oldest Node 20 holdfast supports', () => {
    const lock = readJson<Lock>('package-lock.json');
    expect(Object.keys(lock.packages).length).toBeGreaterThan(100);
    expect(refusing(lock, oldest)).toEqual([]);
    if (semver.major(process.version) === 20) expect(refusing(lock, process.version)).toEqual([]);
  });

  it('would catch a dependency that needs Node 22', () => {
    const lock: Lock = { packages: { '': { version: '0.1.0', engines: { node: '>=20.19' } }, 'node_modules/new-thing': { version: '2.0.0', engines: { node: '>=22' } } } };
    expect(refusing(lock, oldest)).toEqual(['node_modules/new-thing@2.0.0: node >=22']);
  });
});
