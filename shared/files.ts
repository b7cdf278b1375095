/**
 * The files a user hands the program (scenario, hardware profile, profile,
 * recording, trace): regular files only, each kind with a size limit, refused
 * with one sentence that names the file. Reading stops at the limit, so an
 * endless file (/dev/zero, a FIFO, a file that keeps growing) costs at most
 * that much memory. File access comes in as a parameter (node:fs in practice):
 * shared/ stays free of I/O modules.
 */

export type InputKind = "scenario" | "hardware profile" | "profile" | "recording or trace";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Largest file of each kind. Real ones: a scenario with every key and 64 faults
 * is under 10 kB, a hardware profile under 2 kB, a profile grows by a few
 * hundred bytes a session; recordings grow about 3.4 kB and traces 5.3 kB per
 * second of session, so 256 MiB holds about 20 h of recording or 13 h of trace.
 */
export const MAX_INPUT_BYTES: Record<InputKind, number> = {
  scenario: 1 * MiB,
  "hardware profile": 64 * KiB,
  profile: 1 * MiB,
  "recording or trace": 256 * MiB,
};

const NOUN: Record<InputKind, string> = {
  scenario: "scenario file",
  "hardware profile": "hardware profile file",
  profile: "profile",
  "recording or trace": "recording or trace",
};

/** "there is no ..." */
const MISSING_NOUN: Record<InputKind, string> = { ...NOUN, "recording or trace": "file" };

/** What reading needs of node:fs. */
export interface InputFs {
  openSync(path: string, flags: number): number;
  fstatSync(fd: number): InputStats;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: null): number;
  closeSync(fd: number): void;
  constants: { O_RDONLY: number; O_NONBLOCK: number };
}

interface InputStats {
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

export class InputFileError extends Error {
  override name = "InputFileError";
  constructor(
    message: string,
    readonly path: string,
    /** The system's error code (ENOENT, EACCES, ...), when the system refused. */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const CHUNK_BYTES = 64 * KiB;

/** The file's text, or an InputFileError that names the file and says why. */
export function readInputFile(fs: InputFs, path: string, kind: InputKind): string {
  const noun = NOUN[kind];
  const max = MAX_INPUT_BYTES[kind];
  let fd: number;
  try {
    // Non-blocking: opening a FIFO with no writer would otherwise wait forever.
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT") throw new InputFileError(`there is no ${MISSING_NOUN[kind]} ${path}`, path, code);
    throw new InputFileError(`cannot read the ${noun} ${path}: ${describeFileError(error)}`, path, code);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw new InputFileError(`${path} is ${specialKind(stats)}, not a regular file; a ${noun} must be a regular file`, path);
    if (stats.size > max) throw tooBig(path, noun, stats.size, max);
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Read to the end, never past the limit: /proc files report size 0 and files can grow while read.
    for (;;) {
      const chunk = new Uint8Array(Math.min(CHUNK_BYTES, max + 1 - total));
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
      total += read;
      if (total > max) throw tooBig(path, noun, null, max);
    }
    return decode(chunks, total);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(`cannot read the ${noun} ${path}: ${describeFileError(error)}`, path, codeOf(error));
  } finally {
    fs.closeSync(fd);
  }
}

function decode(chunks: Uint8Array[], total: number): string {
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder("utf-8").decode(all);
}

/** bytes null: the end was never reached (a device, a growing file). */
function tooBig(path: string, noun: string, bytes: number | null, max: number): InputFileError {
  const size = bytes === null ? `more than ${formatBytes(max)}` : formatBytes(bytes);
  return new InputFileError(`${path} is ${size}; a ${noun} is at most ${formatBytes(max)}`, path);
}

function specialKind(stats: InputStats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  return "a special file";
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${Number((bytes / MiB).toFixed(1))} MiB`;
  if (bytes >= KiB) return `${Number((bytes / KiB).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
}

const FILE_ERRORS: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EFBIG: "the file has reached the largest size this system allows",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOENT: "its folder does not exist",
  ENOTDIR: "a part of its path is not a folder",
  EISDIR: "it is a folder",
  EIO: "the disk reported an input/output error",
  EMFILE: "too many files are open",
  ENFILE: "too many files are open",
};

/** A system error about a file in words, its code kept for searching: "the disk is full (ENOSPC)". */
export function describeFileError(error: unknown): string {
  const code = codeOf(error);
  if (code && FILE_ERRORS[code]) return `${FILE_ERRORS[code]} (${code})`;
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  return code ? `${message.replace(new RegExp(`^${code}: `), "").replace(/, \w+( '.*')?$/, "")} (${code})` : message;
}
