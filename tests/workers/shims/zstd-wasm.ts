// Stands in for @bokuweb/zstd-wasm in Worker bundles while src/codec/zstd.ts loads libzstd from a file or
// URL, which workerd cannot: set-up succeeds so that the other codecs work; zstd itself refuses by name.

const refuse = (): never => {
  throw new Error("zstd is not available in this Worker bundle");
};

export const init = (): Promise<void> => Promise.resolve();
export const compress = refuse;
export const decompress = refuse;
export const compressUsingDict = refuse;
export const decompressUsingDict = refuse;
export const createCCtx = refuse;
export const createDCtx = refuse;
