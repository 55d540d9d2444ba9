// Modules the npm build compiles against that exist only on the runtime they are for: the Workers socket
// API, and zstd's precompiled WebAssembly, which Workers bundlers load as a `WebAssembly.Module`.
declare module "cloudflare:sockets" {
  export const connect: unknown;
}
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
