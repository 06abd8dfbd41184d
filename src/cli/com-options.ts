/**
 * `blo com`'s outputs: the centre of mass itself (x, y) or the shift field
 * derived from it (src/analysis/com-fields.ts), turned into scan axes by
 * --com-rotation and --com-flip, measured from --reference.
 */
import { colourWheel, colourWheelKey, comFields, curlFreeRotation } from '../analysis/com-fields.js';
import type { AnalysisResult } from '../analysis/request.js';
import type { Blockfile } from '../reader/blockfile.js';
import { UsageError } from './errors.js';
import type { NamedImage } from './image-output.js';
import { numberList, numberOption } from './numbers.js';

export const COM_FIELDS = ['x', 'y', 'dx', 'dy', 'magnitude', 'direction', 'divergence', 'curl', 'wheel'] as const;
export type ComField = (typeof COM_FIELDS)[number];

/** The fields that are shifts from the reference, in scan axes: what rotation, flip and reference change. */
const SHIFT_FIELDS: readonly ComField[] = COM_FIELDS.filter((f) => f !== 'x' && f !== 'y');

export interface ComFlags {
  fields?: string;
  comRotation?: string;
  comFlip?: boolean;
  reference?: string;
}

export interface ComOutputs {
  fields: ComField[];
  rotation: number | 'auto';
  flip: boolean;
  reference: { x: number; y: number } | undefined;
}

/** The options checked before any pass: `output` the file to write, `store` whether it is a results store. */
export function parseComOutputs(flags: ComFlags, output: string | undefined, store: boolean): ComOutputs {
  const fields = (flags.fields ?? 'x,y').split(',').map((f) => f.trim());
  const unknown = fields.filter((f) => !(COM_FIELDS as readonly string[]).includes(f));
  if (unknown.length || fields.length === 0) throw new UsageError(`--fields takes a list of ${COM_FIELDS.join(', ')}, got "${flags.fields}"`);
  const repeated = fields.find((f, i) => fields.indexOf(f) !== i);
  if (repeated) throw new UsageError(`--fields names ${repeated} twice`);
  const rotation = flags.comRotation === undefined ? 0 : flags.comRotation === 'auto' ? 'auto' : numberOption('--com-rotation', flags.comRotation, { form: 'DEG (or auto)' });
  const reference = flags.reference === undefined ? undefined : numberList('--reference', flags.reference, { count: 2, form: 'CX,CY' });
  const shaping = flags.comRotation !== undefined || flags.comFlip || reference !== undefined;
  if (store && (flags.fields !== undefined || shaping)) {
    throw new UsageError('--fields, --com-rotation, --com-flip and --reference apply to .npy, .tiff and .png outputs: a results store holds the x and y maps only');
  }
  if (shaping && !fields.some((f) => SHIFT_FIELDS.includes(f as ComField))) {
    throw new UsageError(`--com-rotation, --com-flip and --reference change ${SHIFT_FIELDS.join(', ')}: ask for them with --fields`);
  }
  if (fields.includes('wheel') && !/\.png$/i.test(output ?? '')) throw new UsageError('--fields wheel is a picture: write it to a .png (-o OUT.png)');
  return { fields: fields as ComField[], rotation, flip: !!flags.comFlip, reference: reference && { x: reference[0], y: reference[1] } };
}

/** Four significant digits, for the lines printed. */
function format(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** The scan step from the header (nm between rows, between columns), when it holds one. */
function scanStep(bf: Blockfile): [number, number] | undefined {
  const { SY, SX } = bf.header;
  return SY > 0 && SX > 0 && Number.isFinite(SY) && Number.isFinite(SX) ? [SY, SX] : undefined;
}

/**
 * The colour wheel enlarged to about 512 pixels, its key (a disc, the rim at
 * `max`) beside it, on white; positions without a centre of mass white too.
 */
function wheelPicture(x: Float64Array, y: Float64Array, rows: number, cols: number): { picture: NonNullable<NamedImage['picture']>; max: number } {
  const { rgba, max } = colourWheel(x, y);
  const factor = Math.max(1, Math.floor(512 / Math.max(rows, cols)));
  const mapW = cols * factor;
  const mapH = rows * factor;
  const side = Math.max(96, Math.min(256, mapH));
  const key = colourWheelKey(side);
  const gap = 8;
  const width = mapW + gap + side;
  const height = Math.max(mapH, side);
  const rgb = new Uint8Array(3 * width * height).fill(255);
  const put = (source: Uint8ClampedArray, at: number, px: number) => {
    if (source[at + 3] !== 0) rgb.set(source.subarray(at, at + 3), px * 3);
  };
  for (let r = 0; r < mapH; r++) for (let c = 0; c < mapW; c++) put(rgba, 4 * (Math.floor(r / factor) * cols + Math.floor(c / factor)), r * width + c);
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) put(key, 4 * (r * side + c), r * width + mapW + gap + c);
  return { picture: { width, height, rgb }, max };
}

/** The images asked for, in the order asked; `print` gets what the numbers in them mean. */
export function comImages(result: AnalysisResult, bf: Blockfile, outputs: ComOutputs, print: (line: string) => void): NamedImage[] {
  const [rows, cols] = result.scanShape;
  const com = result.centerOfMass!;
  const step = scanStep(bf);
  let rotation = outputs.rotation;
  if (rotation === 'auto') {
    const found = curlFreeRotation(com, rows, cols, { flip: outputs.flip, step });
    rotation = found.rotation;
    print(
      `com rotation ${format(rotation)}° (flip ${outputs.flip ? 'yes' : 'no'}): the least curl, rms ${format(found.rmsCurl)} (${format(found.rmsCurlWorst)} at the worst angle); ` +
        `mean divergence ${format(found.meanDivergence)}, reversed by ${format(rotation + 180)}°`,
    );
  }
  const fields = comFields(com, rows, cols, { rotation, flip: outputs.flip, reference: outputs.reference, step });
  const images: NamedImage[] = [];
  for (const field of outputs.fields) {
    const image = (data: Float64Array): NamedImage => ({ name: field, data, rows, cols });
    switch (field) {
      case 'x':
      case 'y':
        images.push(image(com[field]));
        break;
      case 'dx':
        images.push(image(fields.x));
        break;
      case 'dy':
        images.push(image(fields.y));
        break;
      case 'wheel': {
        const { picture, max } = wheelPicture(fields.x, fields.y, rows, cols);
        print(`wheel: hue the direction (red along +x, yellow-green towards +y (down), cyan along −x, violet towards −y), full brightness at a shift of ${format(max)} pattern pixels and more`);
        images.push({ ...image(fields.magnitude), picture });
        break;
      }
      default:
        images.push(image(fields[field]));
    }
  }
  if (outputs.fields.some((f) => f === 'divergence' || f === 'curl')) {
    print(`divergence and curl in pattern pixels per ${step ? 'nm of scan (the header\'s scan step)' : 'scan position (the header gives no scan step)'}`);
  }
  return images;
}
