import { readFileSync } from 'node:fs';

export interface FoldIndices {
  train: number[];
  test: number[];
}

/** mulberry32: a small seeded generator, so the same seed gives the same folds everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n: number, random: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** K folds over `n` shuffled rows: every row is in exactly one test part (sizes differ by at most 1). */
export function kFold(n: number, k: number, seed: number): FoldIndices[] {
  if (!Number.isInteger(k) || k < 2 || k > n) throw new Error(`--kfold needs 2 ≤ k ≤ ${n} (rows)`);
  const order = shuffled(n, rng(seed));
  const folds: FoldIndices[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test = order.slice(start, start + size).sort((a, b) => a - b);
    const testSet = new Set(test);
    folds.push({ train: order.filter((i) => !testSet.has(i)).sort((a, b) => a - b), test });
    start += size;
  }
  return folds;
}

/** `splits` independent random splits, each holding out round(n × testSize) rows. */
export function shuffleSplit(n: number, splits: number, testSize: number, seed: number): FoldIndices[] {
  if (!(testSize > 0 && testSize < 1)) throw new Error('--test-size must be between 0 and 1');
  const nTest = Math.max(1, Math.round(n * testSize));
  if (nTest >= n) throw new Error('--test-size leaves no training row');
  const random = rng(seed);
  return Array.from({ length: splits }, () => {
    const order = shuffled(n, random);
    return { test: order.slice(0, nTest).sort((a, b) => a - b), train: order.slice(nTest).sort((a, b) => a - b) };
  });
}

/**
 * Reads fold indices from a file: a NumPy .npy of integers, a JSON array, or integers
 * separated by white space or commas.
 */
export function readIndexFile(file: string): number[] {
  const bytes = readFileSync(file);
  if (bytes.subarray(0, 6).toString('latin1') === '\x93NUMPY') return readNpyInts(bytes, file);
  const text = bytes.toString('utf8').trim();
  const values = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split(/[\s,]+/).filter(Boolean);
  return values.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${file}: ${JSON.stringify(v)} is not a row index`);
    return n;
  });
}

function readNpyInts(bytes: Buffer, file: string): number[] {
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = bytes.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const readers: Record<string, [number, (b: Buffer, o: number) => number]> = {
    '<i8': [8, (b, o) => Number(b.readBigInt64LE(o))],
    '<i4': [4, (b, o) => b.readInt32LE(o)],
    '<u8': [8, (b, o) => Number(b.readBigUInt64LE(o))],
    '<u4': [4, (b, o) => b.readUInt32LE(o)],
  };
  const reader = descr ? readers[descr] : undefined;
  if (!reader) throw new Error(`${file}: .npy of dtype ${descr} is not supported (use int64)`);
  const [size, read] = reader;
  const out: number[] = [];
  for (let o = start; o + size <= bytes.length; o += size) out.push(read(bytes, o));
  return out;
}
