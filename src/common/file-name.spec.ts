import { describe, expect, it } from '@jest/globals';
import { unsafeFileName } from './file-name.js';

describe('unsafeFileName', () => {
  it('accepts plain names', () => {
    for (const ok of ['classifier.py', 'iris.csv', 'data 2.npy', 'é.txt', 'a'.repeat(255)]) expect(unsafeFileName(ok)).toBeUndefined();
  });
  it('names why a name is unsafe', () => {
    expect(unsafeFileName('')).toMatch(/empty/);
    expect(unsafeFileName('a/b')).toMatch(/separator/);
    expect(unsafeFileName('a\\b')).toMatch(/separator/);
    expect(unsafeFileName('/etc/passwd')).toMatch(/separator/);
    expect(unsafeFileName('..')).toMatch(/\.\./);
    expect(unsafeFileName('x..py')).toMatch(/\.\./);
    expect(unsafeFileName('a\0b')).toMatch(/NUL/);
    expect(unsafeFileName('C:x')).toMatch(/absolute/);
    expect(unsafeFileName('é'.repeat(128))).toMatch(/255 bytes/);
    expect(unsafeFileName('a\nb')).toMatch(/control/);
  });
});
