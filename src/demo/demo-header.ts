/** The blockfile header fields of a synthetic demo dataset. */
import type { BlockfileHeader } from '../format/header.js';
import { isoToSerialDate } from '../format/dates.js';
import type { SyntheticDataset } from './synthetic.js';

/** Fixed so that the same seed gives the same file, byte for byte. */
const DEMO_ACQUISITION = isoToSerialDate('2026-01-01', '12:00:00') ?? 0;

export function demoHeaderFields(dataset: SyntheticDataset): Partial<BlockfileHeader> {
  return {
    SX: dataset.scanStepNm,
    SY: dataset.scanStepNm,
    SDP: Math.round(100 / dataset.patternCmPerPixel),
    Beam_energy: 200_000,
    Camera_length: 2_000,
    Scan_rotation: 0,
    Acquisition_time: DEMO_ACQUISITION,
  };
}
