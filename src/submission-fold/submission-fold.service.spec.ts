import { describe, expect, it } from '@jest/globals';
import { parseForce } from './submission-fold.service.js';

describe('parseForce', () => {
  it('reads the variants old clients send', () => {
    expect([...parseForce(undefined)]).toEqual([]);
    expect([...parseForce(null)]).toEqual([]);
    expect([...parseForce('')]).toEqual([]);
    expect([...parseForce('submission_fold')]).toEqual(['submission_fold']);
    expect([...parseForce('submission, submission_fold')].sort()).toEqual(['submission', 'submission_fold']);
    expect([...parseForce('submission,submission_fold')].sort()).toEqual(['submission', 'submission_fold']);
  });
  it("does not read 'submission_fold' as also meaning 'submission'", () => {
    expect(parseForce('submission_fold').has('submission')).toBe(false);
  });
  it('refuses anything else', () => {
    expect(() => parseForce('all')).toThrow();
    expect(() => parseForce('submission; drop')).toThrow();
  });
});
