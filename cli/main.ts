// The `shapegrad` command line. Commands load what they need lazily, so `--help` stays instant
// and the typed library's users never load the generator.
import { Command } from "commander";
import { packageInfo } from "./package-info.js";

const info = packageInfo();
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

await program.parseAsync(process.argv);
