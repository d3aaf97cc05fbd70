import { promisify } from 'node:util';
import { deflateSync, inflate } from 'node:zlib';

const inflateAsync = promisify(inflate);

/** A payload that cannot be decoded; `field` names where it came from. */
export class DecodeError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (standard alphabet; line breaks tolerated, as Python's encodebytes adds them). */
export function decodeBase64(field: string, text: unknown): Buffer {
  if (typeof text !== 'string') throw new DecodeError(field, `${field} must be a base64 string`);
  const compact = text.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) throw new DecodeError(field, `${field} is not valid base64`);
  return Buffer.from(compact, 'base64');
}

/**
 * zlib-inflates at most `maxBytes`: a decompression bomb stops at the limit (zlib's
 * maxOutputLength) instead of filling memory. Runs on libuv's thread pool.
 */
export async function inflateBounded(field: string, data: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    return await inflateAsync(data, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new DecodeError(field, `${field} decompresses to more than ${Math.floor(maxBytes / 1048576)} MB (DATARUN_MAX_FILE_MB)`, 413);
    }
    throw new DecodeError(field, `${field} is not zlib-compressed data`);
  }
}

/** base64(zlib(bytes)) → bytes, as the wire contract encodes files and index arrays. */
export async function decodePayload(field: string, text: unknown, maxBytes: number): Promise<Buffer> {
  return inflateBounded(field, decodeBase64(field, text), maxBytes);
}

export function encodePayload(bytes: Buffer): string {
  return deflateSync(bytes).toString('base64');
}

/** Decodes fold indices: int64 little-endian, non-negative. */
export async function decodeIndices(field: string, text: unknown, maxBytes: number): Promise<BigInt64Array> {
  const bytes = await decodePayload(field, text, maxBytes);
  if (bytes.length % 8 !== 0) throw new DecodeError(field, `${field} must hold int64 values: its ${bytes.length} bytes are not a multiple of 8`);
  const values = new BigInt64Array(bytes.length / 8);
  for (let i = 0; i < values.length; i++) {
    const v = bytes.readBigInt64LE(i * 8);
    if (v < 0n) throw new DecodeError(field, `${field} holds a negative index (${v}) at position ${i}`);
    values[i] = v;
  }
  return values;
}

export function encodeIndices(indices: ArrayLike<number>): string {
  const buf = Buffer.alloc(indices.length * 8);
  for (let i = 0; i < indices.length; i++) buf.writeBigInt64LE(BigInt(indices[i]), i * 8);
  return encodePayload(buf);
}
