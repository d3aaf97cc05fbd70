import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLASSIFIER_PY, enc, fold, irisDataset } from '../helpers/payloads.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The runner (issue 3) writes results; here a fold's outcome is written with SQL, as the
 * runner will, to test how the API hands predictions out.
 */
describe('testpredictions endpoints', () => {
  let t: TestApp;
  let irisId: number;
  let otherId: number;
  const files = { 'classifier.py': enc(CLASSIFIER_PY) };
  const finish = (id: number, state: string, preds = `p${id}`) =>
    t.db.query(`UPDATE submission_fold SET state = $2, test_predictions = $3, full_train_predictions = $3, train_time = 1.5, test_memory = 2048 WHERE databoard_sf_id = $1`, [id, state, preds]);

  beforeAll(async () => {
    t = await startTestApp();
    irisId = (await t.api('POST', '/runapp/rawdata/', irisDataset('iris'))).body.id;
    otherId = (await t.api('POST', '/runapp/rawdata/', irisDataset('iris2'))).body.id;
    await t.api('POST', '/runapp/submissionfold/', fold(1, 1, { raw_data: irisId, files }));
    await t.api('POST', '/runapp/submissionfold/', fold(2, 1));
    await t.api('POST', '/runapp/submissionfold/', fold(3, 1));
    await t.api('POST', '/runapp/submissionfold/', fold(4, 2, { raw_data: otherId, files }));
    await finish(1, 'TESTED');
    await finish(2, 'TESTED');
    await finish(3, 'ERROR');
    await finish(4, 'TESTED');
  });
  afterAll(() => t.close());

  it('answers 204 to a list request without list_submission_fold', async () => {
    const res = await t.api('POST', '/runapp/testpredictions/list/', {});
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('new: only TESTED folds of the dataset not handed out yet, then never again', async () => {
    const first = await t.api('POST', '/runapp/testpredictions/new/', { raw_data_id: irisId });
    expect(first.status).toBe(200);
    expect(first.body.map((r: { databoard_sf_id: number }) => r.databoard_sf_id)).toEqual([1, 2]);
    expect(first.body[0]).toEqual({
      databoard_sf_id: 1, databoard_s: 1, test_predictions: 'p1', full_train_predictions: 'p1', state: 'TESTED', new: false,
      log_messages: '', train_time: 1.5, validation_time: 0, test_time: 0, train_cpu_time: 0, test_cpu_time: 0, train_memory: 0, test_memory: 2048,
    });
    expect((await t.api('POST', '/runapp/testpredictions/new/', { raw_data_id: irisId })).body).toEqual([]);
    const light = (await t.api('GET', '/runapp/submissionfold-light/')).body;
    expect(light.map((f: { new: boolean }) => f.new)).toEqual([false, false, true, true]);
  });

  it('new without a dataset: every TESTED new fold', async () => {
    const res = await t.api('POST', '/runapp/testpredictions/new', {});
    expect(res.body.map((r: { databoard_sf_id: number }) => r.databoard_sf_id)).toEqual([4]);
  });

  it('a re-run fold (force) is new again and shows up once more', async () => {
    await t.api('POST', '/runapp/submissionfold/', fold(2, 1, { force: 'submission_fold' }));
    expect((await t.api('POST', '/runapp/testpredictions/new/', {})).body).toEqual([]);
    await finish(2, 'TESTED', 'p2-rerun');
    const res = await t.api('POST', '/runapp/testpredictions/new/', {});
    expect(res.body.map((r: { test_predictions: string }) => r.test_predictions)).toEqual(['p2-rerun']);
  });

  it('list: records of the given ids in any state, unknown ids left out, marks them not new', async () => {
    const res = await t.api('POST', '/runapp/testpredictions/list/', { list_submission_fold: [3, 1, 99] });
    expect(res.status).toBe(200);
    expect(res.body.map((r: { databoard_sf_id: number; state: string }) => [r.databoard_sf_id, r.state])).toEqual([[1, 'TESTED'], [3, 'ERROR']]);
    const [{ new: isNew }] = await t.db.query<{ new: boolean }>('SELECT new FROM submission_fold WHERE databoard_sf_id = 3');
    expect(isNew).toBe(false);
    expect((await t.api('POST', '/runapp/testpredictions/list/', { list_submission_fold: [] })).body).toEqual([]);
  });

  it('concurrent new requests never hand out the same record twice', async () => {
    for (const id of [1, 2, 4]) await t.db.query('UPDATE submission_fold SET new = true WHERE databoard_sf_id = $1', [id]);
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.api('POST', '/runapp/testpredictions/new/', {})));
    const ids = answers.flatMap((a) => a.body.map((r: { databoard_sf_id: number }) => r.databoard_sf_id)).sort();
    expect(ids).toEqual([1, 2, 4]);
  });

  it('refuses bad bodies with 4xx and changes nothing', async () => {
    const before = await t.db.digest();
    expect((await t.api('POST', '/runapp/testpredictions/new/', { raw_data_id: 777 })).status).toBe(404);
    expect((await t.api('POST', '/runapp/testpredictions/new/', { raw_data_id: 'abc' })).status).toBe(400);
    expect((await t.api('POST', '/runapp/testpredictions/list/', { list_submission_fold: 'all' })).status).toBe(400);
    expect((await t.api('POST', '/runapp/testpredictions/list/', { list_submission_fold: [1.5] })).status).toBe(400);
    expect((await t.api('POST', '/runapp/testpredictions/list/', { list_submission_fold: [2 ** 40] })).status).toBe(400);
    expect(await t.db.digest()).toBe(before);
  });
});
