import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { enc, idx, range } from '../helpers/payloads.js';
import { expected, readShared, SUBMISSIONS, submissionDir, waitFold, waitSplit } from '../helpers/runner.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const SHARED = path.resolve(process.cwd(), '..', 'shared', 'data');
const floats = (b64: string) => inflateSync(Buffer.from(b64, 'base64'));

/** The old client's whole flow, with a real runner and real scikit-learn, compared bit for bit. */
describe('runner: the old client flow end to end', () => {
  let t: TestApp;
  let iris: number;
  let sid = 0;
  beforeAll(async () => {
    t = await startTestApp({ DATARUN_ROLE: 'all', DATARUN_RUNNER_SLOTS: '2' });
    iris = (await t.api('POST', '/runapp/rawdata/', { name: 'iris', target_column: 'species', workflow_elements: 'classifier', files: { 'iris.csv': enc(readShared('iris.csv')) } })).body.id;
  });
  afterAll(() => t.close());

  async function submit(rawDataId: number, files: Record<string, string>, trainIs: number[], testIs = range(0, 5)) {
    sid += 1;
    const res = await t.api('POST', '/runapp/submissionfold/', {
      databoard_sf_id: sid, databoard_s_id: sid, raw_data: rawDataId, train_is: idx(trainIs), test_is: idx(testIs),
      files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, enc(v)])),
    });
    expect(res.status).toBe(201);
    return sid;
  }

  it('splits iris exactly as scikit-learn does, and folds posted before the split wait for it', async () => {
    const early = await submit(iris, { 'classifier.py': SUBMISSIONS.classifier }, range(0, 90));
    expect((await t.api('GET', `/runapp/submissionfold/${early}/`)).body).toMatchObject({ state: 'TODO', waiting_for_split: true });
    const split = await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: iris, held_out_test: 0.2, random_state: 42 });
    expect(split.status).toBe(200);
    const ds = await waitSplit(t, iris);
    const want = expected({ data_file: path.join(SHARED, 'iris.csv'), target: 'species', held_out_test: 0.2, random_state: 42, workflow: 'classifier', submission_dir: submissionDir({ 'classifier.py': SUBMISSIONS.classifier }), train_is: range(0, 90) });
    const outputs = Object.fromEntries(ds.files.filter((f: { kind: string }) => f.kind === 'output').map((f: { filename: string; sha256: string }) => [f.filename, f.sha256]));
    expect(outputs).toEqual({ 'train.csv': want.train_sha256, 'test.csv': want.test_sha256 });
    expect(ds.split).toMatchObject({ status: 'done', task_id: split.body.task_id });
    expect(ds).toMatchObject({ n_train: 120, n_test: 30 });

    const fold = await waitFold(t, early);
    expect(fold.state).toBe('TESTED');
    expect(floats(fold.test_predictions).equals(floats(want.test_predictions))).toBe(true);
    expect(floats(fold.full_train_predictions).equals(floats(want.full_train_predictions))).toBe(true);
    expect(floats(fold.test_predictions).length).toBe(30 * 3 * 8);
    expect(fold).toMatchObject({ attempts: 1, error_kind: null, queue_position: null });
    expect(fold.train_time).toBeGreaterThan(0);
    expect(fold.train_cpu_time).toBeGreaterThan(0);
    expect(fold.train_memory).toBeGreaterThan(0);
    // the job's own peak, not the ~100 MB it inherits from the warm process
    expect(fold.train_memory).toBeLessThan(60_000);
  });

  it.each([
    ['calibrator', { 'classifier.py': SUBMISSIONS.classifier, 'calibrator.py': SUBMISSIONS.calibrator }, 'classifier, calibrator'],
    ['feature extractor', { 'feature_extractor.py': SUBMISSIONS.feature_extractor, 'classifier.py': SUBMISSIONS.classifier }, 'feature_extractor, classifier'],
    ['all three', { 'feature_extractor.py': SUBMISSIONS.feature_extractor, 'classifier.py': SUBMISSIONS.classifier, 'calibrator.py': SUBMISSIONS.calibrator }, 'feature_extractor, classifier, calibrator'],
  ])('%s workflow: predictions equal scikit-learn bit for bit', async (_name, files, workflow) => {
    const dsName = `iris_${workflow.replace(/[^a-z]/g, '')}`;
    const id = (await t.api('POST', '/runapp/rawdata/', { name: dsName.slice(0, 40), target_column: 'species', workflow_elements: workflow, files: { 'iris.csv': enc(readShared('iris.csv')) } })).body.id;
    await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: id, held_out_test: 0.3, random_state: 3 });
    await waitSplit(t, id);
    const trainIs = range(0, 105).filter((i) => i % 7 !== 0);
    const fold = await waitFold(t, await submit(id, files, trainIs));
    expect(fold.log_messages).toBe('');
    expect(fold.state).toBe('TESTED');
    const want = expected({ data_file: path.join(SHARED, 'iris.csv'), target: 'species', held_out_test: 0.3, random_state: 3, workflow, submission_dir: submissionDir(files), train_is: trainIs });
    expect(floats(fold.test_predictions).equals(floats(want.test_predictions))).toBe(true);
    expect(floats(fold.full_train_predictions).equals(floats(want.full_train_predictions))).toBe(true);
  });

  it('boston housing with a regressor', async () => {
    const id = (await t.api('POST', '/runapp/rawdata/', { name: 'boston', target_column: 'medv', workflow_elements: 'regressor', files: { 'boston_housing.csv': enc(readShared('boston_housing.csv')) } })).body.id;
    await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: id, held_out_test: 0.2 });
    await waitSplit(t, id);
    const trainIs = range(0, 300);
    const fold = await waitFold(t, await submit(id, { 'regressor.py': SUBMISSIONS.regressor }, trainIs));
    expect(fold.state).toBe('TESTED');
    const want = expected({ data_file: path.join(SHARED, 'boston_housing.csv'), target: 'medv', held_out_test: 0.2, random_state: 42, workflow: 'regressor', submission_dir: submissionDir({ 'regressor.py': SUBMISSIONS.regressor }), train_is: trainIs });
    expect(floats(fold.test_predictions).equals(floats(want.test_predictions))).toBe(true);
    expect(floats(fold.test_predictions).length).toBe(102 * 8);
    expect(floats(fold.full_train_predictions).equals(floats(want.full_train_predictions))).toBe(true);
  });

  it('a custom dataset: specific.py prepares the data and drives the fold', async () => {
    const ds = await t.api('POST', '/runapp/rawdata/', { name: 'stars', target_column: 'species', workflow_elements: 'classifier', files: { 'stars_datarun.py': enc(SUBMISSIONS.specific), 'stars.csv': enc(readShared('iris.csv')) } });
    expect(ds.body.is_custom).toBe(true);
    const split = await t.api('POST', '/runapp/rawdata/customsplit/', { raw_data_id: ds.body.id });
    expect(split.status).toBe(200);
    const detail = await waitSplit(t, ds.body.id);
    expect(detail.files.filter((f: { kind: string }) => f.kind === 'output').map((f: { filename: string }) => f.filename).sort()).toEqual(['test.csv', 'train.csv']);
    const trainIs = range(0, 110).filter((i) => i % 3 !== 0);
    const fold = await waitFold(t, await submit(ds.body.id, { 'classifier.py': SUBMISSIONS.classifier }, trainIs));
    expect(fold.state).toBe('TESTED');
    expect((await t.api('GET', `/runapp/rawdata/${ds.body.id}/`)).body).toMatchObject({ n_train: 110, n_test: 40 });
    const customDir = submissionDir({ 'specific.py': SUBMISSIONS.specific, 'stars.csv': readShared('iris.csv').toString() });
    const want = expected({ custom_dir: customDir, submission_dir: submissionDir({ 'classifier.py': SUBMISSIONS.classifier }), train_is: trainIs });
    expect(floats(fold.test_predictions).equals(floats(want.test_predictions))).toBe(true);
    expect(floats(fold.full_train_predictions).equals(floats(want.full_train_predictions))).toBe(true);
  });

  it('a forced re-run yields the new files’ predictions, once in testpredictions/new', async () => {
    await t.api('POST', '/runapp/testpredictions/new/', {}); // drain
    const first = await waitFold(t, await submit(iris, { 'classifier.py': SUBMISSIONS.classifier }, range(0, 60)));
    const other = SUBMISSIONS.classifier.replace('random_state=0', 'random_state=1');
    const res = await t.api('POST', '/runapp/submissionfold/', {
      databoard_sf_id: sid, databoard_s_id: sid, raw_data: iris, train_is: idx(range(0, 60)), test_is: idx(range(0, 5)),
      files: { 'classifier.py': enc(other) }, force: 'submission, submission_fold',
    });
    expect(res.status).toBe(201);
    const rerun = await waitFold(t, sid);
    const want = expected({ data_file: path.join(SHARED, 'iris.csv'), target: 'species', held_out_test: 0.2, random_state: 42, workflow: 'classifier', submission_dir: submissionDir({ 'classifier.py': other }), train_is: range(0, 60) });
    expect(floats(rerun.test_predictions).equals(floats(want.test_predictions))).toBe(true);
    expect(rerun.test_predictions).not.toBe(first.test_predictions);
    const fresh = (await t.api('POST', '/runapp/testpredictions/new/', { raw_data_id: iris })).body;
    expect(fresh.map((r: { databoard_sf_id: number; test_predictions: string }) => [r.databoard_sf_id, r.test_predictions])).toEqual([[sid, rerun.test_predictions]]);
    expect((await t.api('POST', '/runapp/testpredictions/new/', { raw_data_id: iris })).body).toEqual([]);
  });

  it('indices past the end of the train set: refused at POST once the size is known, ERROR before', async () => {
    sid += 1;
    const res = await t.api('POST', '/runapp/submissionfold/', {
      databoard_sf_id: sid, databoard_s_id: sid, raw_data: iris, train_is: idx([0, 1, 120]), test_is: idx([0]),
      files: { 'classifier.py': enc(SUBMISSIONS.classifier) },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('has 120 rows');
 
    const fresh = (await t.api('POST', '/runapp/rawdata/', { name: 'iris_unsplit', target_column: 'species', workflow_elements: 'classifier', files: { 'iris.csv': enc(readShared('iris.csv')) } })).body.id;
    const early = await submit(fresh, { 'classifier.py': SUBMISSIONS.classifier }, [0, 1, 500]);
    await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: fresh, held_out_test: 0.2 });
    const fold = await waitFold(t, early);
    expect(fold).toMatchObject({ state: 'ERROR', error_kind: 'submission', attempts: 1 });
    expect(fold.log_messages).toContain('train_is has indices outside 0..119');
  });

  it('a submission that raises ends in ERROR (submission) with its traceback; a wrong prediction count too', async () => {
    const raising = await waitFold(t, await submit(iris, { 'classifier.py': 'class Classifier:\n    def fit(self, X, y):\n        print("about to fail")\n        raise ValueError("bad model")\n' }, range(0, 50)));
    expect(raising).toMatchObject({ state: 'ERROR', error_kind: 'submission' });
    expect(raising.log_messages).toContain('about to fail');
    expect(raising.log_messages).toContain('ValueError: bad model');
    const short = SUBMISSIONS.classifier.replace('return self.clf.predict_proba(X)', 'return self.clf.predict_proba(X)[:3]');
    const wrong = await waitFold(t, await submit(iris, { 'classifier.py': short }, range(0, 50)));
    expect(wrong).toMatchObject({ state: 'ERROR', error_kind: 'submission' });
  });
});
