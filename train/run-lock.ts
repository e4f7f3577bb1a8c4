// One training run per run folder at a time: a run takes <out>/.lock (its pid, created exclusively)
// before it writes anything there, and removes it when it ends. A second run into the same folder is
// refused, naming the folder and the holder's pid; a lock whose process is gone (a run killed with
// kill -9) is stale and taken over.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { TrainingInputError } from "./corpus.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock on `dir` (creating it); returns the function that releases it. */
export function lockRunFolder(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, ".lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new TrainingInputError(`cannot lock ${dir}: ${(e as Error).message}`);
      const holder = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new TrainingInputError(`${dir} is in use by another training run (pid ${holder}); wait for it to end or choose another --out`);
      }
      // Stale: its run is gone. Take it over.
      rmSync(path, { force: true });
    }
  }
  throw new TrainingInputError(`cannot lock ${dir}: another run took it at the same moment`);
}
