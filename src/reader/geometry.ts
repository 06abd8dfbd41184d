/**
 * The logical view of a file's frames: LiberTEM's navigation and signal
 * shape overrides and its sync offset, mapped onto the records in the file.
 */
import { BlockfileError, type BlockfileWarning } from '../format/errors.js';
import type { BlockfileLayout } from '../format/layout.js';

export interface GeometryOptions {
  /** Override the scan shape, e.g. `[n]` for a line of n frames or `[ny, nx]`. */
  navShape?: readonly number[];
  /** Override the pattern shape; its product must equal DP_SZ². */
  sigShape?: readonly number[];
  /**
   * Shift frames: a positive value skips that many frames at the start of the
   * file; a negative value inserts that many blank frames before the first.
   */
  syncOffset?: number;
}

export interface Geometry {
  readonly navShape: readonly number[];
  readonly sigShape: readonly number[];
  readonly syncOffset: number;
  /** Frames in the logical view: the product of navShape. */
  readonly frameCount: number;
  readonly pixelsPerFrame: number;
}

function checkShape(name: string, shape: readonly number[], file: string): void {
  if (shape.length === 0 || !shape.every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new BlockfileError('BAD_OPTION', file, `${name} must be a list of positive integers, got [${shape.join(', ')}]`);
  }
}

/** The logical view asked for, and a PADDED warning when it reaches past the frames the header promises. */
export function resolveGeometry(layout: BlockfileLayout, options: GeometryOptions, file: string): { geometry: Geometry; warnings: BlockfileWarning[] } {
  const navShape = options.navShape ? [...options.navShape] : [layout.ny, layout.nx];
  const sigShape = options.sigShape ? [...options.sigShape] : [layout.dpSize, layout.dpSize];
  checkShape('navShape', navShape, file);
  checkShape('sigShape', sigShape, file);
  const pixels = sigShape.reduce((a, b) => a * b, 1);
  if (pixels !== layout.pixelsPerFrame) {
    throw new BlockfileError(
      'BAD_OPTION',
      file,
      `sigShape [${sigShape.join(', ')}] holds ${pixels} pixels but the file's patterns have ${layout.pixelsPerFrame} (${layout.dpSize}×${layout.dpSize})`,
    );
  }
  const syncOffset = options.syncOffset ?? 0;
  if (!Number.isSafeInteger(syncOffset)) {
    throw new BlockfileError('BAD_OPTION', file, `syncOffset must be an integer, got ${syncOffset}`);
  }
  const frameCount = navShape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(frameCount * pixels)) {
    throw new BlockfileError('BAD_OPTION', file, `navShape [${navShape.join(', ')}] is too large`);
  }
  const warnings: BlockfileWarning[] = [];
  // Blank frames asked for with a negative syncOffset are the point of it; frames past the file's are not.
  const past = frameCount + syncOffset - layout.frameCount;
  if (past > 0) {
    const asked = options.navShape ? `navShape [${navShape.join(', ')}]` : `the ${layout.ny}×${layout.nx} scan`;
    warnings.push({
      code: 'PADDED',
      message: `${file}: ${asked}${syncOffset ? ` with syncOffset ${syncOffset}` : ''} reaches ${past} frame${past === 1 ? '' : 's'} past the ${layout.frameCount} the file holds; ${past === 1 ? 'it reads' : 'they read'} as zeros`,
    });
  }
  return { geometry: { navShape, sigShape, syncOffset, frameCount, pixelsPerFrame: pixels }, warnings };
}

/** Scan and patterns as 2-D grids: a line scan is one row, a 1-D pattern one row; extra leading dimensions fold into rows. */
export interface Grid {
  scanRows: number;
  scanCols: number;
  patternRows: number;
  patternCols: number;
}

function asGrid(shape: readonly number[]): [number, number] {
  return [shape.slice(0, -1).reduce((a, b) => a * b, 1), shape[shape.length - 1]];
}

export function gridOf(geometry: Geometry): Grid {
  const [scanRows, scanCols] = asGrid(geometry.navShape);
  const [patternRows, patternCols] = asGrid(geometry.sigShape);
  return { scanRows, scanCols, patternRows, patternCols };
}
