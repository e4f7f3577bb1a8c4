// Property runs that report a failure the moment it is found: its seed and path (to replay it with
// SHAPEGRAD_PROPERTY_SEED and SHAPEGRAD_PROPERTY_PATH) go to stderr at once, then the
// counterexample is shrunk for a bounded time (SHAPEGRAD_PROPERTY_SHRINK_SECONDS, default 60) and
// the smallest one found fails the test. Shrinking a counterexample of generated code can
// otherwise take longer than the run, with nothing printed meanwhile.
import fc from "fast-check";

const defaultShrinkSeconds = Number(process.env["SHAPEGRAD_PROPERTY_SHRINK_SECONDS"] ?? 60);

export async function assertProperty<Ts>(property: fc.IRawProperty<Ts>, params: fc.Parameters<Ts>, shrinkSeconds = defaultShrinkSeconds, report: (text: string) => void = (text) => void process.stderr.write(text)): Promise<void> {
  const first = await fc.check(property, { ...params, endOnFailure: true });
  if (!first.failed) return;
  const replay = `SHAPEGRAD_PROPERTY_SEED=${first.seed} SHAPEGRAD_PROPERTY_PATH=${first.counterexamplePath ?? ""}`;
  const error = first.errorInstance instanceof Error ? first.errorInstance.message : String(first.errorInstance);
  report(`property failed after ${first.numRuns} run${first.numRuns === 1 ? "" : "s"}; replay with ${replay}\n${error}\nshrinking for at most ${shrinkSeconds} s…\n`);
  const shrunk = await fc.check(property, { ...params, seed: first.seed, ...(first.counterexamplePath !== null && { path: first.counterexamplePath }), endOnFailure: false, interruptAfterTimeLimit: shrinkSeconds * 1000 });
  throw new Error(`property failed (replay with ${replay}); the smallest counterexample found in ${shrinkSeconds} s:\n${fc.defaultReportMessage(shrunk.failed ? shrunk : first)}`);
}
