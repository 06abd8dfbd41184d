/** `blo crystal FILE.cif` and `blo simulate FILE.cif`: a phase, and its kinematic SPED pattern. */
import type { DisplayOptions } from '../../display/render.js';
import { eulerDegreesToMatrix, zoneAxisOrientation } from '../../crystal/orientation.js';
import type { Phase } from '../../crystal/phase.js';
import { PatternSimulator, renderPattern } from '../../crystal/simulate.js';
import { reflectionFamilies } from '../../crystal/structure-factor.js';
import { fourIndexPlane, isHexagonalCell } from '../../crystal/miller-bravais.js';
import { loadPhase } from '../../node/crystal.js';
import { UsageError } from '../errors.js';
import { numberList, numberOption } from '../numbers.js';
import { displayOptions, outputKind, writeImages, type DisplayFlags } from '../image-output.js';

/** Numbers separated by commas: `count` of them, each finite. */
export function parseNumbers(option: string, text: string, count: number): number[] {
  return numberList(option, text, { count });
}

export function parsePositive(option: string, text: string, { integer = false, zero = false } = {}): number {
  return numberOption(option, text, zero ? { integer, min: 0 } : { integer, above: 0 });
}

const fixed = (v: number, digits: number) => v.toFixed(digits);

function sourceText(phase: Phase): string {
  switch (phase.spaceGroup.source) {
    case 'atoms':
      return 'found from the atoms';
    case 'operators':
      return 'from the listed operators';
    case 'symbol':
      return 'from the symbol';
    default:
      return 'from the number';
  }
}

export interface CrystalFlags {
  json?: boolean;
  dmin?: string;
}

/** `blo crystal`: name, formula, cell, symmetry and the first reflection families of a CIF phase. */
export async function crystalCommand(file: string, flags: CrystalFlags, out: (line: string) => void): Promise<void> {
  const dMin = flags.dmin === undefined ? 1 : parsePositive('--dmin', flags.dmin);
  const phase = await loadPhase(file);
  const families = reflectionFamilies(phase, dMin);
  const hexagonal = isHexagonalCell(phase.cell);
  const { a, b, c, alpha, beta, gamma } = phase.cell;
  if (flags.json) {
    out(
      JSON.stringify({
        file,
        name: phase.name,
        formula: phase.formula,
        cell: { a, b, c, alpha, beta, gamma },
        volume: phase.lattice.volume,
        spaceGroup: { number: phase.spaceGroup.number ?? null, symbol: phase.spaceGroup.symbol, hall: phase.spaceGroup.hall ?? null, source: phase.spaceGroup.source, fromAtoms: phase.spaceGroup.source === 'atoms' },
        pointGroup: phase.pointGroup,
        laueGroup: phase.laueGroup,
        centrosymmetric: phase.centrosymmetric,
        sites: phase.sites.map((s) => ({ label: s.label, element: s.element, charge: s.charge, x: s.x, y: s.y, z: s.z, occupancy: s.occupancy, uIso: s.uIso })),
        atomsInCell: phase.atoms.length,
        notes: phase.notes,
        dMin,
        // Hexagonal cells: the Miller–Bravais (hkil) too, as microscopists write them.
        reflections: families.map((f) => ({ hkl: f.hkl, ...(hexagonal && { hkil: fourIndexPlane(f.hkl) }), d: f.d, f2: f.f2, multiplicity: f.multiplicity })),
      }),
    );
    return;
  }
  out(`${phase.name} (${phase.formula})   ${file}`);
  out(`  cell          a ${fixed(a, 4)}  b ${fixed(b, 4)}  c ${fixed(c, 4)} Å   α ${fixed(alpha, 2)}  β ${fixed(beta, 2)}  γ ${fixed(gamma, 2)}°   V ${fixed(phase.lattice.volume, 2)} Å³`);
  out(`  space group   ${phase.spaceGroup.number ?? '?'}  ${phase.spaceGroup.symbol}   (${sourceText(phase)})`);
  out(`  point group   ${phase.pointGroup}   Laue group ${phase.laueGroup}   ${phase.centrosymmetric ? 'centrosymmetric' : 'non-centrosymmetric'}`);
  out(`  atoms         ${phase.sites.length} site${phase.sites.length === 1 ? '' : 's'}, ${phase.atoms.length} in the cell`);
  for (const note of phase.notes) out(`  note          ${note}`);
  const shown = families.slice(0, 12);
  out(`  reflections   ${families.length} families with d ≥ ${dMin} Å${families.length > shown.length ? `; the first ${shown.length}` : ''} (|F|² in Å², electron scattering factors of ITC C 4.3.2.2)`);
  out(hexagonal ? '      h  k  i  l      d (Å)      |F|²   mult' : '      h  k  l      d (Å)      |F|²   mult');
  for (const f of shown) {
    const indices = hexagonal ? fourIndexPlane(f.hkl) : f.hkl;
    out(`    ${indices.map((v) => String(v).padStart(3)).join('')}   ${fixed(f.d, 4).padStart(8)}  ${f.f2.toPrecision(4).padStart(9)}  ${String(f.multiplicity).padStart(4)}`);
  }
}

export interface SimulateFlags extends DisplayFlags {
  euler?: string;
  zone?: string;
  angle?: string;
  pixelSize?: string;
  size?: string;
  precession?: string;
  voltage?: string;
  thickness?: string;
  center?: string;
  spotWidth?: string;
  directBeam?: string;
  noise?: string;
  seed?: string;
  output?: string;
  json?: boolean;
  overwrite?: boolean;
}

/** `blo simulate`: the kinematic SPED pattern of a phase in one orientation, as an image and/or a JSON reflection list. */
export async function simulateCommand(file: string, flags: SimulateFlags, out: (line: string) => void): Promise<void> {
  if ((flags.euler === undefined) === (flags.zone === undefined)) throw new UsageError('give the orientation with either --euler P1,P,P2 or --zone U,V,W');
  if (flags.angle !== undefined && flags.zone === undefined) throw new UsageError('--angle goes with --zone');
  if (flags.pixelSize === undefined) throw new UsageError('--pixel-size (Å⁻¹ per pixel) is required');
  if (flags.output === undefined && !flags.json) throw new UsageError('say where the pattern goes: -o pattern.png|pattern.npy, or --json');
  if (flags.output !== undefined) {
    const kind = outputKind(flags.output);
    if (kind === 'tiff') throw new UsageError(`cannot write ${flags.output}: use a .png or .npy file`);
  }
  const pixelSize = parsePositive('--pixel-size', flags.pixelSize);
  const size = flags.size === undefined ? 256 : parsePositive('--size', flags.size, { integer: true });
  if (size > 8192) throw new UsageError(`--size must be at most 8192, got ${size}`);
  const precession = flags.precession === undefined ? 1 : parsePositive('--precession', flags.precession, { zero: true });
  if (precession >= 10) throw new UsageError(`--precession must be below 10 degrees, got ${precession}`);
  const voltage = flags.voltage === undefined ? 200 : parsePositive('--voltage', flags.voltage);
  const thickness = flags.thickness === undefined ? 50 : parsePositive('--thickness', flags.thickness);
  const center = flags.center === undefined ? undefined : (parseNumbers('--center', flags.center, 2) as [number, number]);
  const spotSigma = flags.spotWidth === undefined ? 1 : parsePositive('--spot-width', flags.spotWidth);
  const directBeam = flags.directBeam === undefined ? 0 : parsePositive('--direct-beam', flags.directBeam, { zero: true });
  const counts = flags.noise === undefined ? undefined : parsePositive('--noise', flags.noise);
  const seed = flags.seed === undefined ? 1 : parsePositive('--seed', flags.seed, { integer: true, zero: true });
  const display: DisplayOptions = { percentiles: [0, 100], scale: 'gamma', gamma: 0.5, ...displayOptions(flags) };

  const phase = await loadPhase(file);
  let matrix;
  let euler: [number, number, number];
  if (flags.euler !== undefined) {
    euler = parseNumbers('--euler', flags.euler, 3) as [number, number, number];
    matrix = eulerDegreesToMatrix(...euler);
  } else {
    const uvw = parseNumbers('--zone', flags.zone!, 3);
    if (uvw.every((v) => v === 0)) throw new UsageError('--zone must not be 0,0,0');
    const angle = flags.angle === undefined ? 0 : parseNumbers('--angle', flags.angle, 1)[0];
    ({ matrix, euler } = zoneAxisOrientation(phase.lattice, uvw, angle));
  }
  const simulator = new PatternSimulator(phase, { size, pixelSize, precession, voltage, thickness, center });
  const pattern = simulator.simulate(matrix);
  if (flags.output !== undefined) {
    const image = renderPattern(pattern, size, simulator.center, { spotSigma, directBeam, counts, seed });
    await writeImages(flags.output, [{ name: 'pattern', data: image, rows: size, cols: size }], { overwrite: flags.overwrite, display });
  }
  if (flags.json) {
    const reflections = Array.from({ length: pattern.count }, (_, i) => ({
      hkl: Array.from(pattern.hkl.subarray(3 * i, 3 * i + 3)),
      x: pattern.x[i],
      y: pattern.y[i],
      intensity: pattern.intensity[i],
      f2: pattern.f2[i],
      excitation: pattern.excitation[i],
    })).sort((p, q) => q.intensity - p.intensity);
    out(
      JSON.stringify({
        file,
        phase: phase.name,
        euler,
        size,
        pixelSize,
        center: simulator.center,
        voltage,
        precession,
        thickness,
        wavelength: simulator.wavelength,
        reflections,
      }),
    );
  }
}
