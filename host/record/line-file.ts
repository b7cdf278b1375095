/**
 * An append-only file of text lines that never throws once it is open. A write
 * that fails (disk full, file too large, an I/O error) cuts the file back to
 * its last whole line and stops writing: what was written before stays valid,
 * line by line, and the failure is kept for the caller to report once.
 */
import * as nodeFs from "node:fs";
import { describeFileError } from "../../shared/files.ts";

/** What a line file needs of node:fs (tests hand in a disk that fills up). */
export interface LineFileFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fdatasyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
}

/** A file that could not be created or written: the message names it. */
export class FileWriteError extends Error {
  override name = "FileWriteError";
  constructor(
    readonly path: string,
    /** Why, in words: "the disk is full (ENOSPC)". */
    readonly reason: string,
    what: string,
  ) {
    super(`cannot write the ${what} ${path}: ${reason}`);
  }
}

export class LineFile {
  private readonly fd: number;
  /** Bytes of whole lines on disk. */
  private committedBytes = 0;
  private closed = false;
  /** Why writing stopped, once it has; null while it works. */
  failure: FileWriteError | null = null;

  /** Creates (or empties) the file; a FileWriteError if it cannot be opened. */
  constructor(
    readonly path: string,
    /** What the file is, for messages: "recording", "trace". */
    readonly what: string,
    private readonly fs: LineFileFs = nodeFs,
  ) {
    try {
      this.fd = fs.openSync(path, "w");
    } catch (error) {
      throw new FileWriteError(path, describeFileError(error), what);
    }
  }

  /** Appends whole lines (text ending in a newline); false once writing has failed. */
  append(text: string): boolean {
    if (this.failure || this.closed) return false;
    const bytes = new TextEncoder().encode(text);
    try {
      // A write may take only part of the bytes (a disk filling up): the rest goes in the next.
      for (let offset = 0; offset < bytes.length; ) {
        const written = this.fs.writeSync(this.fd, bytes, offset, bytes.length - offset);
        if (written <= 0) throw new Error("the system took no bytes");
        offset += written;
      }
      this.committedBytes += bytes.length;
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  /** Asks the OS to put the data on the disk; false once writing has failed. */
  sync(): boolean {
    if (this.failure || this.closed) return false;
    try {
      this.fs.fdatasyncSync(this.fd);
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    if (!this.failure) this.sync();
    this.closed = true;
    try {
      this.fs.closeSync(this.fd);
    } catch {
      // the data went to disk or the failure is already kept; nothing more can be done here
    }
  }

  private fail(error: unknown): void {
    this.failure = new FileWriteError(this.path, describeFileError(error), this.what);
    try {
      // Cutting back frees space, so it works on a full disk: no half line is left at the end.
      this.fs.ftruncateSync(this.fd, this.committedBytes);
    } catch {
      // a file that cannot even be cut back keeps a partial last line, which readers skip
    }
  }
}
