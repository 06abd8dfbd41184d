/**
 * The `blo` command-line program. Each command's code (and the libraries it
 * needs) is loaded only when that command runs, so that `blo --version`,
 * `blo --help` and `blo info` start at once.
 */
import { Command, CommanderError } from 'commander';
import type { AnalysisFlags, PatternStatistic } from './commands/analysis.js';
import type { ComFlags } from './com-options.js';
import type { ConvertOptions } from './commands/convert.js';
import type { CrystalFlags, SimulateFlags } from './commands/crystal.js';
import type { IndexFlags } from './commands/index-command.js';
import type { InfoOptions } from './commands/info.js';
import type { ProfileFlags } from './commands/profile.js';
import { detectorCollector } from './detector-options.js';
import { describeFailure, UsageError } from './errors.js';
import { printable } from './terminal-text.js';
import { packageVersion } from './version.js';

/** The help's closing lines: a few commands to copy. */
const EXAMPLES: Record<string, string[]> = {
  info: ['blo info scan.blo', 'blo info scan.blo --json > scan.json', 'blo info scan.blo --strict --check-all   # exit 1 if anything is damaged'],
  convert: [
    'blo convert scan.blo scan.hspy                      # HyperSpy reads it (hs.load)',
    'blo convert scan.blo scan.zarr                      # Dask: da.from_zarr("scan.zarr")',
    'blo convert processed.hspy scan.blo --intensity-scaling minmax',
    'blo convert scan.blo p.png --png pattern --frame 0,0 --cmap inferno --scale log',
    'blo convert bf.zarr bf.npy                          # a finished results store of --part tasks',
  ],
  navigator: ['blo navigator scan.blo vbf.png', 'blo navigator scan.blo --compute -o nav.png   # also the mean of each pattern'],
  virtual: [
    'blo virtual scan.blo --disk 63.5,63.5,8 -o bf.png',
    'blo virtual scan.blo --annulus 63.5,63.5,20,60 -o adf.png --cmap inferno',
    'blo virtual scan.blo --disk 63.5,63.5,8 --rect 0,0,32,32 -o both.npy   # a [2, NY, NX] stack',
    'blo virtual scan.blo --annulus 63.5,63.5,0.4A-1,1.2A-1 --pixel-size 0.025 -o adf.png   # radii in Å⁻¹ (or mrad)',
    'blo virtual scan.blo --disk 63.5,63.5,8 -o bf.zarr --part 0/4   # task 0 of 4 (Slurm, Kubernetes): its rows into bf.zarr',
    'blo virtual scan.blo --disk 63.5,63.5,8 -o bf.zarr --slurm 4    # writes bf.sbatch, the job array of the 4 tasks',
  ],
  sum: ['blo sum scan.blo -o sum.png --scale log', 'blo sum scan.blo -o grain.npy --region 10,20,30,40', 'blo sum scan.blo -o sum.zarr --part 2/8   # then: blo convert sum.zarr sum.npy'],
  mean: ['blo mean scan.blo -o mean.png --scale log', 'blo mean scan.blo -o grain.tiff --region 16,16,5'],
  max: ['blo max scan.blo -o max.png --scale log --cmap magma', 'blo max scan.blo -o grain.npy --region 10,20,30,40'],
  std: ['blo std scan.blo -o std.png', 'blo std scan.blo -o std.npy --region 10,20,30,40'],
  com: [
    'blo com scan.blo -o com.npy',
    'blo com scan.blo -o com.png --disk 63.5,63.5,30 --threshold 5   # com-x.png and com-y.png',
    'blo com scan.blo -o field.png --fields magnitude,wheel,curl --com-rotation auto   # the rotation printed; field-wheel.png with its key',
    'blo com scan.blo -o field.npy --fields dx,dy,divergence --com-rotation -12.5 --com-flip --reference 63.5,63.5',
    'blo com scan.blo -o com.zarr --slurm 16 --submit                # 16 Slurm tasks, then: blo convert com.zarr com.npy',
  ],
  profile: [
    'blo profile scan.blo -o profile.csv',
    'blo profile scan.blo --pixel-size 0.025 --center 63.2,64.1 -o profile.csv   # adds k_A-1 and mrad columns',
    'blo profile scan.blo --frame 10,20 --pixel-size header --bin 0.01A-1',
  ],
  view: ['blo view scan.blo', 'blo view scan.blo --no-open --port 8123'],
  demo: [
    'blo demo demo.blo',
    'blo demo big.blo --scan 256x256 --size 128 --bits 16',
    'blo demo sped.blo --phase examples/Cu.cif --phase examples/ferrite.cif --pixel-size 0.025 --truth truth.ctf',
  ],
  crystal: ['blo crystal examples/Cu.cif', 'blo crystal examples/Ti-alpha.cif --json --dmin 0.8'],
  index: [
    'blo demo demo.blo --phase examples/Cu.cif --scan 32x32 --size 144 --pixel-size 0.025 --grains 12 --truth truth.ctf',
    'blo index demo.blo --phase examples/Cu.cif --pixel-size 0.025 -o map.ctf -o map.png   # map.png: IPF-Z and its key; map-phase.png, map-reliability.png',
    'blo index scan.blo --phase Cu.cif --phase Fe.cif --pixel-size 0.021 --precession 0.8 --resolution 0.75 -o map.ang --region 0,0,64,32',
    'blo index scan.blo --phase Cu.cif --pixel-size 0.021 -o map.zarr --slurm 8   # map.sbatch: 8 Slurm tasks; then blo convert map.zarr map.ctf',
  ],
  simulate: [
    'blo simulate examples/Cu.cif --zone 0,0,1 --pixel-size 0.02 -o cu001.png',
    'blo simulate examples/Cu.cif --euler 30,45,10 --pixel-size 0.02 --json',
  ],
};

function addExamples(program: Command): void {
  for (const command of program.commands) {
    const lines = EXAMPLES[command.name()];
    if (lines) command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
  }
}

/** Commander's collector for a repeatable option. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`warning: ${printable(line)}\n`);

/** Output, display and worker options shared by the analysis commands. */
function withAnalysisOptions(command: Command): Command {
  return command
    .option('-o, --output <file>', 'OUT.npy, OUT.tiff or OUT.png (RESULTS.zarr with --part or --slurm)')
    .option('--cmap <name>', 'PNG colour map: gray, viridis, inferno, magma, cividis (default gray)')
    .option('--scale <how>', 'PNG intensity scale: linear, log, gamma or gamma:G (default linear)')
    .option('--gamma <g>', 'PNG gamma exponent: --gamma G is --scale gamma:G')
    .option('--percentiles <lo,hi>', 'PNG contrast: clip to these percentiles (default 0.5,99.5)')
    .option('--workers <n>', 'worker threads (default: one per core; 0 or 1 runs in this thread)')
    .option('--overwrite', 'replace existing output files');
}

/** Splitting a command into independent tasks (Slurm job arrays, Kubernetes Indexed Jobs): one results store. */
function withPartOptions(command: Command): Command {
  return command
    .option('--part <I/N>', 'compute only part I (0-based) of N of the scan rows into -o RESULTS.zarr, shared by the N tasks')
    .option('--slurm <N>', 'write RESULTS.sbatch, the Slurm array job of N tasks that fills -o RESULTS.zarr')
    .option('--submit', 'with --slurm: submit that job with sbatch');
}

export function buildProgram(): Command {
  const program = new Command('blo')
    .description('Inspect and convert NanoMegas ASTAR blockfiles (.blo): scanning precession electron diffraction data')
    .version(packageVersion())
    .showSuggestionAfterError()
    .exitOverride();

  program
    .command('info')
    .description('format, shape, calibrations, acquisition date, note and frame check of a blockfile')
    .argument('<file>', 'a .blo file')
    .option('--json', 'print one JSON object (RosettaSciIO names and values)')
    .option('--no-check', 'skip checking the frame records')
    .option('--check-all', 'read every frame record whole (every byte of the file), not only the 6-byte prefixes')
    .option('--strict', 'fail (exit 1) on anything lenient reading only warns about: a broken frame record, a navigator outside the file, truncation…')
    .action((file: string, options: InfoOptions) => import('./commands/info.js').then((m) => m.infoCommand(file, options, out)));

  program
    .command('convert')
    .description(
      'convert by extension: .blo, .npy, .hspy, .zspy, .zarr or .tif to .blo or .npy; .blo to .hspy, .zspy, .zarr (HyperSpy, Dask), .tif (stack) or .png',
    )
    .argument('<input>', 'input: .blo, .npy, .hspy, .zspy, .zarr, .tif/.tiff')
    .argument('<output>', 'output: .blo, .npy, .hspy, .zspy, .zarr, .tif/.tiff, .png')
    .option('--intensity-scaling <how>', 'for .blo output: dtype, minmax, crop or LO,HI (default: cast to uint8)')
    .option('--navigator <what>', 'for .blo output: the stored VBF: mean (default), none or NAV.npy')
    .option('--bits <8|16>', 'for .blo output: pixel depth (16 writes format 1.3, unscaled)')
    .option('--scan-step <nm>', 'for .blo output: scan step in nm, or NMY,NMX')
    .option('--calibration <cm>', 'for .blo output: pattern pixel size in cm')
    .option('--png <what>', 'for .png output: navigator (default), pattern (with --frame) or montage')
    .option('--frame <y,x>', 'for --png pattern: the scan position')
    .option('--every <n>', 'for --png montage: every n-th scan position (default: fit 4096 pixels)')
    .option('--cmap <name>', 'for .png output: gray, viridis, inferno, magma, cividis')
    .option('--scale <how>', 'for .png output: linear, log, gamma or gamma:G')
    .option('--gamma <g>', 'PNG gamma exponent: --gamma G is --scale gamma:G')
    .option('--percentiles <lo,hi>', 'for .png output: contrast clip (default 0.5,99.5)')
    .option('--overwrite', 'replace an existing output file')
    .action((input: string, output: string, options: ConvertOptions) => import('./commands/convert.js').then((m) => m.convertCommand(input, output, options, warn)));

  withAnalysisOptions(
    program
      .command('navigator')
      .description('write the stored virtual bright-field image (NY × NX uint8); with --compute, beside it the mean intensity of each pattern')
      .argument('<file>', 'a .blo file')
      .argument('[output]', 'OUT.npy or OUT.png (or -o)')
      .option('--compute', 'also compute the mean intensity of each pattern (one pass over the file): .npy stack, 2-page .tiff, or OUT-stored.png and OUT-computed.png'),
  ).action(async (file: string, output: string | undefined, options: AnalysisFlags & { compute?: boolean }) => {
    if (output !== undefined && options.output !== undefined) throw new UsageError('give the output once: as an argument or with -o');
    const target = output ?? options.output;
    if (options.compute) return (await import('./commands/analysis.js')).computedNavigatorCommand(file, { ...options, output: target }, warn);
    if (target === undefined) throw new UsageError('say where to write the navigator: blo navigator FILE OUT.png');
    return (await import('./commands/navigator.js')).navigatorCommand(file, target, options, warn);
  });

  const collector = detectorCollector();
  withPartOptions(withAnalysisOptions(
    program
      .command('virtual')
      .description('virtual detector images (NY × NX, float64 sums) in one pass; several detectors give a stack or numbered PNGs')
      .argument('<file>', 'a .blo file')
      .option('--disk <cx,cy,r>', 'pixels with (x−cx)² + (y−cy)² ≤ r² (x column, y row; r in pixels, or 0.25A-1, 6mrad with --pixel-size); repeatable', collector.parse.disk)
      .option('--annulus <cx,cy,r1,r2>', 'pixels with r1² ≤ d² ≤ r2² (radii as for --disk); repeatable', collector.parse.annulus)
      .option('--rect <x0,y0,x1,y1>', 'pixels with x0 ≤ x < x1 and y0 ≤ y < y1; repeatable', collector.parse.rect)
      .option('--mask <M.npy>', 'weights per pattern pixel (DP × DP, 0/1 or float); repeatable', collector.parse.mask)
      .option('--pixel-size <A|header>', 'Å⁻¹ per pattern pixel, or header (the header\'s estimate): radii may then be given as 0.25A-1 or 6mrad'),
  )).action((file: string, options: AnalysisFlags) => import('./commands/analysis.js').then((m) => m.virtualCommand(file, collector.detectors, options, warn)));

  const statistics: [PatternStatistic, string][] = [
    ['sum', 'the sum pattern of the scan (float64)'],
    ['mean', 'the mean pattern of the scan (float64)'],
    ['max', 'the maximum pattern of the scan'],
    ['std', 'the standard-deviation pattern of the scan (population, as numpy)'],
  ];
  for (const [statistic, description] of statistics) {
    withPartOptions(withAnalysisOptions(
      program
        .command(statistic)
        .description(description)
        .argument('<file>', 'a .blo file')
        .option('--region <x0,y0,x1,y1|cx,cy,r>', 'only these scan positions: a rectangle, or a disk'),
    )).action((file: string, options: AnalysisFlags & { region?: string }) => import('./commands/analysis.js').then((m) => m.patternCommand(statistic, file, options, warn)));
  }

  withPartOptions(withAnalysisOptions(
    program
      .command('com')
      .description('centre-of-mass maps of the patterns (x column and y row, in pixels) and the shift field derived from them (--fields): .npy stack [n, NY, NX], n-page .tiff, or OUT-x.png, OUT-y.png (OUT-NAME.png for each field)')
      .argument('<file>', 'a .blo file')
      .option('--disk <cx,cy,r>', 'only pixels inside this disk count (r in pixels, or 0.25A-1, 6mrad with --pixel-size)')
      .option('--pixel-size <A|header>', 'Å⁻¹ per pattern pixel, or header (the header\'s estimate): radii may then be given as 0.25A-1 or 6mrad')
      .option('--mask <M.npy>', 'weights per pattern pixel')
      .option('--threshold <value>', 'pixels below this value count as zero')
      .option('--fields <list>', 'what to write, in order (default x,y): x, y (the centre of mass), dx, dy (its shift from the reference, in scan axes), magnitude, direction (degrees from +x towards +y), divergence, curl (per nm of scan step), wheel (PNG: direction as hue, magnitude as brightness, with its key)')
      .option('--com-rotation <deg|auto>', 'rotation from pattern to scan axes, degrees (clockwise on screen); auto: the one with the least curl, printed')
      .option('--com-flip', 'mirror the pattern\'s y axis before the rotation')
      .option('--reference <cx,cy>', 'the shifts are from this pattern pixel (default: the mean centre of mass)'),
  )).action((file: string, options: AnalysisFlags & ComFlags & { mask?: string; disk?: string; threshold?: string }) => import('./commands/analysis.js').then((m) => m.comCommand(file, options, warn)));

  program
    .command('profile')
    .description('the radial profile (ring means) of the mean pattern, or of one pattern, about a centre, as CSV: r_px, k_A-1 and mrad with --pixel-size, mean, pixels')
    .argument('<file>', 'a .blo file')
    .option('-o, --output <file>', 'OUT.csv (default: standard output)')
    .option('--center <cx,cy>', 'the centre, pattern pixels (default the middle: (DP−1)/2)')
    .option('--frame <x,y>', 'the pattern at this scan position instead of the mean pattern')
    .option('--region <x0,y0,x1,y1|cx,cy,r>', 'the mean of these scan positions only: a rectangle, or a disk')
    .option('--bin <w>', 'ring width, pixels (default 1), or in A-1 or mrad with --pixel-size (0.01A-1)')
    .option('--pixel-size <A|header>', 'Å⁻¹ per pattern pixel, or header (the header\'s estimate): adds the k_A-1 and mrad columns')
    .option('--workers <n>', 'worker threads (default: one per core; 0 or 1 runs in this thread)')
    .option('--overwrite', 'replace an existing output file')
    .action((file: string, options: ProfileFlags) => import('./commands/profile.js').then((m) => m.profileCommand(file, options, out, warn)));

  program
    .command('view')
    .description('explore a blockfile in the browser viewer, served on 127.0.0.1 behind a random token')
    .argument('<file>', 'a .blo file')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option('--no-open', 'print the URL only; do not open a browser')
    .action((file: string, options: { port?: string; open?: boolean }) => import('./commands/view.js').then((m) => m.viewCommand(file, options, out)));

  program
    .command('demo')
    .description('write a synthetic polycrystal SPED dataset (deterministic from the seed)')
    .argument('<output>', 'OUT.blo')
    .option('--scan <NYxNX>', 'scan size', '64x64')
    .option('--size <DP>', 'pattern side length in pixels', '128')
    .option('--bits <8|16>', 'pixel depth (16 writes format 1.3)', '8')
    .option('--seed <N>', 'random seed', '1')
    .option('--phase <cif>', 'simulate the patterns kinematically from this phase (repeatable: several phases)', collect)
    .option('--grains <n>', 'with --phase: number of grains (default 8)')
    .option('--pixel-size <A>', 'with --phase: reciprocal calibration, Å⁻¹ per pixel')
    .option('--precession <deg>', 'with --phase: precession angle, degrees (default 1)')
    .option('--voltage <kV>', 'with --phase: accelerating voltage, kV (default 200)')
    .option('--thickness <nm>', 'with --phase: mean crystal thickness, nm (default 40)')
    .option('--truth <ctf>', 'with --phase: write the true phase and orientation map as a .ctf')
    .option('--overwrite', 'replace an existing output file')
    .action((output: string, options) => import('./commands/demo.js').then((m) => m.demoCommand(output, options)));

  program
    .command('crystal')
    .description('a crystal phase from a CIF file: cell, space group (found from the atoms when listed in P 1), point and Laue group, reflection families')
    .argument('<file>', 'a .cif file')
    .option('--json', 'print one JSON object')
    .option('--dmin <d>', 'list reflection families with d ≥ this, Å (default 1)')
    .action((file: string, options: CrystalFlags) => import('./commands/crystal.js').then((m) => m.crystalCommand(file, options, out)));

  program
    .command('simulate')
    .description('the kinematic SPED pattern of a CIF phase in one orientation: an image (.png, .npy) and/or the reflection list (--json)')
    .argument('<file>', 'a .cif file')
    .option('--euler <p1,P,p2>', 'Bunge Euler angles, degrees (sample to crystal, see ORIENTATION.md)')
    .option('--zone <u,v,w>', 'the zone axis [uvw] along the beam')
    .option('--angle <deg>', 'with --zone: turn about the beam (φ1), degrees (default 0)')
    .option('--pixel-size <A>', 'reciprocal calibration, Å⁻¹ per pixel (required)')
    .option('--size <N>', 'pattern side, pixels (default 256)')
    .option('--precession <deg>', 'precession angle, degrees (default 1; 0 for none)')
    .option('--voltage <kV>', 'accelerating voltage, kV (default 200)')
    .option('--thickness <nm>', 'crystal thickness, nm: the relrod width (default 50)')
    .option('--center <x,y>', 'direct beam position, pixels (default the middle: (N−1)/2)')
    .option('--spot-width <px>', 'Gaussian spot σ in the image, pixels (default 1)')
    .option('--direct-beam <rel>', 'draw the direct beam, this many times the strongest reflection')
    .option('--noise <counts>', 'Poisson noise, the brightest peak expecting this many counts')
    .option('--seed <n>', 'seed of the noise (default 1)')
    .option('-o, --output <file>', 'pattern.png or pattern.npy (float64)')
    .option('--json', 'print the reflections: { reflections: [{ hkl, x, y, intensity, f2 }] }')
    .option('--cmap <name>', 'PNG colour map: gray, viridis, inferno, magma, cividis (default gray)')
    .option('--scale <how>', 'PNG intensity scale: linear, log, gamma or gamma:G (default gamma:0.5)')
    .option('--gamma <g>', 'PNG gamma exponent: --gamma G is --scale gamma:G')
    .option('--percentiles <lo,hi>', 'PNG contrast clip (default 0,100)')
    .option('--overwrite', 'replace an existing output file')
    .action((file: string, options: SimulateFlags) => import('./commands/crystal.js').then((m) => m.simulateCommand(file, options, out)));

  program
    .command('index')
    .description('orientation and phase maps by template matching against kinematic patterns of CIF phases: .ctf (MTEX, orix), .ang, .npy or .png (IPF map with its key, phase and reliability maps)')
    .argument('<file>', 'a .blo file')
    .option('--phase <cif>', 'a phase to index against (repeatable: the best match across phases wins)', collect)
    .option('--pixel-size <A>', 'reciprocal calibration, Å⁻¹ per pattern pixel (required)')
    .option('--precession <deg>', 'precession angle, degrees (default: the note\'s "Precession angle" line, else 0)')
    .option('--voltage <kV>', 'accelerating voltage, kV (default: the header\'s beam energy)')
    .option('--resolution <deg>', "the templates' grid step, degrees (default 0.5, screened on a grid twice as coarse; above 0.5 searched whole, as 1 was before 0.5)")
    .option('--thickness <nm>', 'crystal thickness the templates are simulated for, nm (default 30)')
    .option('--center <x,y>', 'a fixed direct-beam position, pixels (default: found in every pattern)')
    .option('--region <x0,y0,x1,y1>', 'only scan positions x0 ≤ x < x1, y0 ≤ y < y1')
    .option('--solutions <n>', 'solutions kept per pattern (default 5)')
    .option('--spot-width <px>', 'Gaussian σ of the spots for the profile fit that decides near-ties, pixels (default pattern size / 80)')
    .option('--no-fit', 'skip that profile fit: faster, less accurate where patterns show little more than a row of spots')
    .option('--no-neighbours', "skip the second pass that tries each position's neighbours' orientations where they differ from its own: faster, loses grains whose weak patterns the search misses")
    .option('--ipf <axis>', 'for .png: the sample direction of the IPF map, x, y or z (default z, the beam)')
    .option('-o, --output <file>', 'OUT.ctf, OUT.ang, OUT.npy ([NY, NX, 10]: phase, φ1, Φ, φ2, correlation, reliability, phase reliability, spots, centre x, y) or OUT.png; repeatable (RESULTS.zarr, alone, with --part or --slurm)', collect)
    .option('--workers <n>', 'worker threads (default: one per core; 0 or 1 runs in this thread)')
    .option('--overwrite', 'replace existing output files')
    .option('--part <I/N>', 'index only part I (0-based) of N of the scan rows into -o RESULTS.zarr, shared by the N tasks')
    .option('--slurm <N>', 'write RESULTS.sbatch, the Slurm array job of N tasks that fills -o RESULTS.zarr')
    .option('--submit', 'with --slurm: submit that job with sbatch')
    .action((file: string, options: IndexFlags) => import('./commands/index-command.js').then((m) => m.indexCommand(file, options, out, warn)));

  return program;
}

/** Commander's own usage errors in the CLI's form: `blo: …` on one line, with a pointer to the help. */
function usageErrorsInOneLine(command: Command, name?: string): void {
  command.configureOutput({
    outputError: (text, write) => write(`blo: ${text.replace(/^error: /, '').trim()} (see blo ${name ? `${name} ` : ''}--help)\n`),
  });
  for (const sub of command.commands) usageErrorsInOneLine(sub, sub.name());
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  addExamples(program);
  usageErrorsInOneLine(program);
  let running: string | undefined;
  program.hook('preAction', (_program, action) => {
    running = action.name();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message; help and version are not failures.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const { line, exitCode } = describeFailure(error, running ?? argv.find((a) => program.commands.some((c) => c.name() === a)));
    process.stderr.write(`${printable(line)}\n`);
    return exitCode;
  }
}
