/**
 * Writing a file so that nothing is lost: the data goes to a temporary file
 * beside the target, which replaces the target only once complete. An
 * exception, a full disk or a killed process leaves no partial target and
 * any previous file intact.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, lstat, mkdir, open, readdir, realpath, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { BlockfileError } from '../format/errors.js';
import type { ByteSink } from '../writer/sink.js';

const TEMP_MARK = '.blo-partial-';

/** The temporary name used for `target`: hidden, beside it, marked so stale ones can be found. */
function temporaryPath(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** A positional-write sink over an open file handle. */
class FileSink implements ByteSink {
  readonly name: string;
  readonly #handle: FileHandle;

  constructor(handle: FileHandle, name: string) {
    this.#handle = handle;
    this.name = name;
  }

  async write(bytes: Uint8Array, position: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    let done = 0;
    try {
      while (done < bytes.length) {
        const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
    } catch (cause) {
      throw writeFailure(this.name, cause);
    }
  }
}

/** An I/O error as a BlockfileError naming the target, not the temporary. */
export function writeFailure(target: string, cause: unknown): BlockfileError {
  const code = (cause as NodeJS.ErrnoException).code;
  const folder = dirname(resolve(target));
  const problem =
    code === 'ENOSPC' ? 'no space left on device; the previous file, if any, is unchanged'
    : code === 'EDQUOT' ? 'disk quota exceeded; the previous file, if any, is unchanged'
    : code === 'EIO' ? 'input/output error while writing; the previous file, if any, is unchanged'
    : code === 'EACCES' || code === 'EPERM' ? `cannot write: permission denied in the folder ${folder} (${code})`
    : code === 'ENOENT' ? `cannot write: the folder ${folder} does not exist (ENOENT)`
    : code === 'ENOTDIR' ? `cannot write: ${folder} is not a folder (ENOTDIR)`
    : code === 'EROFS' ? `cannot write: ${folder} is on a read-only file system (EROFS)`
    : `cannot write: ${(code ? `${code} ` : '') + String((cause as Error).message).replaceAll(/\S*\.blo-partial-\S*/g, 'its temporary')}`;
  return new BlockfileError('WRITE_FAILED', target, problem, { cause });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** What a write may replace, and what it must not touch. */
export interface TargetOptions {
  overwrite?: boolean;
  /**
   * Paths the operation reads (its inputs): a folder target that holds one
   * of them is refused, since replacing the folder would delete it.
   */
  reads?: readonly string[];
}

/** The real path of `path`, or of the nearest existing folder above it joined with the rest. */
async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(await realPathOf(parent), basename(absolute));
  }
}

function isInside(child: string, folder: string): boolean {
  const rel = relative(folder, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A folder holding a Zarr store (v2 array or group, or v3) at its root. */
async function isZarrStore(dir: string): Promise<boolean> {
  for (const name of ['.zarray', '.zgroup', 'zarr.json']) if (await exists(join(dir, name))) return true;
  return false;
}

/**
 * Refuses an existing target unless overwriting was asked for, and refuses
 * to replace what is not the kind of thing being written: a folder where a
 * file goes, a file or a folder that is not a Zarr store where a store goes,
 * or a folder holding one of the inputs. A file target that is an input
 * itself (directly, through a symlink or a hard link) is fine: the output
 * goes to a temporary and is renamed over it only after the input was read.
 */
export async function checkTarget(target: string, options: TargetOptions & { kind?: 'file' | 'zarr' } = {}): Promise<void> {
  const kind = options.kind ?? 'file';
  const existing = await lstat(target).catch(() => undefined);
  if (!existing) return;
  if (!options.overwrite) {
    throw new BlockfileError('BAD_OPTION', target, `${existing.isDirectory() ? 'folder' : 'file'} exists; pass overwrite: true to replace it`);
  }
  const isDir = existing.isDirectory() || (existing.isSymbolicLink() && (await stat(target).catch(() => undefined))?.isDirectory());
  if (kind === 'file' && isDir) {
    throw new BlockfileError('BAD_OPTION', target, 'is a folder; a file is written here only in place of a file, so nothing was replaced');
  }
  if (kind === 'zarr') {
    if (!isDir) throw new BlockfileError('BAD_OPTION', target, 'is a file, not a Zarr store; --overwrite replaces only a Zarr store, so nothing was replaced');
    if (!(await isZarrStore(target))) {
      throw new BlockfileError('BAD_OPTION', target, 'is a folder that is not a Zarr store (no .zarray, .zgroup or zarr.json at its root); --overwrite replaces only a Zarr store, so nothing was replaced');
    }
    const folder = await realPathOf(target);
    for (const input of options.reads ?? []) {
      if (isInside(await realPathOf(input), folder)) {
        throw new BlockfileError('BAD_OPTION', target, `holds the input ${input}; replacing it would delete the input, so nothing was replaced`);
      }
    }
  }
}

/**
 * Runs `produce` with a sink over a temporary file, then puts the file in
 * place of `target`: atomically replacing it when `overwrite`, else only if
 * no file appeared there meanwhile.
 */
export async function writeFileAtomically<T>(
  target: string,
  options: TargetOptions,
  produce: (sink: ByteSink) => Promise<T>,
): Promise<T> {
  return writeViaTemporaryPath(target, options, async (temp) => {
    const handle = await open(temp, 'wx').catch((cause) => {
      throw writeFailure(target, cause);
    });
    try {
      const result = await produce(new FileSink(handle, target));
      await handle.sync().catch((cause) => {
        throw writeFailure(target, cause);
      });
      return result;
    } finally {
      await handle.close().catch(() => undefined);
    }
  });
}

/**
 * Runs `produce` with the path of a temporary file beside `target` (for
 * libraries that write files themselves, such as HDF5), then puts it in
 * place: atomically replacing the target when `overwrite`, else only if no
 * file appeared there meanwhile. On failure the temporary is removed.
 */
export async function writeViaTemporaryPath<T>(
  target: string,
  options: TargetOptions,
  produce: (temp: string) => Promise<T>,
): Promise<T> {
  const overwrite = options.overwrite ?? false;
  await checkTarget(target, options);
  await removeStaleTemporaries(target);
  const temp = temporaryPath(target);
  try {
    const result = await produce(temp);
    if (overwrite) {
      await rename(temp, target);
    } else {
      try {
        await link(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new BlockfileError('BAD_OPTION', target, 'file exists; pass overwrite: true to replace it');
        }
        throw error;
      }
      await unlink(temp);
    }
    return result;
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Deletes temporaries a killed earlier run left beside `target`, when the
 * process that made them is gone.
 */
export async function removeStaleTemporaries(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `.${basename(target)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
    if (pid === process.pid) continue;
    const path = join(dir, name);
    const kind = await stat(path).catch(() => undefined);
    if (kind?.isFile()) {
      await unlink(path).catch(() => undefined);
      removed.push(path);
    } else if (kind?.isDirectory()) {
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
      removed.push(path);
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * As `writeFileAtomically`, for outputs that are directories (Zarr): the
 * tree is built in a temporary directory beside the target and renamed into
 * place when complete; an existing target is replaced only with `overwrite`.
 */
export async function writeDirectoryAtomically<T>(
  target: string,
  options: TargetOptions,
  produce: (dir: string) => Promise<T>,
): Promise<T> {
  const overwrite = options.overwrite ?? false;
  await checkTarget(target, { ...options, kind: 'zarr' });
  await removeStaleTemporaries(target);
  const temp = temporaryPath(target);
  await mkdir(temp).catch((cause) => {
    throw writeFailure(target, cause);
  });
  try {
    const result = await produce(temp);
    if (await exists(target)) {
      // Checked again: the target may have changed while the store was written.
      await checkTarget(target, { ...options, kind: 'zarr' });
      // Move the old one aside first, so that a failure leaves one of the two complete.
      const old = temporaryPath(target);
      await rename(target, old);
      await rename(temp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, target);
    }
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
