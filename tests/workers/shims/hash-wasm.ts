// A table-driven CRC32 in JavaScript with hash-wasm's `createCRC32` shape, for Worker bundles while
// src/codec/crc32c.ts has no JavaScript fallback of its own (workerd cannot compile WebAssembly at run time).

interface Hasher {
  init(): Hasher;
  update(data: Uint8Array): Hasher;
  digest(outputType: "binary"): Uint8Array;
}

export function createCRC32(polynomial: number): Promise<Hasher> {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  let crc = 0xffffffff;
  const hasher: Hasher = {
    init() {
      crc = 0xffffffff;
      return hasher;
    },
    update(data) {
      let c = crc;
      for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
      crc = c;
      return hasher;
    },
    digest() {
      const v = (crc ^ 0xffffffff) >>> 0;
      return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    },
  };
  return Promise.resolve(hasher);
}
