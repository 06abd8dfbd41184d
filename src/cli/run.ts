/** Entry point of the `blo` binary. */
import { packageVersion } from './version.js';

// Output piped into `head` and closed early is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const args = process.argv.slice(2);
// The version needs nothing else loaded.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write(`${packageVersion()}\n`);
else process.exitCode = await (await import('./main.js')).main(args);
