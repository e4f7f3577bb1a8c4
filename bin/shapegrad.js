#!/usr/bin/env node
// The installed command. It runs the compiled CLI, which `npm ci` builds (the `prepare` script)
// and which the published tarball ships.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("shapegrad: dist/ is missing; run `npm ci` (or `npm run build`) in the shapegrad checkout first\n");
  process.exit(1);
}
await import(main.href);
