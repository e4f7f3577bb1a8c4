// WebAssembly text to binary, with wabt (the reference toolkit's assembler, compiled to
// WebAssembly): loaded only when a module asks for SIMD kernels, and only by the generator, so
// neither a library user nor a generated module ever loads it.
let loaded: ReturnType<typeof loadWabt> | undefined;

async function loadWabt() {
  const { default: wabt } = await import("wabt");
  return wabt();
}

/** A synchronous assembler with SIMD enabled; the binary is validated before it is returned. */
export async function wasmAssembler(): Promise<(text: string) => Uint8Array> {
  loaded ??= loadWabt();
  const wabt = await loaded;
  return (text) => {
    const module = wabt.parseWat("kernels.wat", text, { simd: true });
    try {
      module.validate();
      // With the function names, so that a profile names each kernel.
      return module.toBinary({ write_debug_names: true }).buffer;
    } finally {
      module.destroy();
    }
  };
}
