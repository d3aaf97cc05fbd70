import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deflateSync } from 'node:zlib';
import { CLASSIFIER_PY, enc, fold, idx, irisDataset } from '../helpers/payloads.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Every class of bad input gets a 4xx JSON error naming the problem, and the database is
 * byte-for-byte unchanged afterwards.
 */
describe('bad input', () => {
  let t: TestApp;
  let rawDataId: number;
  let before: string;
  const files = { 'classifier.py': enc(CLASSIFIER_PY) };

  beforeAll(async () => {
    // Small limits so that the oversize cases stay cheap.
    t = await startTestApp({ DATARUN_MAX_FILE_MB: '1', DATARUN_MAX_BODY_MB: '2' });
    rawDataId = (await t.api('POST', '/runapp/rawdata/', irisDataset())).body.id;
    await t.api('POST', '/runapp/submissionfold/', fold(1, 1, { raw_data: rawDataId, files }));
    before = await t.db.digest();
  });
  afterAll(() => t.close());

  async function expectRefused(method: string, path: string, body: unknown, status: number, field?: string, raw?: string) {
    const res = await t.api(method, path, raw === undefined ? body : undefined, { raw });
    expect({ path, status: res.status }).toEqual({ path, status });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(typeof res.body.error).toBe('string');
    if (field) expect(res.body.fields ?? {}).toHaveProperty([field]);
    expect(await t.db.digest()).toBe(before);
    return res;
  }

  const newFold = (extra: Record<string, unknown>) => fold(50, 50, { raw_data: rawDataId, files, ...extra });

  it('a body that is not JSON', async () => {
    for (const path of ['/runapp/rawdata/', '/runapp/submissionfold/', '/runapp/rawdata/split/', '/runapp/testpredictions/new/']) {
      const res = await expectRefused('POST', path, undefined, 400, undefined, '{"name": "iris", ');
      expect(res.body.error).toMatch(/JSON/);
    }
  });

  it('missing or wrongly typed fields', async () => {
    await expectRefused('POST', '/runapp/rawdata/', { target_column: 'species', workflow_elements: 'classifier', files: {} }, 400, 'name');
    await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('x'), name: 12 }, 400, 'name');
    await expectRefused('POST', '/runapp/rawdata/split/', { raw_data_id: rawDataId }, 400, 'held_out_test');
    await expectRefused('POST', '/runapp/rawdata/split/', { held_out_test: 0.2 }, 400, 'raw_data_id');
    await expectRefused('POST', '/runapp/submissionfold/', { ...newFold({}), train_is: undefined }, 400, 'train_is');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ test_is: 5 }), 400, 'test_is');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ force: ['submission'] }), 400, 'force');
  });

  it('a files value that is not an object', async () => {
    await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('x'), files: 'iris.csv' }, 400, 'files');
    await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('x'), files: [enc('a')] }, 400, 'files');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ files: 'classifier.py' }), 400, 'files');
  });

  it('strings that are not base64, or not zlib', async () => {
    await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('x'), files: { 'x.csv': 'not base64!!' } }, 400, 'files.x.csv');
    await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('x'), files: { 'x.csv': Buffer.from('plain text').toString('base64') } }, 400, 'files.x.csv');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ files: { 'classifier.py': 12 } }), 400, 'files.classifier.py');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ train_is: '%%%' }), 400, 'train_is');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ test_is: Buffer.from('abcdefgh').toString('base64') }), 400, 'test_is');
  });

  it('a file that decompresses beyond DATARUN_MAX_FILE_MB (a zlib bomb) is refused without inflating it all', async () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024)).toString('base64'); // 64 MB of zeros in ~64 KB
    const heapBefore = process.memoryUsage().rss;
    await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('bomb'), files: { 'bomb.csv': bomb } }, 413, 'files.bomb.csv');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ files: { 'classifier.py': bomb } }), 413, 'files.classifier.py');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ train_is: bomb }), 413, 'train_is');
    // The inflate stops at the 1 MB limit: far less than the bomb's 64 MB ever lands in memory.
    expect(process.memoryUsage().rss - heapBefore).toBeLessThan(48 * 1024 * 1024);
  });

  it('a request body over DATARUN_MAX_BODY_MB answers 413', async () => {
    const big = 'A'.repeat(3 * 1024 * 1024);
    await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('big'), files: { 'x.csv': big } }, 413);
  });

  it('unsafe file names', async () => {
    const names = ['../etc/passwd', 'a/b.py', 'a\\b.py', '..', 'x\0.py', '/abs.py', 'C:evil.py', 'n'.repeat(256) + '.py'];
    for (const name of names) {
      await expectRefused('POST', '/runapp/submissionfold/', newFold({ files: { [name]: enc('x') } }), 400);
      await expectRefused('POST', '/runapp/rawdata/', { ...irisDataset('x'), files: { 'a.csv': enc('species\n'), [name]: enc('x') } }, 400);
    }
  });

  it('a dataset name over 40 characters, or unusable as a file name', async () => {
    await expectRefused('POST', '/runapp/rawdata/', irisDataset('n'.repeat(41)), 400, 'name');
    await expectRefused('POST', '/runapp/rawdata/', irisDataset('../iris'), 400, 'name');
  });

  it('index data whose length is not a multiple of 8, negative, or empty for training', async () => {
    const res = await expectRefused('POST', '/runapp/submissionfold/', newFold({ train_is: enc(Buffer.alloc(12)) }), 400, 'train_is');
    expect(res.body.error).toMatch(/multiple of 8/);
    const neg = Buffer.alloc(16);
    neg.writeBigInt64LE(-3n, 8);
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ test_is: enc(neg) }), 400, 'test_is');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ train_is: idx([]) }), 400, 'train_is');
  });

  it('unknown dataset or submission ids', async () => {
    await expectRefused('POST', '/runapp/rawdata/split/', { raw_data_id: 9999, held_out_test: 0.2 }, 404, 'raw_data_id');
    await expectRefused('POST', '/runapp/submissionfold/', newFold({ raw_data: 9999 }), 400, 'raw_data');
    await expectRefused('POST', '/runapp/submissionfold/', fold(60, 60), 400, 'raw_data');
    await expectRefused('GET', '/runapp/submission/9999/', undefined, 404);
    await expectRefused('GET', '/runapp/submissionfold/9999/', undefined, 404);
  });

  it('a new submission without files', async () => {
    await expectRefused('POST', '/runapp/submissionfold/', fold(61, 61, { raw_data: rawDataId }), 400, 'files');
  });

  it('a priority other than L or H', async () => {
    for (const priority of ['M', 'h', 1, '']) await expectRefused('POST', '/runapp/submissionfold/', newFold({ priority }), 400, 'priority');
  });

  it('held_out_test outside (0, 1)', async () => {
    for (const held_out_test of [0, 1, 1.5, -0.1, 'half', null]) {
      await expectRefused('POST', '/runapp/rawdata/split/', { raw_data_id: rawDataId, held_out_test }, 400, 'held_out_test');
    }
    await expectRefused('POST', '/runapp/rawdata/split/', { raw_data_id: rawDataId, held_out_test: 0.2, random_state: -1 }, 400, 'random_state');
  });

  it('ids that are not integers', async () => {
    for (const id of [1.5, 'abc', 2 ** 40, -1, true]) {
      await expectRefused('POST', '/runapp/submissionfold/', newFold({ databoard_sf_id: id }), 400, 'databoard_sf_id');
      await expectRefused('POST', '/runapp/submissionfold/', newFold({ databoard_s_id: id }), 400, 'databoard_s_id');
      await expectRefused('POST', '/runapp/rawdata/split/', { raw_data_id: id, held_out_test: 0.2 }, 400, 'raw_data_id');
    }
    for (const path of ['/runapp/submissionfold/1.5/', '/runapp/submissionfold/abc/', '/runapp/rawdata/99999999999/', '/runapp/submission/-1/']) {
      await expectRefused('GET', path, undefined, 400);
    }
  });
});
