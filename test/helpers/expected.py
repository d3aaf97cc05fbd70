"""What a fold must produce, computed directly with scikit-learn (independent of runner/).

Reads one JSON object on stdin:
  {"data_file", "target", "held_out_test", "random_state", "workflow", "submission_dir", "train_is": [...]}
  or, for a custom dataset, {"custom_dir", "submission_dir", "train_is": [...]} (custom_dir
  holds specific.py and the data; prepare_data is called on a copy).
Prints {"train_sha256", "test_sha256", "full_train_predictions", "test_predictions"}.
"""
import base64, hashlib, importlib, importlib.util, io, json, os, shutil, sys, tempfile, zlib

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split


def enc(a):
    return base64.b64encode(zlib.compress(np.ascontiguousarray(a, dtype='<f8').tobytes())).decode()


def load(path, cls):
    spec = importlib.util.spec_from_file_location(cls.lower() + '_expected', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, cls)


def standard(req):
    df = pd.read_csv(req['data_file'])
    train, test = train_test_split(df, test_size=req['held_out_test'], random_state=req['random_state'])
    out = {}
    for name, part in (('train', train), ('test', test)):
        buf = io.StringIO()
        part.to_csv(buf, index=False)
        out[name + '_sha256'] = hashlib.sha256(buf.getvalue().encode()).hexdigest()
    # the runner reads the csv files back, as the old service did
    train = pd.read_csv(io.StringIO(train.to_csv(index=False)))
    test = pd.read_csv(io.StringIO(test.to_csv(index=False)))
    t = req['target']
    X, y, X_test = train.drop(columns=[t]), train[t], test.drop(columns=[t])
    idx = np.array(req['train_is'], dtype=np.int64)
    elements = [e.strip() for e in req['workflow'].split(',')]
    sub = req['submission_dir']
    if 'feature_extractor' in elements:
        fe = load(os.path.join(sub, 'feature_extractor.py'), 'FeatureExtractor')()
        fe.fit(X.iloc[idx], y.iloc[idx])
        Xtr, Xall, Xte = fe.transform(X.iloc[idx]), fe.transform(X), fe.transform(X_test)
    else:
        Xtr, Xall, Xte = X.values[idx], X.values, X_test.values
    ytr = y.values[idx]
    if 'regressor' in elements:
        reg = load(os.path.join(sub, 'regressor.py'), 'Regressor')()
        reg.fit(Xtr, ytr)
        predict = reg.predict
    else:
        clf = load(os.path.join(sub, 'classifier.py'), 'Classifier')()
        if 'calibrator' in elements:
            tr, cal = next(StratifiedShuffleSplit(n_splits=1, test_size=0.1, random_state=57).split(Xtr, ytr))
            clf.fit(Xtr[tr], ytr[tr])
            calibrator = load(os.path.join(sub, 'calibrator.py'), 'Calibrator')()
            calibrator.fit(clf.predict_proba(Xtr[cal]), ytr[cal])
            predict = lambda Z: calibrator.predict_proba(clf.predict_proba(Z))
        else:
            clf.fit(Xtr, ytr)
            predict = clf.predict_proba
    out['full_train_predictions'] = enc(predict(Xall))
    out['test_predictions'] = enc(predict(Xte))
    return out


def custom(req):
    work = tempfile.mkdtemp()
    data = os.path.join(work, 'data')
    shutil.copytree(req['custom_dir'], data)
    sys.path.insert(0, data)
    specific = importlib.import_module('specific')
    specific.prepare_data(data)
    X, y = specific.get_train_data(data)
    X_test, _ = specific.get_test_data(data)
    pkg = os.path.join(work, 'submission')
    shutil.copytree(req['submission_dir'], pkg)
    open(os.path.join(pkg, '__init__.py'), 'w').close()
    sys.path.insert(0, work)
    model = specific.train_submission('submission', X, y, np.array(req['train_is'], dtype=np.int64))
    out = {'full_train_predictions': enc(specific.test_submission(model, X, range(len(y)))),
           'test_predictions': enc(specific.test_submission(model, X_test, range(len(X_test))))}
    shutil.rmtree(work)
    return out


req = json.load(sys.stdin)
print(json.dumps(custom(req) if 'custom_dir' in req else standard(req)))
