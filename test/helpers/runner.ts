import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLASSIFIER_PY } from './payloads.js';
import type { TestApp } from './test-app.js';

export const PYTHON = '/usr/bin/python3';

export const SUBMISSIONS = {
  classifier: CLASSIFIER_PY,
  calibrator: `from sklearn.linear_model import LogisticRegression


class Calibrator:
    def fit(self, y_proba, y):
        self.model = LogisticRegression(max_iter=1000).fit(y_proba, y)

    def predict_proba(self, y_proba):
        return self.model.predict_proba(y_proba)
`,
  feature_extractor: `import numpy as np


class FeatureExtractor:
    def fit(self, X_df, y):
        self.mean = X_df['petal length'].mean()

    def transform(self, X_df):
        return np.c_[X_df.values, X_df['petal length'].values - self.mean, X_df['petal length'].values / X_df['petal width'].values]
`,
  regressor: `from sklearn.ensemble import RandomForestRegressor


class Regressor:
    def __init__(self):
        self.reg = RandomForestRegressor(n_estimators=10, random_state=0)

    def fit(self, X, y):
        self.reg.fit(X, y)

    def predict(self, X):
        return self.reg.predict(X)
`,
  specific: `import importlib
import os

import pandas as pd


def prepare_data(raw_data_path):
    df = pd.read_csv(os.path.join(raw_data_path, 'stars.csv')).sample(frac=1, random_state=0)
    df.iloc[:110].to_csv(os.path.join(raw_data_path, 'train.csv'), index=False)
    df.iloc[110:].to_csv(os.path.join(raw_data_path, 'test.csv'), index=False)


def _read(path, name):
    df = pd.read_csv(os.path.join(path, name))
    return df.drop(columns=['species']).values, df['species'].values


def get_train_data(raw_data_path):
    return _read(raw_data_path, 'train.csv')


def get_test_data(raw_data_path):
    return _read(raw_data_path, 'test.csv')


def train_submission(module_path, X, y, train_is):
    classifier = importlib.import_module('.classifier', module_path)
    clf = classifier.Classifier()
    clf.fit(X[train_is], y[train_is])
    return clf


def test_submission(trained_model, X, test_is):
    return trained_model.predict_proba(X[test_is])
`,
};

/** Writes submission files to a temp folder (for expected.py). */
export function submissionDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'datarun-sub-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** Predictions computed in the test with scikit-learn (test/helpers/expected.py). */
export function expected(request: Record<string, unknown>): { train_sha256?: string; test_sha256?: string; full_train_predictions: string; test_predictions: string } {
  const script = path.resolve(process.cwd(), 'test', 'helpers', 'expected.py');
  const out = execFileSync(PYTHON, [script], { input: JSON.stringify(request), encoding: 'utf8', env: { PATH: '/usr/bin:/bin', OMP_NUM_THREADS: '1' } });
  return JSON.parse(out);
}

export function pythonAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import sklearn, pandas']).status === 0;
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the fold is TESTED or ERROR and returns its detail. */
export function waitFold(t: TestApp, id: number, timeoutMs = 60_000) {
  return waitFor(async () => {
    const r = await t.api('GET', `/runapp/submissionfold/${id}/`);
    return ['TESTED', 'ERROR'].includes(r.body?.state) ? r.body : undefined;
  }, timeoutMs, `fold ${id}`);
}

export function waitSplit(t: TestApp, rawDataId: number, timeoutMs = 60_000) {
  return waitFor(async () => {
    const r = await t.api('GET', `/runapp/rawdata/${rawDataId}/`);
    if (r.body?.split?.status === 'error') throw new Error(`split failed: ${r.body.split.error}`);
    return r.body?.split_done ? r.body : undefined;
  }, timeoutMs, `split of ${rawDataId}`);
}

export const readShared = (name: string) => readFileSync(path.resolve(process.cwd(), '..', 'shared', 'data', name));
