// Files are written whole or not at all: to a temporary file beside the target, then renamed over
// it (a rename within one directory is atomic), so a reader never sees half a file and two writers
// never interleave. What cannot be written is refused in one line naming the path the caller gave
// (never the temporary file): a folder where the file should be, a file where a folder should be,
// a folder without write permission, a file its owner made read-only (replacing it through a
// rename would go around that).
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A file that cannot be written, with what to do about it. */
export class FileWriteError extends Error {
  override readonly name = "FileWriteError";
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of `path` that exists, when it is a file (so no folder can be made there). */
function fileAbove(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const s = statOf(dir);
    if (s) return s.isDirectory() ? undefined : dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const fail = (why: string): never => {
    throw new FileWriteError(`cannot write ${path}: ${why}`);
  };
  const existing = statOf(path);
  if (existing?.isDirectory()) fail("it is a folder; give a file name");
  if (existing && (existing.mode & 0o200) === 0) fail("the file is read-only (its owner has no write permission); make it writable or choose another path");
  const above = fileAbove(path);
  if (above !== undefined) fail(`${above} is a file, not a folder`);
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    fail(reason(e, dir));
  }
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    fail(reason(e, dir));
  }
}

/** Why a file system call failed, in words, for the folder `dir` it wrote in. */
function reason(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return `no permission to write in ${dir}`;
  if (code === "EROFS") return `${dir} is on a read-only file system`;
  if (code === "ENOSPC") return "the disk is full";
  if (code === "EDQUOT") return "the disk quota is used up";
  if (code === "ENOTDIR" || code === "EEXIST") return `part of ${dir} is a file, not a folder`;
  if (code === "EISDIR") return "it is a folder; give a file name";
  return (e as Error).message ?? String(e);
}
