/** The `blo` command-line program. */
import { Command, CommanderError } from 'commander';
import { convertCommand, type ConvertOptions } from './commands/convert.js';
import { demoCommand } from './commands/demo.js';
import { infoCommand } from './commands/info.js';
import { navigatorCommand } from './commands/navigator.js';
import { describeFailure } from './errors.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`warning: ${line}\n`);

export function buildProgram(): Command {
  const program = new Command('blo')
    .description('Inspect and convert NanoMegas ASTAR blockfiles (.blo): scanning precession electron diffraction data')
    .version('0.1.0')
    .showSuggestionAfterError()
    .exitOverride();

  program
    .command('info')
    .description('format, shape, calibrations, acquisition date, note and frame check of a blockfile')
    .argument('<file>', 'a .blo file')
    .option('--json', 'print one JSON object (RosettaSciIO names and values)')
    .option('--no-check', 'skip reading every frame record to check it')
    .action((file: string, options: { json?: boolean; check?: boolean }) => infoCommand(file, options, out));

  program
    .command('convert')
    .description('convert by extension: FILE.blo to OUT.npy, or IN.npy / IN.blo to OUT.blo')
    .argument('<input>', 'input file (.blo or .npy)')
    .argument('<output>', 'output file (.npy or .blo)')
    .option('--intensity-scaling <how>', 'for .blo output: dtype, minmax, crop or LO,HI (default: cast to uint8)')
    .option('--navigator <what>', 'for .blo output: the stored VBF: mean (default), none or NAV.npy')
    .option('--bits <8|16>', 'for .blo output: pixel depth (16 writes format 1.3, unscaled)')
    .option('--scan-step <nm>', 'for .blo output: scan step in nm, or NMY,NMX')
    .option('--calibration <cm>', 'for .blo output: pattern pixel size in cm')
    .option('--overwrite', 'replace an existing output file')
    .action((input: string, output: string, options: ConvertOptions) => convertCommand(input, output, options, warn));

  program
    .command('navigator')
    .description('write the stored virtual bright-field image (NY × NX uint8) as .npy or .png')
    .argument('<file>', 'a .blo file')
    .argument('<output>', 'OUT.npy or OUT.png')
    .option('--overwrite', 'replace an existing output file')
    .action((file: string, output: string, options: { overwrite?: boolean }) => navigatorCommand(file, output, options, warn));

  program
    .command('demo')
    .description('write a synthetic polycrystal SPED dataset (deterministic from the seed)')
    .argument('<output>', 'OUT.blo')
    .option('--scan <NYxNX>', 'scan size', '64x64')
    .option('--size <DP>', 'pattern side length in pixels', '128')
    .option('--bits <8|16>', 'pixel depth (16 writes format 1.3)', '8')
    .option('--seed <N>', 'random seed', '1')
    .option('--overwrite', 'replace an existing output file')
    .action((output: string, options) => demoCommand(output, options));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message; help and version are not failures.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const { line, exitCode } = describeFailure(error);
    process.stderr.write(`${line}\n`);
    return exitCode;
  }
}
