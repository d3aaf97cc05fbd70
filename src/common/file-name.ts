/**
 * Why a client-chosen file name is unsafe to write into a workspace, or undefined if it
 * is a plain file name: no directories, no traversal, no NUL, not absolute, ≤ 255 bytes.
 */
export function unsafeFileName(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'is longer than 255 bytes';
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (name === '.' || name === '..' || name.includes('..')) return "contains '..'";
  if (/^[A-Za-z]:/.test(name)) return 'is an absolute path';
  if (/[\x00-\x1f\x7f]/.test(name)) return 'contains control characters';
  return undefined;
}
