import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeIndices, encodePayload } from '../../src/common/codec.js';

export const SHARED_DATA = path.resolve(process.cwd(), '..', 'shared', 'data');
export const irisCsv = () => readFileSync(path.join(SHARED_DATA, 'iris.csv'));
export const enc = (s: string | Buffer) => encodePayload(Buffer.isBuffer(s) ? s : Buffer.from(s));
export const idx = (values: number[]) => encodeIndices(values);
export const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

export const CLASSIFIER_PY = `from sklearn.ensemble import RandomForestClassifier


class Classifier:
    def __init__(self):
        self.clf = RandomForestClassifier(n_estimators=10, random_state=0)

    def fit(self, X, y):
        self.clf.fit(X, y)

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
`;

export function irisDataset(name = 'iris') {
  return { name, target_column: 'species', workflow_elements: 'classifier', files: { 'iris.csv': enc(irisCsv()) } };
}

export function fold(sf: number, s: number, extra: Record<string, unknown> = {}) {
  return { databoard_sf_id: sf, databoard_s_id: s, train_is: idx(range(0, 80)), test_is: idx(range(80, 100)), ...extra };
}
