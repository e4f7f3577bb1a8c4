// A WebAssembly module compiled and instantiated synchronously, through globalThis: the project's
// tsconfig has neither the DOM's nor Node's declarations of WebAssembly.
interface Host {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports?: object) => { exports: unknown } };
}

export function instantiate<E>(bytes: Uint8Array): E {
  const host = globalThis as unknown as Host;
  return new host.WebAssembly.Instance(new host.WebAssembly.Module(bytes)).exports as E;
}
