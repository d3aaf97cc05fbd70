import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLASSIFIER_PY, enc, fold, idx, irisDataset } from '../helpers/payloads.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const CONTRACT_FIELDS = [
  'databoard_sf_id', 'databoard_s', 'priority', 'train_is', 'test_is', 'task_id', 'full_train_predictions', 'test_predictions',
  'state', 'log_messages', 'train_time', 'validation_time', 'test_time', 'train_cpu_time', 'test_cpu_time', 'train_memory', 'test_memory', 'new',
];

describe('SubmissionFold endpoints', () => {
  let t: TestApp;
  let rawDataId: number;
  const files = { 'classifier.py': enc(CLASSIFIER_PY) };

  beforeAll(async () => {
    t = await startTestApp();
    rawDataId = (await t.api('POST', '/runapp/rawdata/', irisDataset())).body.id;
  });
  afterAll(() => t.close());

  it('creates the submission and the fold, queued in TODO with new=true, before any split', async () => {
    const res = await t.api('POST', '/runapp/submissionfold/', fold(11, 1, { raw_data: rawDataId, files, priority: 'H' }));
    expect(res.status).toBe(201);
    for (const f of CONTRACT_FIELDS) expect(res.body).toHaveProperty(f);
    expect(res.body).toMatchObject({ databoard_sf_id: 11, databoard_s: 1, priority: 'H', state: 'TODO', new: true, train_is: fold(11, 1).train_is });
    const [job] = await t.db.query<{ id: string; kind: string; status: string; rank: number }>('SELECT id, kind, status, rank FROM job WHERE submission_fold_id = 11');
    expect(job).toEqual({ id: res.body.task_id, kind: 'fold', status: 'queued', rank: 1 });
    const sub = await t.api('GET', '/runapp/submission/1/');
    expect(sub.body).toMatchObject({ databoard_s_id: 1, raw_data: rawDataId, folds: [11] });
    expect(sub.body.files.map((f: { filename: string }) => f.filename)).toEqual(['classifier.py']);
  });

  it('adds a fold to a known submission without resending files; priority defaults to L', async () => {
    const res = await t.api('POST', '/runapp/submissionfold', fold(12, 1));
    expect(res.status).toBe(201);
    expect(res.body.priority).toBe('L');
    const [{ rank }] = await t.db.query<{ rank: number }>('SELECT rank FROM job WHERE submission_fold_id = 12');
    expect(rank).toBe(2);
  });

  it('accepts the same files again for a known submission, refuses other files without force', async () => {
    expect((await t.api('POST', '/runapp/submissionfold/', fold(13, 1, { raw_data: rawDataId, files }))).status).toBe(201);
    const before = await t.db.digest();
    const res = await t.api('POST', '/runapp/submissionfold/', fold(14, 1, { raw_data: rawDataId, files: { 'classifier.py': enc('# other') } }));
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('files');
    expect(await t.db.digest()).toBe(before);
  });

  it('refuses an existing fold id without force, and changes nothing', async () => {
    const before = await t.db.digest();
    const res = await t.api('POST', '/runapp/submissionfold/', fold(11, 1, { priority: 'L' }));
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('already exists');
    expect(await t.db.digest()).toBe(before);
  });

  it("force 'submission_fold' recreates the fold and keeps the submission and its files", async () => {
    const [{ new: _n, ...subBefore }] = [await t.api('GET', '/runapp/submission/1/')].map((r) => ({ new: 0, ...r.body }));
    const old = (await t.api('GET', '/runapp/submissionfold/11/')).body;
    await t.db.query(`UPDATE submission_fold SET state = 'TESTED', new = false, test_predictions = 'x' WHERE databoard_sf_id = 11`);
    const res = await t.api('POST', '/runapp/submissionfold/', fold(11, 1, { force: 'submission_fold', test_is: idx([1, 2, 3]) }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ state: 'TODO', new: true, test_predictions: null, priority: 'L', test_is: idx([1, 2, 3]) });
    expect(res.body.task_id).not.toBe(old.task_id);
    expect(await t.db.query('SELECT 1 FROM job WHERE id = $1', [old.task_id])).toHaveLength(0);
    const subAfter = (await t.api('GET', '/runapp/submission/1/')).body;
    expect(subAfter.hash_files).toBe(subBefore.hash_files);
    expect(subAfter.folds).toEqual([11, 12, 13]);
  });

  it("force 'submission, submission_fold' replaces the submission: new files, its other folds gone", async () => {
    const newFiles = { 'classifier.py': enc(CLASSIFIER_PY.replace('n_estimators=10', 'n_estimators=20')) };
    const before = (await t.api('GET', '/runapp/submission/1/')).body;
    const res = await t.api('POST', '/runapp/submissionfold/', fold(11, 1, { force: 'submission, submission_fold', raw_data: rawDataId, files: newFiles }));
    expect(res.status).toBe(201);
    const after = (await t.api('GET', '/runapp/submission/1/')).body;
    expect(after.hash_files).not.toBe(before.hash_files);
    expect(after.folds).toEqual([11]);
    expect((await t.api('GET', '/runapp/submissionfold/12/')).status).toBe(404);
    expect(await t.db.query('SELECT 1 FROM job WHERE submission_fold_id IN (12, 13)')).toHaveLength(0);
  });

  it("force 'submission_fold' on a new fold of an unknown submission still needs raw_data and files", async () => {
    const before = await t.db.digest();
    const res = await t.api('POST', '/runapp/submissionfold/', fold(21, 2, { force: 'submission_fold' }));
    expect(res.status).toBe(400);
    expect(await t.db.digest()).toBe(before);
    const ok = await t.api('POST', '/runapp/submissionfold/', fold(21, 2, { force: 'submission_fold', raw_data: rawDataId, files }));
    expect(ok.status).toBe(201);
  });

  it('lists folds in full and light, and shows one', async () => {
    const list = await t.api('GET', '/runapp/submissionfold/');
    expect(list.status).toBe(200);
    expect(list.body.map((f: { databoard_sf_id: number }) => f.databoard_sf_id)).toEqual([11, 21]);
    for (const f of list.body) for (const k of CONTRACT_FIELDS) expect(f).toHaveProperty(k);
    const light = await t.api('GET', '/runapp/submissionfold-light/');
    expect(light.body).toEqual([
      { databoard_sf_id: 11, databoard_s: 1, state: 'TODO', new: true },
      { databoard_sf_id: 21, databoard_s: 2, state: 'TODO', new: true },
    ]);
    expect((await t.api('GET', '/runapp/submissionfold-light?limit=1&offset=1')).body).toEqual([light.body[1]]);
    const one = await t.api('GET', '/runapp/submissionfold/21/');
    expect(one.body).toMatchObject({ databoard_sf_id: 21, databoard_s: 2 });
    expect((await t.api('GET', '/runapp/submissionfold/21')).status).toBe(200);
    expect((await t.api('GET', '/runapp/submissionfold/999/')).status).toBe(404);
  });

  it('refuses a fold of an unknown dataset and a new submission without files', async () => {
    const before = await t.db.digest();
    const unknownDs = await t.api('POST', '/runapp/submissionfold/', fold(31, 3, { raw_data: 424242, files }));
    expect(unknownDs.status).toBe(400);
    expect(unknownDs.body.fields).toHaveProperty('raw_data');
    const noFiles = await t.api('POST', '/runapp/submissionfold/', fold(31, 3, { raw_data: rawDataId }));
    expect(noFiles.status).toBe(400);
    expect(noFiles.body.fields).toHaveProperty('files');
    const emptyFiles = await t.api('POST', '/runapp/submissionfold/', fold(31, 3, { raw_data: rawDataId, files: {} }));
    expect(emptyFiles.status).toBe(400);
    const badForce = await t.api('POST', '/runapp/submissionfold/', fold(31, 3, { raw_data: rawDataId, files, force: 'everything' }));
    expect(badForce.status).toBe(400);
    expect(badForce.body.fields).toHaveProperty('force');
    expect(await t.db.digest()).toBe(before);
  });
});
