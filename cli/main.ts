// The `shapegrad` command line. Commands load what they need lazily, so `--help` stays instant
// and the typed library's users never load the generator.
import { Command, InvalidArgumentError, Option } from "commander";
import { collectDim } from "./dims-option.js";
import { packageInfo } from "./package-info.js";

const info = packageInfo();
const generator = `${info.name} ${info.version}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError("must be a positive integer");
  return Number(value);
}

function positiveNumber(value: string): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x <= 0) throw new InvalidArgumentError("must be a positive number");
  return x;
}

const dimOption = () => new Option("--dim <name=size>", "a size to generate for, overriding the model's default (repeatable)").argParser(collectDim);

const program = new Command()
  .name("shapegrad")
  .description("Shape-checked matrix programs: typed ops, matrix-calculus gradients, generated loops.")
  .version(info.version, "-v, --version")
  .showHelpAfterError()
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
  .action(async (models: string[], options: { dim?: Record<string, number>; out?: string; check?: boolean; watch?: boolean }) => {
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
  .action(async (model: string, options: { dim?: Record<string, number>; seed: number; samples: number; eps: number }) => {
    const { gradcheckCommand } = await import("./gradcheck-command.js");
    process.exitCode = await gradcheckCommand(model, options, (line) => process.stdout.write(`${line}\n`));
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Expected failures (bad input, a model the validator refuses) are reported as their message alone.
  const known = ["UsageError", "ModelError", "IRError", "ShapeError", "GenerateError"];
  if (e instanceof Error && known.includes(e.name)) {
    process.stderr.write(`shapegrad: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
