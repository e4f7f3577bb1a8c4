// `--dim name=size`, repeatable: parsed strictly, since a size that is not a positive integer
// must be refused before anything is generated.
import { InvalidArgumentError } from "commander";

export function collectDim(value: string, previous: Readonly<Record<string, number>> = {}): Record<string, number> {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(value);
  if (!match) throw new InvalidArgumentError(`"${value}" is not name=size (for example h=64)`);
  const [, name = "", size = ""] = match;
  if (!/^[1-9][0-9]*$/.test(size) || !Number.isSafeInteger(Number(size))) throw new InvalidArgumentError(`${name}=${size}: a size must be a positive integer`);
  if (Object.hasOwn(previous, name)) throw new InvalidArgumentError(`${name} is given twice`);
  return { ...previous, [name]: Number(size) };
}
