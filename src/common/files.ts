import { ApiError } from './api-error.js';
import { decodePayload } from './codec.js';
import { unsafeFileName } from './file-name.js';

export interface DecodedFile {
  filename: string;
  content: Buffer;
}

/**
 * Validates and decodes a `files` object {filename: base64(zlib(bytes))}. Everything is
 * checked before anything is stored, so a bad file leaves no trace.
 */
export async function decodeFiles(files: unknown, maxFileBytes: number, field = 'files'): Promise<DecodedFile[]> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw ApiError.field(400, field, `${field} must be an object {filename: base64(zlib(content))}`);
  }
  const out: DecodedFile[] = [];
  for (const [filename, encoded] of Object.entries(files as Record<string, unknown>)) {
    const why = unsafeFileName(filename);
    if (why) throw ApiError.field(400, `${field}.${filename}`, `File name ${JSON.stringify(filename)} ${why}`);
    out.push({ filename, content: await decodePayload(`${field}.${filename}`, encoded, maxFileBytes) });
  }
  return out;
}
