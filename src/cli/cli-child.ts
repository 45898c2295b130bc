/**
 * The CLI's work, run in a child of `holdfast` (cli-supervisor.ts), which
 * reports this process's death by SIGBUS or SIGSEGV as STORE_CORRUPT.
 */
// Dies with its parent: a `holdfast` killed even by SIGKILL must not leave its
// work running (an owner holding the store, a load copying files). The parent's
// end closes the IPC channel; unref'd, the channel never keeps this process alive.
const dieWithParent = () => process.kill(process.pid, 'SIGKILL');
process.channel?.unref();
process.on('disconnect', dieWithParent);

// A reader that stops early (`holdfast exceptions ID | head`) is not an error: the command
// finishes its work quietly instead of dying on EPIPE halfway through closing the store.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.stdout.write = () => true;
});

// Loaded after the handlers above, so a parent killed during start-up takes this process with it.
const { main } = await import('./main.js');
const code = await main(process.argv.slice(2));
process.off('disconnect', dieWithParent);
process.exitCode = code;
