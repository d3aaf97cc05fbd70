import { describe, expect, it } from '@jest/globals';
import { csvRecords } from './runner.service.js';

describe('csvRecords', () => {
  it('counts data rows, not the header, with or without a final newline', () => {
    expect(csvRecords(Buffer.from('a,b\n1,2\n3,4\n'))).toBe(2);
    expect(csvRecords(Buffer.from('a,b\n1,2\n3,4'))).toBe(2);
    expect(csvRecords(Buffer.from('a,b\n'))).toBe(0);
    expect(csvRecords(Buffer.from(''))).toBe(0);
  });
  it('does not count newlines inside quoted fields', () => {
    expect(csvRecords(Buffer.from('a,b\n"x\ny",2\n"say ""hi""\n",3\n'))).toBe(2);
  });
});
