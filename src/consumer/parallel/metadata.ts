/**
 * The commit metadata of a parallel consumer: which offsets above the committed one are already done, so
 * that the next owner of the partition skips them. Text is `p1:` then `r` (runs) or `b` (bitmap) and
 * base64url of the payload, whichever is shorter. The payload starts with the span length as a varint
 * (offsets `[committed, committed + span)`); runs then alternate "not done" / "done" lengths (the first run is
 * never empty: the committed offset itself is not done), a bitmap has one bit per offset (1: done).
 */

const PREFIX = "p1:";

/** Offsets above the commit point: `done(i)` tells whether `base + i` is done, for `i` below `span`. */
export interface DoneSpan {
  readonly span: number;
  done(i: number): boolean;
}

function pushVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function readVarint(b: Uint8Array, at: { i: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    if (at.i >= b.length) throw new RangeError("commit metadata: truncated varint");
    const x = b[at.i++];
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 128;
    if (mul > 2 ** 49) throw new RangeError("commit metadata: varint too long");
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

function toBase64Url(b: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    if (i + 1 < b.length) s += B64[(n >> 6) & 63];
    if (i + 2 < b.length) s += B64[n & 63];
  }
  return s;
}

function fromBase64Url(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new RangeError(`commit metadata: bad character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

function runsPayload(d: DoneSpan, span: number): number[] {
  const out: number[] = [];
  pushVarint(out, span);
  let state = false; // runs start with "not done"
  let run = 0;
  for (let i = 0; i < span; i++) {
    if (d.done(i) === state) {
      run++;
      continue;
    }
    pushVarint(out, run);
    state = !state;
    run = 1;
  }
  pushVarint(out, run);
  return out;
}

function bitmapPayload(d: DoneSpan, span: number): number[] {
  const out: number[] = [];
  pushVarint(out, span);
  for (let i = 0; i < span; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8 && i + j < span; j++) if (d.done(i + j)) byte |= 1 << j;
    out.push(byte);
  }
  return out;
}

/** The shorter text of the two encodings for the first `span` offsets. */
function encodeSpan(d: DoneSpan, span: number): string {
  const runs = runsPayload(d, span);
  const bitmap = bitmapPayload(d, span);
  return runs.length <= bitmap.length ? `${PREFIX}r${toBase64Url(runs)}` : `${PREFIX}b${toBase64Url(bitmap)}`;
}

/**
 * Encodes the done offsets above the commit point in at most `maxChars` characters. When the whole span
 * does not fit, a shorter prefix of it is kept (what falls off is only handled again by the next owner,
 * never lost); `""` when nothing above the commit point is done.
 */
export function encodeDone(d: DoneSpan, maxChars: number): string {
  let span = d.span;
  // Trailing offsets that are not done tell the next owner nothing.
  while (span > 0 && !d.done(span - 1)) span--;
  if (span === 0) return "";
  let text = encodeSpan(d, span);
  while (text.length > maxChars && span > 0) {
    // Shrink in proportion, then step down until it fits.
    span = Math.min(span - 1, Math.floor((span * maxChars) / text.length));
    while (span > 0 && !d.done(span - 1)) span--;
    text = span === 0 ? "" : encodeSpan(d, span);
  }
  return text;
}

/**
 * The done offsets (relative to the committed offset) that `text` records, or null when `text` is not
 * ours (empty, another application's metadata) or damaged: then nothing is skipped.
 */
export function decodeDone(text: string | null | undefined): { span: number; done: Uint8Array } | null {
  if (!text || !text.startsWith(PREFIX) || text.length < PREFIX.length + 2) return null;
  try {
    const kind = text[PREFIX.length];
    const b = fromBase64Url(text.slice(PREFIX.length + 1));
    const at = { i: 0 };
    const span = readVarint(b, at);
    if (span > 1 << 24) return null;
    const done = new Uint8Array(span);
    if (kind === "b") {
      if (b.length - at.i < Math.ceil(span / 8)) return null;
      for (let i = 0; i < span; i++) done[i] = (b[at.i + (i >> 3)] >> (i & 7)) & 1;
      return { span, done };
    }
    if (kind !== "r") return null;
    let i = 0;
    let state = 0;
    while (i < span) {
      const run = readVarint(b, at);
      if (run > span - i) return null;
      if (state === 1) done.fill(1, i, i + run);
      i += run;
      state ^= 1;
    }
    return { span, done };
  } catch {
    return null;
  }
}
