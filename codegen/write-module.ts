// The thin interface to ts-morph: module parts in, formatted TypeScript out. ts-morph builds the
// source file (declarations, doc comments, signatures); prettier formats the result once.
import { format } from "prettier";
import { Project, StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import type { Declaration, ModuleParts } from "./module-parts.js";

function structure(d: Declaration): StatementStructures {
  const docs = d.doc ? [{ description: d.doc }] : [];
  switch (d.kind) {
    case "interface":
      return {
        kind: StructureKind.Interface,
        name: d.name,
        isExported: d.exported,
        docs,
        typeParameters: [...(d.typeParameters ?? [])],
        properties: d.properties.map((p) => ({ name: p.name, type: p.type, isReadonly: true, docs: p.doc ? [{ description: p.doc }] : [] })),
      };
    case "const":
      return {
        kind: StructureKind.VariableStatement,
        isExported: d.exported,
        docs,
        declarationKind: VariableDeclarationKind.Const,
        declarations: [{ name: d.name, initializer: d.initializer, ...(d.type && { type: d.type }) }],
      };
    case "function":
      return {
        kind: StructureKind.Function,
        name: d.name,
        isExported: d.exported,
        isAsync: d.async ?? false,
        docs,
        parameters: d.parameters.map((p) => ({ name: p.name, type: p.type, ...(p.initializer !== undefined && { initializer: p.initializer }) })),
        returnType: d.returnType,
        statements: d.body.join("\n"),
      };
  }
}

/** The module's TypeScript source, formatted. Same parts in, same bytes out. */
export async function writeModule(parts: ModuleParts): Promise<string> {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile("module.ts", "", { overwrite: true });
  file.addStatements(parts.header.map((line) => `// ${line}`).join("\n"));
  file.addStatements(parts.declarations.map(structure));
  if (parts.footer) file.addStatements(parts.footer.map((line) => `// ${line}`.trimEnd()).join("\n"));
  return format(file.getFullText(), { parser: "typescript", printWidth: 120 });
}

/** The same module as JavaScript (types erased), for loading at run time on Node 20. */
export function toJavaScript(typescript: string): string {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { target: 9 /* ES2022 */, module: 99 /* ESNext */, removeComments: false } });
  const file = project.createSourceFile("module.ts", typescript);
  const output = file.getEmitOutput().getOutputFiles().find((f) => f.getFilePath().endsWith(".js"));
  if (!output) throw new Error("codegen: TypeScript emitted no JavaScript");
  return output.getText();
}
