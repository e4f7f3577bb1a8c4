// The CLI's own name and version, read from the package.json it ships in (found by walking up,
// since the source and its compiled copy in dist/ sit at different depths).
import { existsSync, readFileSync } from "node:fs";

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** The package's root directory, as a file URL ending in "/". */
  readonly root: URL;
}

export function packageInfo(from: string = import.meta.url): PackageInfo {
  for (let dir = new URL("./", from); ; dir = new URL("../", dir)) {
    const file = new URL("package.json", dir);
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (json.name === "shapegrad") return { name: json.name, version: json.version ?? "0.0.0", root: dir };
    }
    if (dir.pathname === "/") throw new Error("shapegrad: cannot find its own package.json");
  }
}
