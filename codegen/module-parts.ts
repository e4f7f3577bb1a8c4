// What a generated module is made of, as plain data: the emitter produces these, and the writer
// (the only place that knows ts-morph) turns them into a source file.

export interface Property {
  readonly name: string;
  readonly type: string;
  readonly doc?: string;
}

export type Declaration =
  | { readonly kind: "interface"; readonly name: string; readonly doc: string; readonly properties: readonly Property[]; readonly exported: boolean; readonly typeParameters?: readonly string[] }
  | { readonly kind: "const"; readonly name: string; readonly doc?: string; readonly initializer: string; readonly exported: boolean; readonly type?: string }
  | {
      readonly kind: "function";
      readonly name: string;
      readonly doc?: string;
      /** A parameter with an initializer is optional (its default). */
      readonly parameters: readonly { readonly name: string; readonly type: string; readonly initializer?: string }[];
      readonly returnType: string;
      readonly body: readonly string[];
      readonly exported: boolean;
      readonly async?: boolean;
    };

export interface ModuleParts {
  /** Comment lines at the top of the file (without the `//`). */
  readonly header: readonly string[];
  /** Comment lines at the end of the file (without the `//`). */
  readonly footer?: readonly string[];
  readonly declarations: readonly Declaration[];
}
