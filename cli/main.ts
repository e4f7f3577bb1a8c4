// The `shapegrad` command line. Commands load what they need lazily, so `--help` stays instant
// and the typed library's users never load the generator.
import { Command, InvalidArgumentError, Option } from "commander";
import { collectDim } from "./dims-option.js";
import { packageInfo } from "./package-info.js";

const info = packageInfo();
const generator = `${info.name} ${info.version}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError("must be a positive integer");
  return Number(value);
}

function nonNegativeInteger(value: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError("must be a non-negative integer");
  return Number(value);
}

/** A usage mistake that commander cannot see: reported like the others, as one line. */
class UsageLine extends Error {
  override readonly name = "UsageError";
}

function positiveNumber(value: string): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x <= 0) throw new InvalidArgumentError("must be a positive number");
  return x;
}

/** A wall-clock duration: `60s`, `2m`, `1.5m`; in seconds. */
function duration(value: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(s|m)$/.exec(value);
  const seconds = match ? Number(match[1]) * (match[2] === "m" ? 60 : 1) : NaN;
  if (!(seconds > 0)) throw new InvalidArgumentError("must be a duration such as 60s or 2m");
  return seconds;
}

/** A fraction from 0 (included) to 1 (excluded). */
function fraction(value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !(x >= 0 && x < 1)) throw new InvalidArgumentError("must be a fraction from 0 up to (not including) 1, such as 0.1");
  return x;
}

/** The IR of the model in `file` at its default sizes, or at the --dim ones. */
async function traceFile(file: string, dims: Readonly<Record<string, number>> = {}) {
  const { loadModel } = await import("../codegen/load-model.js");
  const { traceModel } = await import("../src/trace-model.js");
  return traceModel(await loadModel(file), dims);
}

const kernelsOption = (fallback: "js" | "simd") =>
  new Option("--kernels <kind>", "the step in WebAssembly SIMD kernels (simd), or every loop in JavaScript (js)").choices(["js", "simd"]).default(fallback);
const dimOption = () => new Option("--dim <name=size>", "a size to generate for, overriding the model's default (repeatable)").argParser(collectDim);

const program = new Command()
  .name("shapegrad")
  .description("Shape-checked matrix programs: typed ops, matrix-calculus gradients, generated loops.")
  .version(info.version, "-v, --version")
  .option("--debug", "print the stack trace of an error (also: SHAPEGRAD_DEBUG=1)")
  .showHelpAfterError("see shapegrad --help")
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command("demo")
  .description("run one step of the flagship RNN eagerly with the typed library and print its shapes")
  .action(async () => {
    const { demo } = await import("./demo.js");
    demo();
  });

program
  .command("generate")
  .description("generate size-specialized forward and backward code: every model in dsl/ into generated/, or one model to --out")
  .argument("[models...]", "model files (default: every dsl/*.ts)")
  .addOption(dimOption())
  .option("--out <file>", "where to write (one model; .ts, or .js for JavaScript)")
  .option("--check", "write nothing; exit 1 naming each file in generated/ that is stale")
  .option("--watch", "regenerate when a model or the library changes")
  .addOption(kernelsOption("js"))
  .option("--separate-products", "run each product on its own, not products that share an operand or are only added together as one (to measure the difference)")
  .action(async (models: string[], options: { dim?: Record<string, number>; out?: string; check?: boolean; watch?: boolean; kernels: "js" | "simd"; separateProducts?: boolean }) => {
    const { generateCommand } = await import("./generate-command.js");
    process.exitCode = await generateCommand(models, options, generator, log);
  });

program
  .command("gradcheck")
  .description("check every gradient of the generated code against central finite differences and the interpreter")
  .argument("<model>", "model file")
  .addOption(dimOption())
  .option("--seed <n>", "seed of the random arguments", positiveInteger, 1)
  .option("--samples <n>", "entries checked per gradient, at most", positiveInteger, 200)
  .option("--eps <x>", "finite-difference step", positiveNumber, 1e-5)
  .addOption(kernelsOption("js"))
  .action(async (model: string, options: { dim?: Record<string, number>; seed: number; samples: number; eps: number; kernels: "js" | "simd" }) => {
    const { gradcheckCommand } = await import("./gradcheck-command.js");
    process.exitCode = await gradcheckCommand(model, options, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command("explain")
  .description("derive every gradient of a model by matrix calculus, step by step, with shapes")
  .argument("<model>", "model file")
  .option("--param <name>", "only this parameter (or initial state, e.g. h0)")
  .addOption(new Option("--format <format>", "output notation").choices(["text", "markdown", "latex"]).default("text"))
  .addOption(dimOption())
  .action(async (model: string, options: { param?: string; format: "text" | "markdown" | "latex"; dim?: Record<string, number> }) => {
    const { explain } = await import("../src/explain/build.js");
    const { renderExplanation } = await import("../src/explain/render.js");
    const ir = await traceFile(model, options.dim);
    try {
      process.stdout.write(renderExplanation(explain(ir), options.format, options.param));
    } catch (e) {
      throw e instanceof RangeError ? new UsageLine(e.message) : e;
    }
  });

program
  .command("graph")
  .description("draw one step of a model as an SVG: ops as nodes, shapes on edges, backward edges dashed")
  .argument("<model>", "model file")
  .requiredOption("--out <file>", "the SVG file to write")
  .option("--forward-only", "leave the backward pass out", false)
  .addOption(dimOption())
  .action(async (model: string, options: { out: string; forwardOnly: boolean; dim?: Record<string, number> }) => {
    const { renderGraph } = await import("../codegen/graph.js");
    const { writeFileAtomic } = await import("../codegen/write-atomic.js");
    const svg = await renderGraph(await traceFile(model, options.dim), { backward: !options.forwardOnly });
    writeFileAtomic(options.out, svg);
    process.stderr.write(`${options.out}\n`);
  });

program
  .command("train")
  .description("train a character model (default: the tanh RNN of dsl/char-rnn.ts) on a text with its generated code")
  .requiredOption("--text <file>", "the text to train on (UTF-8)")
  .option("--model <file>", "the model to train: a file declaring a character model with trainable dims (default: shapegrad's dsl/char-rnn.ts)")
  .option("--hidden <n>", "the width the model's trainable.hidden dim takes (default: the model's, 100 for char-rnn)", positiveInteger)
  .option("--seq <n>", "characters per step: the model's steps T, or its window (default: the model's, 25 for char-rnn)", positiveInteger)
  .option("--batch <n>", "parallel streams of the text n (default: the model's, 1)", positiveInteger)
  .addOption(new Option("--dim <name=size>", "any of the model's dims (repeatable); must agree with --hidden, --seq, --batch").argParser(collectDim))
  .option("--steps <n>", "total training steps (default 2000; unbounded with --time alone)", positiveInteger)
  .option("--time <duration>", "train for this wall-clock time, evaluation included (60s, 2m); with --steps, the first limit reached ends the run", duration)
  .option("--val <fraction>", "the fraction of the text held out for validation, from its end (0: none)", fraction, 0.1)
  .option("--val-every <n>", "measure the validation loss every n steps, and at the end", positiveInteger, 1000)
  .addOption(new Option("--optimizer <name>", "optimizer").choices(["adagrad", "adam", "sgd"]).default("adagrad"))
  .option("--lr <x>", "learning rate (default: adagrad the model's trainable.lr, else 0.1; adam 0.002; sgd 0.1)", positiveNumber)
  .option("--clip <x>", "clip every gradient entry to [-x, x]", positiveNumber, 5)
  .option("--epsilon <x>", "Adagrad's ε, added to the sum of squared gradients (default 1e-12)", positiveNumber)
  .option("--seed <n>", "seed of initialization and sampling", nonNegativeInteger, 1)
  .option("--out <dir>", "where the checkpoint, the loss log and the loss plot go", "runs/train")
  .option("--resume", "continue the run found in --out (to --steps in total, or for another --time)", false)
  .option("--fresh", "replace a run already in --out", false)
  .option("--sample-every <n>", "print a sample every n steps", positiveInteger, 500)
  .option("--sample-length <n>", "characters per sample", positiveInteger, 200)
  .option("--temperature <x>", "sampling temperature", positiveNumber, 1)
  .option("--checkpoint-every <n>", "write a checkpoint every n steps", positiveInteger, 1000)
  .option("--json", "print a one-line JSON summary on stdout when done", false)
  .addOption(kernelsOption("simd"))
  .option("--threads <n>", "threads for the batch's streams (default: the machine's cores); any number gives the same results", positiveInteger)
  .addHelpText(
    "after",
    "\nProgress labels: loss = the last step's loss; smoothed = step losses smoothed exponentially (factor 0.999);\n" +
      "val = the mean loss on the held-out text; all in nats per character. chars/s counts training steps only.\n" +
      "--json: firstLoss (step 1), lastLoss (last step), finalLoss (mean of the last 100 steps), smoothLoss, valLoss.",
  )
  .action(async (options, command: Command) => {
    if (options.resume && options.fresh) throw new UsageLine("--resume and --fresh contradict each other");
    const explicit = Object.keys(options).filter((k) => command.getOptionValueSource(k) === "cli");
    const { dim, ...rest } = options as { dim?: Record<string, number> } & Record<string, unknown>;
    const { trainCommand } = await import("./train-command.js");
    process.exitCode = await trainCommand({ ...(rest as unknown as Parameters<typeof trainCommand>[0]), ...(dim !== undefined && { dims: dim }), explicit });
  });

program
  .command("sample")
  .description("sample text from a saved character model")
  .requiredOption("--checkpoint <dir>", "a training --out directory")
  .option("--length <n>", "characters to sample", positiveInteger, 500)
  .option("--temperature <x>", "sampling temperature", positiveNumber, 1)
  .option("--seed <n>", "seed of the sampling", nonNegativeInteger, 1)
  .option("--prime <text>", "text to start from")
  .action(async (options: { checkpoint: string; length: number; temperature: number; seed: number; prime?: string }) => {
    const { sampleFromCheckpoint } = await import("../train/from-checkpoint.js");
    process.stdout.write(`${await sampleFromCheckpoint(options.checkpoint, options)}\n`);
  });

program
  .command("export")
  .description("write a model's forward computation as an ONNX model, its parameters from a checkpoint or seeded")
  .argument("<model>", "model file")
  .requiredOption("--onnx <file>", "the ONNX file to write")
  .option("--checkpoint <dir>", "a training --out directory: its parameters, sizes and vocabulary")
  .addOption(new Option("--dim <name=size>", "a size to export at (repeatable); with --checkpoint it must agree with the checkpoint's").argParser(collectDim))
  .option("--seed <n>", "seed of the parameters when no checkpoint is given", nonNegativeInteger, 1)
  .addOption(new Option("--dtype <type>", "the float type of the exported graph").choices(["f64", "f32"]).default("f64"))
  .action(async (model: string, options: { onnx: string; checkpoint?: string; dim?: Record<string, number>; seed: number; dtype: "f64" | "f32" }) => {
    const { exportCommand } = await import("./export-command.js");
    log(await exportCommand(model, options, info.version));
  });

// A mistake in an option prints the error and where to read about the command, not its whole usage.
for (const command of program.commands) command.showHelpAfterError(`see shapegrad ${command.name()} --help`);

const debug = process.argv.includes("--debug") || process.env["SHAPEGRAD_DEBUG"] === "1";
try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Every failure reaches the user as one line; the stack trace only with --debug. Expected ones
  // (bad input, a model the validator refuses, a file that cannot be written) are their message
  // alone; anything else says that it is unexpected.
  const known = ["UsageError", "ModelError", "IRError", "ShapeError", "GenerateError", "TrainingInputError", "CheckpointError", "TrainingStopped", "OpDefinitionError", "FileWriteError"];
  if (debug) throw e;
  const message = (e instanceof Error ? e.message : String(e)).split("\n")[0]!.trim();
  const expected = e instanceof Error && known.includes(e.name);
  process.stderr.write(`shapegrad: ${expected ? message : `${e instanceof Error ? `${e.name}: ` : ""}${message} (unexpected; run with --debug for the stack trace)`}\n`);
  process.exitCode = 1;
}
