/**
 * Where eval code runs: a separate `node` child under Node 20's permission
 * model (`--experimental-permission` with no `--allow-*`: no file reads or
 * writes, no child processes, no workers, no addons), with an empty
 * environment and a heap limit. The permission model does not cover sockets:
 * when this process is root and `unshare` and `setpriv` work, the child gets
 * its own network namespace (no interfaces but a downed loopback) and runs as
 * `nobody`; unprivileged, `unshare -rn` gives a namespace where user
 * namespaces are allowed; otherwise the network is not isolated. What applied
 * is found out once per process by running the real command, and recorded
 * in every eval job.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';

export interface EvalSandbox {
  /** The command and its leading arguments; node's own arguments follow. */
  command: string;
  prefix: string[];
  network: 'namespace' | 'not isolated';
  user: 'nobody' | 'same';
}

let probed: Promise<EvalSandbox> | undefined;

/** The strongest isolation this machine allows, probed once. */
export function evalSandbox(): Promise<EvalSandbox> {
  return (probed ??= probe());
}

async function probe(): Promise<EvalSandbox> {
  const unshare = findExecutable('unshare');
  const setpriv = findExecutable('setpriv');
  if (unshare && setpriv && process.getuid?.() === 0) {
    const nobody = nobodyIds();
    const candidate: EvalSandbox = {
      command: unshare,
      prefix: ['-n', '--', setpriv, `--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups', '--', process.execPath],
      network: 'namespace',
      user: 'nobody',
    };
    if (await works(candidate)) return candidate;
  }
  if (unshare) {
    const candidate: EvalSandbox = { command: unshare, prefix: ['-rn', '--', process.execPath], network: 'namespace', user: 'same' };
    if (await works(candidate)) return candidate;
  }
  return { command: process.execPath, prefix: [], network: 'not isolated', user: 'same' };
}

/** Runs the candidate with a trivial program: only a clean exit counts. */
function works(candidate: EvalSandbox): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(candidate.command, [...candidate.prefix, '-e', 'process.exit(0)'], { env: {}, stdio: 'ignore', cwd: '/' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.on('error', () => resolve(false));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

function findExecutable(name: string): string | undefined {
  for (const folder of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    try {
      accessSync(`${folder}/${name}`, constants.X_OK);
      return `${folder}/${name}`;
    } catch {
      // not there: try the next folder
    }
  }
  return undefined;
}

function nobodyIds(): { uid: number; gid: number } {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('nobody:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid && gid && Number.isInteger(Number(uid)) && Number.isInteger(Number(gid))) return { uid: Number(uid), gid: Number(gid) };
  } catch {
    // no passwd file: the conventional ids
  }
  return { uid: 65534, gid: 65534 };
}
