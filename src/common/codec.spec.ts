import { describe, expect, it } from '@jest/globals';
import { deflateSync } from 'node:zlib';
import { decodeBase64, decodeIndices, decodePayload, DecodeError, encodeIndices, encodePayload } from './codec.js';

describe('codec', () => {
  it('round-trips files and int64 indices as numpy writes them', async () => {
    expect((await decodePayload('f', encodePayload(Buffer.from('hello')), 100)).toString()).toBe('hello');
    // np.array([0, 1, 300], dtype='<i8').tobytes(), zlib-compressed, base64-encoded by Python
    const fromPython = 'eJxjYIAARiitA2UAAAGPAC8=';
    expect(Array.from(await decodeIndices('train_is', fromPython, 1000))).toEqual([0n, 1n, 300n]);
    expect(Array.from(await decodeIndices('train_is', encodeIndices([0, 1, 300]), 1000))).toEqual([0n, 1n, 300n]);
  });

  it('accepts the line breaks of base64.encodebytes, refuses anything else not base64', () => {
    expect(decodeBase64('f', 'aGVs\nbG8=').toString()).toBe('hello');
    for (const bad of ['aGVsbG8', 'a b c', 'aGVsbG8=!', '====', 'Zm9v-_==']) expect(() => decodeBase64('f', bad)).toThrow(DecodeError);
    expect(() => decodeBase64('f', 42)).toThrow(/base64 string/);
  });

  it('refuses data that is not zlib, and stops a bomb at the limit with a 413', async () => {
    await expect(decodePayload('f', Buffer.from('not zlib').toString('base64'), 100)).rejects.toMatchObject({ status: 400, field: 'f' });
    const bomb = deflateSync(Buffer.alloc(10 * 1024 * 1024)).toString('base64');
    await expect(decodePayload('f', bomb, 1024 * 1024)).rejects.toMatchObject({ status: 413, field: 'f' });
    expect((await decodePayload('f', bomb, 10 * 1024 * 1024)).length).toBe(10 * 1024 * 1024);
  });

  it('refuses index bytes that are not int64 or negative', async () => {
    await expect(decodeIndices('i', encodePayload(Buffer.alloc(9)), 100)).rejects.toThrow(/multiple of 8/);
    const neg = Buffer.alloc(8);
    neg.writeBigInt64LE(-1n);
    await expect(decodeIndices('i', encodePayload(neg), 100)).rejects.toThrow(/negative/);
  });
});
