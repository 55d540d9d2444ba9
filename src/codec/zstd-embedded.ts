/**
 * Points the zstd codec at the libzstd bytes embedded in the source. The Deno, Bun and Node set-up
 * (`src/transport/runtime.ts`) imports this module; the Workers entry does not, so a Worker bundle, which
 * gets libzstd as a precompiled module, does not carry a third of a megabyte of base64 it never reads.
 */
import { useZstdBytes } from "./zstd.ts";
import { fromBase64 } from "./zstd-wasm.ts";

useZstdBytes(async () => {
  // Imported on first use only: a consumer that never sees a zstd batch never decodes the bytes.
  const { ZSTD_WASM_BASE64 } = await import("./wasm/zstd-bytes.ts");
  return fromBase64(ZSTD_WASM_BASE64);
});
