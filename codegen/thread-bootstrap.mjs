// The entry of a split module's worker when shapegrad runs from its TypeScript sources: Node 20
// applies no loader given in a Worker's execArgv (nodejs/node#47747), so the worker registers tsx
// itself and then imports codegen/thread-worker.ts. From the compiled package (dist/) the worker
// starts at thread-worker.js directly and this file is not used.
import { register } from "tsx/esm/api";
import { workerData } from "node:worker_threads";

register();
await import(workerData.script);
