import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kFold, readIndexFile, shuffleSplit } from './folds.js';
import { toNpy } from './npy.js';

describe('fold generation', () => {
  it('k-fold: each row tested exactly once, train is the rest, same seed same folds', () => {
    const folds = kFold(23, 5, 7);
    expect(folds.map((f) => f.test.length)).toEqual([5, 5, 5, 4, 4]);
    expect(folds.flatMap((f) => f.test).sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    for (const f of folds) expect([...f.train, ...f.test].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(kFold(23, 5, 7)).toEqual(folds);
    expect(kFold(23, 5, 8)).not.toEqual(folds);
    expect(() => kFold(3, 5, 0)).toThrow();
  });
  it('shuffle-split: disjoint train and test of the asked size', () => {
    const splits = shuffleSplit(100, 3, 0.25, 1);
    expect(splits).toHaveLength(3);
    for (const s of splits) {
      expect(s.test).toHaveLength(25);
      expect(s.train).toHaveLength(75);
      expect(s.train.some((i) => s.test.includes(i))).toBe(false);
    }
    expect(splits[0].test).not.toEqual(splits[1].test);
  });
});

describe('index files and .npy', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datarun-idx-'));
  it('reads text, JSON and int64 .npy index files', () => {
    writeFileSync(path.join(dir, 'a.txt'), '0 1\n2,3\n');
    writeFileSync(path.join(dir, 'a.json'), '[4, 5]');
    // np.save('a.npy', np.array([6, 7], dtype='<i8'))
    const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const npy = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([padded.length & 255, padded.length >> 8]), Buffer.from(padded, 'latin1'), Buffer.from(new BigInt64Array([6n, 7n]).buffer)]);
    writeFileSync(path.join(dir, 'a.npy'), npy);
    expect(readIndexFile(path.join(dir, 'a.txt'))).toEqual([0, 1, 2, 3]);
    expect(readIndexFile(path.join(dir, 'a.json'))).toEqual([4, 5]);
    expect(readIndexFile(path.join(dir, 'a.npy'))).toEqual([6, 7]);
    writeFileSync(path.join(dir, 'bad.txt'), '1 -2');
    expect(() => readIndexFile(path.join(dir, 'bad.txt'))).toThrow(/not a row index/);
  });
  it('writes a .npy whose header is 64-byte aligned and data follows it', () => {
    const buf = toNpy(new Float64Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const headerLen = buf.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(buf.subarray(10, 10 + headerLen).toString('latin1')).toContain("'shape': (3, 2)");
    expect(Array.from(new Float64Array(buf.buffer.slice(buf.byteOffset + 10 + headerLen, buf.byteOffset + buf.length)))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
