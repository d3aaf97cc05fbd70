/** NumPy .npy (format 1.0) of little-endian float64, C order: `np.load` reads it as is. */
export function toNpy(values: Float64Array, shape: number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

/** CSV, one row per sample. */
export function toCsv(values: Float64Array, shape: number[]): string {
  const cols = shape[1] ?? 1;
  const lines: string[] = [];
  for (let r = 0; r < shape[0]; r++) lines.push(Array.from(values.subarray(r * cols, (r + 1) * cols), (v) => String(v)).join(','));
  return lines.join('\n') + '\n';
}
