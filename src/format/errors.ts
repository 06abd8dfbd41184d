/** Stable codes for everything that can be wrong with a blockfile or a request. */
export type BlockfileErrorCode =
  | 'TOO_SHORT'
  | 'BAD_ID'
  | 'BAD_OFFSET'
  | 'BAD_DIMENSIONS'
  | 'TOO_LARGE'
  | 'BAD_FRAME'
  | 'BAD_NOTE'
  | 'OUT_OF_RANGE'
  | 'BAD_OPTION'
  | 'READ_FAILED'
  /** HTTP sources: the server does not answer Range requests. */
  | 'HTTP_NO_RANGE'
  /** HTTP sources: the Content-Range or the body does not match the bytes asked for. */
  | 'HTTP_BAD_RANGE'
  /** HTTP sources: the resource changed size while being read. */
  | 'HTTP_SIZE_CHANGED'
  /** HTTP sources: an error status (after retries for 408, 429 and 5xx). */
  | 'HTTP_STATUS'
  /** HTTP sources: the request or the body failed on the network (after retries). */
  | 'HTTP_NETWORK'
  | 'WRITE_FAILED'
  | 'UNSUPPORTED'
  /** The stored navigator (VBF) image lies outside the file. */
  | 'NO_NAVIGATOR'
  /** Strict mode: something that lenient reading would warn about. */
  | 'BAD_HEADER';

/**
 * A blockfile that cannot be read as asked. `code` is stable for callers to
 * branch on; `message` names the file and says what is wrong.
 */
export class BlockfileError extends Error {
  readonly code: BlockfileErrorCode;
  readonly file: string;

  constructor(code: BlockfileErrorCode, file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'BlockfileError';
    this.code = code;
    this.file = file;
  }
}

export type BlockfileWarningCode =
  | 'UNKNOWN_MAGIC'
  | 'TRUNCATED'
  | 'NOTE_BIT_DEPTH'
  | 'NON_FINITE_HEADER'
  | 'UNITS'
  | 'OVERFLOW'
  | 'NOTE_TRUNCATED'
  | 'METADATA'
  /** The stored navigator lies (partly) outside the file: it cannot be read. */
  | 'NAVIGATOR_UNAVAILABLE'
  /** The stored navigator overlaps the frame records: it is read, but suspect. */
  | 'NAVIGATOR_OVERLAP'
  /** Frame records whose `AA 55` marker or index is wrong: their pixels are read as HyperSpy reads them. */
  | 'BAD_FRAME_PREFIX'
  /** The requested scan (navShape, syncOffset) reaches past the file's frames: the rest reads as zeros. */
  | 'PADDED';

/** Something odd that reading survives; returned to the caller as a value. */
export interface BlockfileWarning {
  readonly code: BlockfileWarningCode;
  readonly message: string;
}
