"""datarun_client against a real, running datarun service.

Needs DATARUN_TEST_URL (e.g. http://127.0.0.1:8000/), DATARUN_TEST_USER and
DATARUN_TEST_PASSWORD, and a Python with numpy, pandas, scikit-learn and
requests; without them every test is skipped. The service must run a runner
(DATARUN_ROLE=all, the default). Every dataset name gets a random suffix and
every submission / fold id a random base, so the tests can run again and again
against the same service.

    DATARUN_TEST_URL=http://127.0.0.1:8000/ DATARUN_TEST_USER=admin \\
    DATARUN_TEST_PASSWORD=... python3 -m unittest discover -s clients/python/tests
"""

import os
import random
import shutil
import sys
import tempfile
import textwrap
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)                      # clients/python
REPO = os.path.dirname(os.path.dirname(PACKAGE_ROOT))     # the datarun repository
SHARED_DATA = os.environ.get('DATARUN_TEST_DATA_DIR') or os.path.join(
    os.path.dirname(REPO), 'shared', 'data')
IRIS_CSV = os.path.join(SHARED_DATA, 'iris.csv')
BOSTON_CSV = os.path.join(SHARED_DATA, 'boston_housing.csv')

# Test the source next to this file, installed or not.
sys.path.insert(0, PACKAGE_ROOT)

URL = os.environ.get('DATARUN_TEST_URL')
USER = os.environ.get('DATARUN_TEST_USER')
PASSWORD = os.environ.get('DATARUN_TEST_PASSWORD')
FOLD_TIMEOUT = float(os.environ.get('DATARUN_TEST_TIMEOUT', '120'))

CLASSIFIER_PY = textwrap.dedent('''\
    from sklearn.ensemble import RandomForestClassifier


    class Classifier(object):
        def __init__(self):
            self.clf = RandomForestClassifier(n_estimators=10, random_state=0)

        def fit(self, X, y):
            self.clf.fit(X, y)

        def predict_proba(self, X):
            return self.clf.predict_proba(X)
    ''')

# Another submission, to see `force='submission, submission_fold'` replace the files.
CLASSIFIER_5_PY = CLASSIFIER_PY.replace('n_estimators=10', 'n_estimators=5')

REGRESSOR_PY = textwrap.dedent('''\
    from sklearn.linear_model import LinearRegression


    class Regressor(object):
        def __init__(self):
            self.reg = LinearRegression()

        def fit(self, X, y):
            self.reg.fit(X, y)

        def predict(self, X):
            return self.reg.predict(X)
    ''')

# A custom dataset: datarun runs prepare_data at customsplit, then the other four per fold.
SPECIFIC_PY = textwrap.dedent('''\
    import importlib
    import os

    import pandas as pd


    def prepare_data(raw_data_path):
        df = pd.read_csv(os.path.join(raw_data_path, 'flowers.csv')).sample(frac=1, random_state=0)
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
    ''')

np = pd = requests = dc = post_api = None


def setUpModule():
    global np, pd, requests, dc, post_api
    if not (URL and USER and PASSWORD):
        raise unittest.SkipTest(
            'datarun client tests need a running service: set DATARUN_TEST_URL, '
            'DATARUN_TEST_USER and DATARUN_TEST_PASSWORD')
    try:
        import numpy
        import pandas
        import requests as requests_
        import sklearn  # noqa: F401
    except ImportError as e:
        raise unittest.SkipTest('datarun client tests need numpy, pandas, scikit-learn and '
                                'requests (%s); run them with /usr/bin/python3' % e)
    for path in (IRIS_CSV, BOSTON_CSV):
        if not os.path.exists(path):
            raise unittest.SkipTest('%s is missing (set DATARUN_TEST_DATA_DIR)' % path)
    import datarun_client
    from datarun_client import post_api as post_api_
    np, pd, requests, dc, post_api = numpy, pandas, requests_, datarun_client, post_api_


def suffix():
    return uuid.uuid4().hex[:10]


def random_id_base():
    """Submission and fold ids are the client's (databoard's) own: random, apart."""
    return random.SystemRandom().randrange(10 ** 6, 2 ** 31 - 10 ** 6, 1000)


def auth():
    return URL, USER, PASSWORD


def local_split(csv, target, held_out_test=0.2, random_state=42):
    """What datarun's split gives: X_train, y_train, X_test, y_test as numpy arrays."""
    from sklearn.model_selection import train_test_split
    df = pd.read_csv(csv)
    train, test = train_test_split(df, test_size=held_out_test, random_state=random_state)
    return (train.drop(columns=[target]).values, train[target].values,
            test.drop(columns=[target]).values, test[target].values)


def expected_rf(X_train, y_train, X_test, train_is, n_estimators=10):
    from sklearn.ensemble import RandomForestClassifier
    clf = RandomForestClassifier(n_estimators=n_estimators, random_state=0)
    clf.fit(X_train[train_is], y_train[train_is])
    return clf.predict_proba(X_test), clf.predict_proba(X_train)


def kfold(n_rows, n_splits=5):
    from sklearn.model_selection import KFold
    return list(KFold(n_splits=n_splits, shuffle=True, random_state=0).split(np.arange(n_rows)))


class _TempDirMixin(object):
    @classmethod
    def make_tmp(cls):
        cls.tmp = tempfile.mkdtemp(prefix='datarun-client-test-')

    @classmethod
    def write(cls, name, content):
        path = os.path.join(cls.tmp, name)
        with open(path, 'w') as f:
            f.write(content)
        return path

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


class TestIrisWithPostApi(_TempDirMixin, unittest.TestCase):
    """The old post_api flow, step by step (tests run in the order of their names)."""

    @classmethod
    def setUpClass(cls):
        cls.make_tmp()
        cls.classifier = cls.write('classifier.py', CLASSIFIER_PY)
        cls.name = 'iris-' + suffix()
        cls.sub_id = random_id_base()
        cls.fold_ids = [cls.sub_id + k for k in range(5)]
        cls.X_train, cls.y_train, cls.X_test, cls.y_test = local_split(IRIS_CSV, 'species')

    def test_01_post_data(self):
        r = post_api.post_data(URL, USER, PASSWORD, self.name, 'species', 'classifier', IRIS_CSV)
        self.assertIsInstance(r, requests.Response)
        self.assertEqual(r.status_code, 201, r.text)
        body = r.json()
        self.assertEqual(body['name'], self.name)
        self.assertEqual(body['target_column'], 'species')
        self.assertEqual(body['workflow_elements'], 'classifier')
        self.assertFalse(body['is_custom'])
        type(self).raw_data_id = body['id']
        listed = post_api.get_raw_data(URL, USER, PASSWORD)
        self.assertEqual(listed.status_code, 200)
        self.assertIn(self.raw_data_id, [d['id'] for d in listed.json()])

    def test_02_post_split_and_wait(self):
        # with and without the trailing slash, as the old module allowed
        r = post_api.post_split(URL.rstrip('/') + '/', USER, PASSWORD, 0.2, self.raw_data_id)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(r.json()['task_id'])
        record = dc.wait_for_split(URL.rstrip('/'), USER, PASSWORD, self.raw_data_id, timeout=120)
        self.assertTrue(record['split_done'])
        self.assertEqual(record['n_train'], len(self.y_train))
        self.assertEqual(record['n_test'], len(self.y_test))
        self.assertEqual(record['split']['status'], 'done')
        names = sorted(f['filename'] for f in record['files'])
        self.assertEqual(names, sorted([self.name + '.csv', 'train.csv', 'test.csv']))
        type(self).raw_data = record

    def test_03_post_submission_folds(self):
        type(self).folds = kfold(self.raw_data['n_train'])
        for k, (train_is, test_is) in enumerate(self.folds):
            # the first two carry the submission's files (the second: the same files
            # again, allowed), the others only refer to the known submission
            files = [self.classifier] if k < 2 else None
            r = post_api.post_submission_fold(
                URL, USER, PASSWORD, self.sub_id, self.fold_ids[k], train_is, test_is,
                raw_data_id=self.raw_data_id, list_submission_files=files)
            self.assertEqual(r.status_code, 201, r.text)
            body = r.json()
            self.assertEqual(body['databoard_sf_id'], self.fold_ids[k])
            self.assertEqual(body['databoard_s'], self.sub_id)
            self.assertEqual(body['state'], 'TODO')
            self.assertTrue(body['new'])
            self.assertEqual(body['priority'], 'L')
            self.assertTrue(body['task_id'])

    def test_04_wait_for_folds(self):
        seen = []
        records = dc.wait_for_folds(URL, USER, PASSWORD, self.fold_ids, timeout=FOLD_TIMEOUT,
                                    poll=0.2, on_progress=seen.append)
        self.assertEqual([r['databoard_sf_id'] for r in records], self.fold_ids)
        self.assertEqual([r['state'] for r in records], ['TESTED'] * 5,
                         [post_api.get_submission_fold_detail(URL, USER, PASSWORD, i).json()['log_messages']
                          for i in self.fold_ids])
        self.assertTrue(all(r['new'] for r in records))
        self.assertTrue(seen)
        self.assertEqual([r['state'] for r in seen[-1]], ['TESTED'] * 5)
        self.assertEqual(dc.format_progress(seen[-1]), '5/5 done (TESTED 5)')

    def test_05_get_prediction_new(self):
        r = post_api.get_prediction_new(URL, USER, PASSWORD, self.raw_data_id)
        self.assertEqual(r.status_code, 200, r.text)
        records = r.json()
        self.assertEqual(sorted(p['databoard_sf_id'] for p in records), self.fold_ids)
        for p in records:
            self.assertEqual(p['state'], 'TESTED')
            self.assertEqual(p['databoard_s'], self.sub_id)
            for field in ('test_predictions', 'full_train_predictions', 'log_messages', 'train_time',
                          'validation_time', 'test_time', 'train_cpu_time', 'test_cpu_time',
                          'train_memory', 'test_memory'):
                self.assertIn(field, p)
            self.assertGreater(p['train_time'], 0)
        # handed out: not new any more
        again = post_api.get_prediction_new(URL, USER, PASSWORD, self.raw_data_id)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json(), [])
        light = post_api.get_submission_fold_light(URL, USER, PASSWORD)
        self.assertEqual(light.status_code, 200)
        mine = [f for f in light.json() if f['databoard_sf_id'] in self.fold_ids]
        self.assertEqual(len(mine), 5)
        self.assertFalse(any(f['new'] for f in mine))

    def test_06_get_prediction_list_matches_scikit_learn(self):
        r = post_api.get_prediction_list(URL, USER, PASSWORD, self.fold_ids)
        self.assertEqual(r.status_code, 200, r.text)
        by_id = {p['databoard_sf_id']: p for p in r.json()}
        self.assertEqual(sorted(by_id), self.fold_ids)
        n_classes = len(np.unique(self.y_train))
        for k, (train_is, _) in enumerate(self.folds):
            p = by_id[self.fold_ids[k]]
            exp_test, exp_train = expected_rf(self.X_train, self.y_train, self.X_test, train_is)
            test = dc.predictions_array(p, raw_data=self.raw_data)
            full = dc.predictions_array(p, 'full_train_predictions', raw_data=self.raw_data)
            self.assertEqual(test.shape, (len(self.y_test), n_classes))
            self.assertEqual(full.shape, (len(self.y_train), n_classes))
            np.testing.assert_allclose(test, exp_test, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(full, exp_train, rtol=1e-12, atol=1e-12)
            # the plain decoders agree
            flat = dc.decode_predictions(p['test_predictions'])
            self.assertEqual(flat.shape, (len(self.y_test) * n_classes,))
            np.testing.assert_array_equal(dc.decode_predictions(p['test_predictions'], n_classes), test)
            np.testing.assert_array_equal(dc.predictions_array(p, n_rows=len(self.y_test)), test)

    def test_07_submission_fold_endpoints(self):
        listed = post_api.get_submission_fold(URL, USER, PASSWORD)
        self.assertEqual(listed.status_code, 200)
        self.assertTrue(set(self.fold_ids) <= {f['databoard_sf_id'] for f in listed.json()})
        for k, (train_is, test_is) in enumerate(self.folds):
            r = post_api.get_submission_fold_detail(URL, USER, PASSWORD, self.fold_ids[k])
            self.assertEqual(r.status_code, 200, r.text)
            fold = r.json()
            self.assertEqual(fold['state'], 'TESTED')
            np.testing.assert_array_equal(dc.decode_indices(fold['train_is']), train_is)
            np.testing.assert_array_equal(dc.decode_indices(fold['test_is']), test_is)
        unknown = post_api.get_submission_fold_detail(URL, USER, PASSWORD, 2 ** 31 - 1)
        self.assertEqual(unknown.status_code, 404)

    def test_08_existing_fold_without_force_is_refused(self):
        train_is, test_is = self.folds[0]
        r = post_api.post_submission_fold(URL, USER, PASSWORD, self.sub_id, self.fold_ids[0],
                                          train_is[:10], test_is)
        self.assertEqual(r.status_code, 400, r.text)
        self.assertIn('error', r.json())
        fold = post_api.get_submission_fold_detail(URL, USER, PASSWORD, self.fold_ids[0]).json()
        self.assertEqual(fold['state'], 'TESTED')
        np.testing.assert_array_equal(dc.decode_indices(fold['train_is']), train_is)

    def test_09_force_submission_fold_reruns_it(self):
        fold_id = self.fold_ids[0]
        train_is = np.arange(0, 60)          # a new fold: the first half of the train set
        test_is = np.arange(60, self.raw_data['n_train'])
        r = post_api.post_submission_fold(URL, USER, PASSWORD, self.sub_id, fold_id, train_is, test_is,
                                          priority='H', force='submission_fold')
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(r.json()['state'], 'TODO')
        self.assertEqual(r.json()['priority'], 'H')
        self.assertTrue(r.json()['new'])
        [final] = dc.wait_for_folds(URL, USER, PASSWORD, [fold_id], timeout=FOLD_TIMEOUT, poll=0.2)
        self.assertEqual(final['state'], 'TESTED')
        [p] = post_api.get_prediction_new(URL, USER, PASSWORD, self.raw_data_id).json()
        self.assertEqual(p['databoard_sf_id'], fold_id)
        exp_test, _ = expected_rf(self.X_train, self.y_train, self.X_test, train_is)
        np.testing.assert_allclose(dc.predictions_array(p, raw_data=self.raw_data), exp_test,
                                   rtol=1e-12, atol=1e-12)

    def test_10_force_submission_replaces_its_files(self):
        sub_id = self.sub_id + 100
        fold_id = self.sub_id + 100
        train_is, test_is = self.folds[1]
        ten = self.classifier
        if not os.path.isdir(os.path.join(self.tmp, 'five')):
            os.mkdir(os.path.join(self.tmp, 'five'))
        five = self.write('five/classifier.py', CLASSIFIER_5_PY)
        r = post_api.post_submission_fold(URL, USER, PASSWORD, sub_id, fold_id, train_is, test_is,
                                          raw_data_id=self.raw_data_id, list_submission_files=[ten])
        self.assertEqual(r.status_code, 201, r.text)
        dc.wait_for_folds(URL, USER, PASSWORD, [fold_id], timeout=FOLD_TIMEOUT, poll=0.2)
        # other files for a known submission, without force: refused
        r = post_api.post_submission_fold(URL, USER, PASSWORD, sub_id, fold_id + 1, train_is, test_is,
                                          raw_data_id=self.raw_data_id, list_submission_files=[five])
        self.assertEqual(r.status_code, 400, r.text)
        r = post_api.post_submission_fold(URL, USER, PASSWORD, sub_id, fold_id, train_is, test_is,
                                          raw_data_id=self.raw_data_id, list_submission_files=[five],
                                          force='submission, submission_fold')
        self.assertEqual(r.status_code, 201, r.text)
        [final] = dc.wait_for_folds(URL, USER, PASSWORD, [fold_id], timeout=FOLD_TIMEOUT, poll=0.2)
        self.assertEqual(final['state'], 'TESTED')
        [p] = post_api.get_prediction_list(URL, USER, PASSWORD, [fold_id]).json()
        exp_test, _ = expected_rf(self.X_train, self.y_train, self.X_test, train_is, n_estimators=5)
        np.testing.assert_allclose(dc.predictions_array(p, raw_data=self.raw_data), exp_test,
                                   rtol=1e-12, atol=1e-12)

    def test_11_module_is_importable_both_ways(self):
        import datarun_client as as_module
        from datarun_client import post_api as submodule
        for name in ('post_data', 'post_split', 'custom_post_split', 'post_submission_fold',
                     'get_prediction_list', 'get_prediction_new', 'get_raw_data',
                     'get_submission_fold', 'get_submission_fold_light', 'get_submission_fold_detail'):
            self.assertIs(getattr(as_module, name), getattr(submodule, name))


class TestClientObject(_TempDirMixin, unittest.TestCase):
    """The object API: bearer tokens, additions, errors raised as DatarunError."""

    @classmethod
    def setUpClass(cls):
        cls.make_tmp()
        cls.client = dc.Client(URL, USER, PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        super(TestClientObject, cls).tearDownClass()

    def test_bearer_token_lifecycle(self):
        created = self.client.create_token('client-test-' + suffix())
        self.assertTrue(created['token'])
        self.assertIsNone(created['revoked_at'])
        with dc.Client(URL, token=created['token']) as bearer:
            self.assertIsInstance(bearer.raw_data_list(), list)
            self.assertIn(created['id'], [t['id'] for t in bearer.tokens()])
            self.assertEqual(bearer.health()['status'], 'ok')
            self.client.revoke_token(created['id'])
            with self.assertRaises(dc.DatarunError) as cm:
                bearer.raw_data_list()
            self.assertEqual(cm.exception.status, 401)
        revoked = [t for t in self.client.tokens() if t['id'] == created['id']]
        self.assertTrue(revoked and revoked[0]['revoked_at'])
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.revoke_token(created['id'])
        self.assertEqual(cm.exception.status, 404)

    def test_wrong_password_is_401(self):
        with dc.Client(URL, USER, PASSWORD + '-wrong') as bad:
            with self.assertRaises(dc.DatarunError) as cm:
                bad.runners()
        self.assertEqual(cm.exception.status, 401)
        self.assertTrue(cm.exception.message)

    def test_duplicate_dataset_name_is_a_400_with_message(self):
        name = 'dup-' + suffix()
        first = self.client.create_raw_data(name, 'species', 'classifier', [IRIS_CSV])
        self.assertEqual(first['name'], name)
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.create_raw_data(name, 'species', 'classifier', [IRIS_CSV])
        err = cm.exception
        self.assertEqual(err.status, 400)
        self.assertIn('RawData with this name already exists', err.message)
        self.assertIn('RawData with this name already exists', str(err))
        self.assertIn('name', err.fields)
        # the post_api function answers the same, without raising
        r = post_api.post_data(URL, USER, PASSWORD, name, 'species', 'classifier', IRIS_CSV)
        self.assertEqual(r.status_code, 400)
        self.assertIn('RawData with this name already exists', r.text)

    def test_bad_requests_raise(self):
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.submission_fold(2 ** 31 - 1)
        self.assertEqual(cm.exception.status, 404)
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.split(2 ** 31 - 1, 0.2)
        self.assertEqual(cm.exception.status, 404)
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.raw_data(2 ** 31 - 1)
        self.assertEqual(cm.exception.status, 404)
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.create_raw_data('bad-target-' + suffix(), 'no_such_column', 'classifier', [IRIS_CSV])
        self.assertEqual(cm.exception.status, 400)
        self.assertIn('target_column', cm.exception.fields)
        # several files without a .py: 406 (the old service's answer), through both APIs
        a = self.write('a.csv', 'x,y\n1,2\n')
        b = self.write('b.csv', 'x,y\n3,4\n')
        r = post_api.post_data(URL, USER, PASSWORD, 'two-' + suffix(), 'y', 'regressor', a, [b])
        self.assertEqual(r.status_code, 406, r.text)
        self.assertIn('error', r.json())
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.post_data('two-' + suffix(), 'y', 'regressor', a, [b])
        self.assertEqual(cm.exception.status, 406)

    def test_runners_and_dataset_detail(self):
        runners = self.client.runners()
        self.assertTrue(runners, 'the service runs no runner')
        self.assertIn('slots', runners[0])
        name = 'detail-' + suffix()
        with open(IRIS_CSV, 'rb') as f:
            content = f.read()
        created = self.client.create_raw_data(name, 'species', 'classifier', {'whatever.csv': content})
        detail = self.client.raw_data(created['id'])
        self.assertEqual(detail['name'], name)
        self.assertFalse(detail['split_done'])
        self.assertIsNone(detail['split'])
        self.assertEqual([f['filename'] for f in detail['files']], [name + '.csv'])
        self.assertEqual(self.client.find_raw_data(name)['id'], created['id'])
        self.assertIsNone(self.client.find_raw_data('no-such-' + suffix()))
        with self.assertRaises(dc.DatarunError):
            self.client.wait_for_split(created['id'], timeout=5)   # no split requested

    def test_cancel_a_waiting_fold(self):
        # a fold of a dataset not split yet waits: cancel it, then cancel again (409)
        ds = self.client.create_raw_data('cancel-' + suffix(), 'species', 'classifier', [IRIS_CSV])
        classifier = self.write('classifier.py', CLASSIFIER_PY)
        fold_id = random_id_base()
        fold = self.client.create_submission_fold(fold_id, fold_id, np.arange(10), np.arange(10, 20),
                                                  raw_data_id=ds['id'], files=[classifier])
        self.assertEqual(fold['state'], 'TODO')
        detail = self.client.submission_fold(fold_id)
        self.assertTrue(detail['waiting_for_split'])
        cancelled = self.client.cancel_submission_fold(fold_id)
        self.assertEqual(cancelled['state'], 'ERROR')
        self.assertEqual(cancelled['error_kind'], 'cancelled')
        [light] = self.client.wait_for_folds([fold_id], timeout=30)
        self.assertEqual(light['state'], 'ERROR')
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.cancel_submission_fold(fold_id)
        self.assertEqual(cm.exception.status, 409)
        sub = self.client.submission(fold_id)
        self.assertEqual(sub['raw_data'], ds['id'])
        self.assertIn(fold_id, sub['folds'])
        self.assertEqual([f['filename'] for f in sub['files']], ['classifier.py'])
        self.assertIn(fold_id, [s['databoard_s_id'] for s in self.client.submissions()])

    def test_wait_for_unknown_fold_raises(self):
        with self.assertRaises(dc.DatarunError) as cm:
            self.client.wait_for_folds([2 ** 31 - 2], timeout=5)
        self.assertEqual(cm.exception.status, 404)

    def test_boston_regressor_gives_a_1d_array(self):
        regressor = self.write('regressor.py', REGRESSOR_PY)
        ds = self.client.create_raw_data('boston-' + suffix(), 'medv', 'regressor', [BOSTON_CSV])
        self.client.split(ds['id'], 0.2)
        ds = self.client.wait_for_split(ds['id'], timeout=120)
        X_train, y_train, X_test, y_test = local_split(BOSTON_CSV, 'medv')
        self.assertEqual((ds['n_train'], ds['n_test']), (len(y_train), len(y_test)))
        train_is, test_is = kfold(ds['n_train'])[0]
        fold_id = random_id_base()
        created = self.client.create_submission_fold(fold_id, fold_id, train_is, test_is, priority='H',
                                                     raw_data_id=ds['id'], files=[regressor])
        self.assertEqual(created['priority'], 'H')
        [light] = self.client.wait_for_folds([fold_id], timeout=FOLD_TIMEOUT, poll=0.2)
        self.assertEqual(light['state'], 'TESTED', self.client.submission_fold(fold_id)['log_messages'])
        [p] = self.client.predictions_new(ds['id'])
        test = self.client.predictions_array(p)                    # n_test fetched from the service
        full = self.client.predictions_array(p, 'full_train_predictions')
        self.assertEqual(test.shape, (len(y_test),))
        self.assertEqual(full.shape, (len(y_train),))
        from sklearn.linear_model import LinearRegression
        reg = LinearRegression().fit(X_train[train_is], y_train[train_is])
        np.testing.assert_allclose(test, reg.predict(X_test), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(full, reg.predict(X_train), rtol=1e-9, atol=1e-9)
        # the module-level helper fetches through a client too
        np.testing.assert_array_equal(dc.predictions_array(p, client=self.client), test)
        self.assertEqual(self.client.predictions_new(ds['id']), [])
        [again] = self.client.predictions_list([fold_id])
        self.assertFalse(again['new'])


class TestCustomDataset(_TempDirMixin, unittest.TestCase):
    """post_data with a specific.py among the extra files, then custom_post_split."""

    @classmethod
    def setUpClass(cls):
        cls.make_tmp()
        cls.data_file = os.path.join(cls.tmp, 'flowers.csv')
        shutil.copy(IRIS_CSV, cls.data_file)
        cls.specific = cls.write('flowers_datarun.py', SPECIFIC_PY)
        cls.classifier = cls.write('classifier.py', CLASSIFIER_PY)

    def test_custom_dataset_flow(self):
        name = 'custom-' + suffix()
        r = post_api.post_data(URL, USER, PASSWORD, name, 'species', 'classifier', self.data_file,
                               extra_files=[self.specific])
        self.assertEqual(r.status_code, 201, r.text)
        raw = r.json()
        self.assertTrue(raw['is_custom'])
        client = dc.Client(URL, USER, PASSWORD)
        names = sorted(f['filename'] for f in client.raw_data(raw['id'])['files'])
        self.assertEqual(names, ['flowers.csv', 'specific.py'])
        # a custom dataset is split with customsplit, not split
        refused = post_api.post_split(URL, USER, PASSWORD, 0.2, raw['id'])
        self.assertEqual(refused.status_code, 400, refused.text)
        r = post_api.custom_post_split(URL, USER, PASSWORD, raw['id'])
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(r.json()['task_id'])
        record = dc.wait_for_split(URL, USER, PASSWORD, raw['id'], timeout=120)
        self.assertTrue(record['split_done'])
        self.assertEqual(record['split']['kind'], 'customsplit')

        fold_id = random_id_base()
        train_is, test_is = np.arange(0, 80), np.arange(80, 110)
        r = post_api.post_submission_fold(URL, USER, PASSWORD, fold_id, fold_id, train_is, test_is,
                                          raw_data_id=raw['id'], list_submission_files=[self.classifier])
        self.assertEqual(r.status_code, 201, r.text)
        [light] = dc.wait_for_folds(URL, USER, PASSWORD, [fold_id], timeout=FOLD_TIMEOUT, poll=0.2)
        self.assertEqual(light['state'], 'TESTED', client.submission_fold(fold_id)['log_messages'])
        [p] = post_api.get_prediction_list(URL, USER, PASSWORD, [fold_id]).json()

        # what specific.py computes, locally
        from sklearn.ensemble import RandomForestClassifier
        df = pd.read_csv(self.data_file).sample(frac=1, random_state=0)
        train, test = df.iloc[:110], df.iloc[110:]
        X, y = train.drop(columns=['species']).values, train['species'].values
        clf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[train_is], y[train_is])
        expected = clf.predict_proba(test.drop(columns=['species']).values)
        got = dc.predictions_array(p, n_rows=len(test))
        self.assertEqual(got.shape, (len(test), 3))
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        # once a fold has run, the service knows the row counts of a custom dataset too
        np.testing.assert_array_equal(client.predictions_array(p), got)
        client.close()


if __name__ == '__main__':
    unittest.main()
