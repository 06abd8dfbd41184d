/** Entry point of the `blo` binary. */
import { main } from './main.js';

// Output piped into `head` and closed early is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
