/** RecordBatch v2 encode/decode and CRC32C throughput. Run with `deno bench -A bench/record-batch.bench.ts`. */
import { crc32c, initCrc32c } from "../src/codec/crc32c.ts";
import { CompressionType } from "../src/codec/compression.ts";
import { decodeRecordBatches, encodeRecordBatch, type RecordInput } from "../src/protocol/record-batch.ts";

await initCrc32c();

const RECORDS = 1000;
const VALUE_SIZE = 1024;

// Values: semi-compressible text-like bytes, so gzip has realistic work to do.
const records: RecordInput[] = [];
for (let i = 0; i < RECORDS; i++) {
  const value = new Uint8Array(VALUE_SIZE);
  for (let j = 0; j < VALUE_SIZE; j++) value[j] = 97 + ((i * 7 + j * 13 + ((j * j) >> 5)) % 26);
  records.push({
    key: new TextEncoder().encode(`key-${i}`),
    value,
    headers: [{ key: "trace-id", value: new TextEncoder().encode(String(i)) }],
    timestamp: 1_700_000_000_000 + i,
  });
}

const plain = encodeRecordBatch({ records });
const gzipped = encodeRecordBatch({ records, compression: CompressionType.gzip });
const oneMiB = new Uint8Array(1 << 20);
for (let i = 0; i < oneMiB.length; i++) oneMiB[i] = (i * 31 + 7) & 0xff;

Deno.bench({
  name: "encode 1000 x 1 KiB, uncompressed",
  group: "encode",
  baseline: true,
  fn: () => {
    encodeRecordBatch({ records });
  },
});

Deno.bench({
  name: "encode 1000 x 1 KiB, gzip",
  group: "encode",
  fn: () => {
    encodeRecordBatch({ records, compression: CompressionType.gzip });
  },
});

Deno.bench({
  name: "decode 1000 x 1 KiB, uncompressed",
  group: "decode",
  baseline: true,
  fn: () => {
    decodeRecordBatches(plain);
  },
});

Deno.bench({
  name: "decode 1000 x 1 KiB, gzip",
  group: "decode",
  fn: () => {
    decodeRecordBatches(gzipped);
  },
});

Deno.bench({
  name: "crc32c 1 MiB",
  group: "crc",
  fn: () => {
    crc32c(oneMiB);
  },
});
