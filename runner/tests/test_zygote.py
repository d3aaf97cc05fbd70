"""End-to-end tests of runner/zygote.py, driven over its JSON-lines protocol
the way the Node service does.

Run:  cd /work/main && /usr/bin/python3 -m unittest discover -s runner/tests -v
"""

import base64
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import zlib

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split

RUNNER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZYGOTE = os.path.join(RUNNER, 'zygote.py')
PYTHON = '/usr/bin/python3'
IRIS = '/work/shared/data/iris.csv'
BOSTON = '/work/shared/data/boston_housing.csv'
SECRET = 'postgres://datarun:Zq8-very-secret-pw-4711@db:5432/datarun'

BASE = None


def setUpModule():
    global BASE
    BASE = tempfile.mkdtemp(prefix='datarun-runner-test-')   # 0700


def tearDownModule():
    shutil.rmtree(BASE, ignore_errors=True)


def enc_idx(idx):
    return base64.b64encode(zlib.compress(
        np.asarray(idx, dtype='<i8').tobytes())).decode()


def dec_pred(s):
    return np.frombuffer(zlib.decompress(base64.b64decode(s)), dtype='<f8')


CLASSIFIER_RF = '''
from sklearn.ensemble import RandomForestClassifier

class Classifier(object):
    def __init__(self):
        self.clf = RandomForestClassifier(n_estimators=10, random_state=0)

    def fit(self, X, y):
        self.clf.fit(X, y)

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
'''

CALIBRATOR = '''
from sklearn.linear_model import LogisticRegression

class Calibrator(object):
    def __init__(self):
        self.lr = LogisticRegression(max_iter=1000)

    def fit(self, y_proba, y):
        self.lr.fit(y_proba, y)

    def predict_proba(self, y_proba):
        return self.lr.predict_proba(y_proba)
'''

FEATURE_EXTRACTOR = '''
import numpy as np

class FeatureExtractor(object):
    def fit(self, X_df, y):
        self.mean = X_df.mean(axis=0).values

    def transform(self, X_df):
        v = X_df.values.astype(float)
        return np.hstack([v, v - self.mean, (v ** 2).sum(axis=1)[:, None]])
'''

REGRESSOR_RF = '''
from sklearn.ensemble import RandomForestRegressor

class Regressor(object):
    def __init__(self):
        self.reg = RandomForestRegressor(n_estimators=10, random_state=0)

    def fit(self, X, y):
        self.reg.fit(X, y)

    def predict(self, X):
        return self.reg.predict(X)
'''


def hostile(fit_body, imports='import os, sys, time'):
    """A Classifier whose fit runs fit_body, then behaves like CLASSIFIER_RF."""
    return imports + '\n' + CLASSIFIER_RF.replace(
        '    def fit(self, X, y):\n',
        '    def fit(self, X, y):\n' + textwrap.indent(
            textwrap.dedent(fit_body), ' ' * 8) + '\n')


SPECIFIC = '''
import importlib
import os
import numpy as np
import pandas as pd

def prepare_data(data_dir):
    df = pd.read_csv(os.path.join(data_dir, 'raw.csv'))
    rng = np.random.RandomState(0)
    perm = rng.permutation(len(df))
    df.iloc[perm[:110]].to_csv(os.path.join(data_dir, 'tr.csv'), index=False)
    df.iloc[perm[110:]].to_csv(os.path.join(data_dir, 'te.csv'), index=False)
    print('prepared', len(df))

def _read(path):
    df = pd.read_csv(path)
    return df.drop(columns=['species']).values, df['species'].values

def get_train_data(data_dir):
    return _read(os.path.join(data_dir, 'tr.csv'))

def get_test_data(data_dir):
    return _read(os.path.join(data_dir, 'te.csv'))

def train_submission(module_path, X, y, train_is):
    classifier = importlib.import_module('.classifier', module_path)
    clf = classifier.Classifier()
    clf.fit(X[train_is], y[train_is])
    return clf

def test_submission(trained_model, X, test_is):
    return trained_model.predict_proba(X[test_is])
'''


class Zygote(object):
    """A zygote subprocess plus a reader thread collecting its events."""

    def __init__(self, extra_env=None, prefix=()):
        env = dict(os.environ)
        env.update({'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1',
                    'NUMEXPR_NUM_THREADS': '1', 'MALLOC_ARENA_MAX': '2',
                    'DATABASE_URL': SECRET, 'DATARUN_PASSWORD': SECRET})
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            list(prefix) + [PYTHON, ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, cwd=RUNNER)
        self.events = queue.Queue()
        self.pending = []
        self.raw_lines = []
        self.stderr = []
        self.t = threading.Thread(target=self._reader, daemon=True)
        self.t.start()
        self.t2 = threading.Thread(target=self._err_reader, daemon=True)
        self.t2.start()
        self.ready = self.wait(lambda e: e['event'] == 'ready', 60)
        self.counter = 0

    def _reader(self):
        for line in self.proc.stdout:
            self.raw_lines.append(line)
            self.events.put(json.loads(line.decode()))   # must be JSON
        self.events.put(None)

    def _err_reader(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def send(self, cmd):
        self.proc.stdin.write((json.dumps(cmd) + '\n').encode())
        self.proc.stdin.flush()

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait(self, pred, timeout=60):
        for i, e in enumerate(self.pending):
            if pred(e):
                return self.pending.pop(i)
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                raise AssertionError('timed out waiting for an event; got '
                                     '%r; stderr %r' % (self.pending,
                                                        self.stderr[-20:]))
            try:
                e = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if e is None:
                raise AssertionError('zygote exited; stderr: %r'
                                     % b''.join(self.stderr[-50:]))
            if pred(e):
                return e
            self.pending.append(e)

    def result(self, job_id, timeout=60):
        return self.wait(lambda e: e.get('job_id') == job_id and
                         e['event'] in ('result', 'error'), timeout)

    def new_id(self, prefix='job'):
        self.counter += 1
        return '%s-%d' % (prefix, self.counter)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send({'op': 'shutdown'})
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass


def procs_of(uid=None, pgid=None):
    """Living (non-zombie) processes with that real uid or process group."""
    out = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            with open('/proc/%s/status' % name) as f:
                puid = next(int(line.split()[1]) for line in f
                            if line.startswith('Uid:'))
        except (OSError, StopIteration, IndexError, ValueError):
            continue
        if fields[0] == 'Z':
            continue
        if (uid is not None and puid == uid) or \
                (pgid is not None and int(fields[2]) == pgid):
            out.append(int(name))
    return out


def make_dir(*parts):
    d = os.path.join(BASE, *parts)
    os.makedirs(d, exist_ok=True)
    return d


def write_submission(name, files):
    d = make_dir('subs', name)
    for fname, content in files.items():
        with open(os.path.join(d, fname), 'w') as f:
            f.write(content)
    return d


def split_with(z, data_file, out_dir, test_size=0.2, rs=42):
    jid = z.new_id('split')
    z.send({'op': 'split', 'job_id': jid, 'data_file': data_file,
            'held_out_test': test_size, 'random_state': rs,
            'out_dir': out_dir, 'limits': {'timeout_s': 60}})
    return z.result(jid)


class DatasetCase(unittest.TestCase):
    """One zygote per (dataset, workflow), as in the service."""
    data_file = IRIS
    target = 'species'
    elements = 'classifier'
    kind = 'standard'
    zygote = None

    @classmethod
    def setUpClass(cls):
        cls.name = cls.__name__
        cls.ds_dir = make_dir(cls.name, 'dataset')
        cls.prep_dir = os.path.join(BASE, cls.name, 'prepared')
        cls.zygote = Zygote()
        cls.setup_dataset()
        jid = cls.zygote.new_id('load')
        cls.zygote.send({'op': 'load', 'job_id': jid, 'kind': cls.kind,
                         'dataset_dir': cls.ds_dir,
                         'target_column': cls.target,
                         'workflow_elements': cls.elements,
                         'prepared_dir': cls.prep_dir})
        cls.loaded = cls.zygote.result_or_loaded = cls.zygote.wait(
            lambda e: e.get('job_id') == jid, 60)
        assert cls.loaded['event'] == 'loaded', cls.loaded

    @classmethod
    def setup_dataset(cls):
        res = split_with(cls.zygote, cls.data_file, cls.ds_dir)
        assert res['event'] == 'result' and res['ok'], res
        os.chmod(cls.ds_dir, 0o700)
        cls.train = pd.read_csv(os.path.join(cls.ds_dir, 'train.csv'))
        cls.test = pd.read_csv(os.path.join(cls.ds_dir, 'test.csv'))

    @classmethod
    def tearDownClass(cls):
        if cls.zygote is not None:
            cls.zygote.close()

    # helpers
    def run_fold(self, submission_dir, train_is, limits=None, wait=True,
                 job_id=None):
        z = self.zygote
        jid = job_id or z.new_id('fold')
        ws = os.path.join(BASE, self.name, 'ws', jid)
        lim = {'memory_mb': 2048, 'timeout_s': 60, 'nofile': 256,
               'nproc': 256, 'fsize_mb': 64}
        lim.update(limits or {})
        z.send({'op': 'run', 'job_id': jid, 'submission_dir': submission_dir,
                'workspace': ws, 'train_is': enc_idx(train_is),
                'limits': lim})
        if not wait:
            return jid, ws
        return z.result(jid, 90), ws

    def assert_gone(self, res, ws=None):
        deadline = time.time() + 3
        while True:
            left = procs_of(uid=res.get('uid'), pgid=res.get('pid'))
            if not left or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(left, [], 'processes of the job survive')
        if ws is not None:
            self.assertFalse(os.path.exists(ws), 'workspace not removed')

    def default_train_is(self):
        rng = np.random.RandomState(1)
        n = len(self.train)
        return np.sort(rng.permutation(n)[:int(0.8 * n)])


# --------------------------------------------------------------- standard

class IrisClassifierTest(DatasetCase):
    elements = 'classifier'

    @classmethod
    def setUpClass(cls):
        super(IrisClassifierTest, cls).setUpClass()
        cls.good = write_submission('iris_rf', {'classifier.py':
                                                CLASSIFIER_RF})

    def expected(self, train_is):
        X = self.train.drop(columns=['species'])
        y = self.train['species']
        Xt = self.test.drop(columns=['species'])
        clf = RandomForestClassifier(n_estimators=10, random_state=0)
        clf.fit(X.values[train_is], y.values[train_is])
        return clf.predict_proba(X.values), clf.predict_proba(Xt.values)

    def check_good_fold(self):
        train_is = self.default_train_is()
        res, ws = self.run_fold(self.good, train_is)
        self.assertTrue(res['ok'], res)
        full, test = self.expected(train_is)
        np.testing.assert_array_equal(
            dec_pred(res['full_train_predictions']), full.ravel())
        np.testing.assert_array_equal(
            dec_pred(res['test_predictions']), test.ravel())
        self.assert_gone(res, ws)
        return res

    def test_ready_event(self):
        r = self.zygote.ready
        self.assertEqual(r['python'], '3.11.2')
        self.assertEqual(r['sklearn'], __import__('sklearn').__version__)
        self.assertEqual(r['pid'], self.zygote.proc.pid)
        sb = r['sandbox']
        for k in ('root', 'netns', 'pidns', 'mountns', 'setuid'):
            self.assertIsInstance(sb[k], bool)
        self.assertIsInstance(sb['warnings'], list)
        if os.geteuid() == 0:
            self.assertTrue(sb['root'])

    def test_zygote_single_threaded(self):
        self.assertEqual(
            len(os.listdir('/proc/%d/task' % self.zygote.proc.pid)), 1)

    def test_split_equals_sklearn(self):
        df = pd.read_csv(IRIS)
        tr, te = train_test_split(df, test_size=0.2, random_state=42)
        with open(os.path.join(self.ds_dir, 'train.csv')) as f:
            self.assertEqual(f.read(), tr.to_csv(index=False))
        with open(os.path.join(self.ds_dir, 'test.csv')) as f:
            self.assertEqual(f.read(), te.to_csv(index=False))
        # another split, other parameters
        out = make_dir(self.name, 'split2')
        res = split_with(self.zygote, BOSTON, out, 0.3, 7)
        self.assertTrue(res['ok'], res)
        df = pd.read_csv(BOSTON)
        tr, te = train_test_split(df, test_size=0.3, random_state=7)
        pd.testing.assert_frame_equal(
            pd.read_csv(os.path.join(out, 'train.csv')),
            tr.reset_index(drop=True))
        with open(os.path.join(out, 'test.csv')) as f:
            self.assertEqual(f.read(), te.to_csv(index=False))

    def test_fold_bit_for_bit(self):
        z = self.zygote
        train_is = self.default_train_is()
        jid, ws = self.run_fold(self.good, train_is, wait=False)
        p1 = z.wait(lambda e: e.get('job_id') == jid, 60)
        self.assertEqual((p1['event'], p1.get('state')),
                         ('progress', 'TRAINED'))
        p2 = z.wait(lambda e: e.get('job_id') == jid, 60)
        self.assertEqual((p2['event'], p2.get('state')),
                         ('progress', 'VALIDATED'))
        res = z.result(jid)
        self.assertTrue(res['ok'], res)
        full, test = self.expected(train_is)
        got = dec_pred(res['full_train_predictions'])
        self.assertEqual(got.size, len(self.train) * 3)
        np.testing.assert_array_equal(got, full.ravel())
        np.testing.assert_array_equal(dec_pred(res['test_predictions']),
                                      test.ravel())
        m = res['metrics']
        for k in ('train_time', 'validation_time', 'test_time',
                  'train_cpu_time', 'test_cpu_time', 'train_memory',
                  'test_memory', 'cpu_time_total', 'wall_time_total'):
            self.assertIsInstance(m[k], (int, float), k)
            self.assertGreaterEqual(m[k], 0, k)
        # job's own peak, not the ~100 MB inherited from the zygote
        self.assertLess(m['train_memory'], 50000)
        self.assertGreater(m['cpu_time_total'], 0)
        self.assert_gone(res, ws)

    def test_two_jobs_at_once(self):
        z = self.zygote
        a = np.arange(0, len(self.train), 2)
        b = np.arange(1, len(self.train), 2)
        slow = write_submission('iris_slow', {'classifier.py': hostile(
            'time.sleep(1.0)')})
        ja, wsa = self.run_fold(slow, a, wait=False)
        jb, wsb = self.run_fold(slow, b, wait=False)
        t0 = time.time()
        ra, rb = z.result(ja), z.result(jb)
        self.assertLess(time.time() - t0, 1.9)   # ran concurrently
        for res, idx in ((ra, a), (rb, b)):
            self.assertTrue(res['ok'], res)
            full, test = self.expected(idx)
            np.testing.assert_array_equal(
                dec_pred(res['full_train_predictions']), full.ravel())
            np.testing.assert_array_equal(
                dec_pred(res['test_predictions']), test.ravel())
            self.assert_gone(res)
        if z.ready['sandbox']['setuid']:
            self.assertNotEqual(ra['uid'], rb['uid'])

    def test_malformed_commands(self):
        z = self.zygote
        z.send_raw(b'this is not json\n')
        e = z.wait(lambda e: e['event'] == 'error' and e['job_id'] is None)
        self.assertIn('JSON', e['error'])
        z.send({'op': 'fly', 'job_id': 'x1'})
        self.assertEqual(z.result('x1')['event'], 'error')
        z.send({'op': 'run', 'job_id': 'x2', 'submission_dir': 'relative'})
        self.assertEqual(z.result('x2')['event'], 'error')
        z.send({'op': 'cancel', 'job_id': 'nope'})
        self.assertEqual(z.result('nope')['event'], 'error')
        z.send({'op': 'load', 'job_id': 'x3', 'kind': 'standard',
                'dataset_dir': self.ds_dir, 'target_column': 'species',
                'workflow_elements': 'classifier',
                'prepared_dir': self.prep_dir})
        self.assertIn('already loaded', z.result('x3')['error'])
        self.check_good_fold()

    def test_submission_error(self):
        bad = write_submission('iris_raise', {'classifier.py': hostile(
            'print("about to fail"); raise ValueError("boom")')})
        res, ws = self.run_fold(bad, self.default_train_is())
        self.assertFalse(res['ok'])
        self.assertEqual(res['error_kind'], 'submission')
        self.assertEqual(res['state_reached'], 'TODO')
        self.assertIn('ValueError: boom', res['error'])
        self.assertIn('about to fail', res['log'])
        self.assert_gone(res, ws)
        # wrong prediction count
        short = write_submission('iris_short', {'classifier.py':
                                                CLASSIFIER_RF.replace(
            'return self.clf.predict_proba(X)',
            'return self.clf.predict_proba(X)[:-1]')})
        res, ws = self.run_fold(short, self.default_train_is())
        self.assertEqual(res['error_kind'], 'submission')
        self.assertEqual(res['state_reached'], 'TRAINED')
        self.assertIn('predictions for', res['error'])

    def test_log_is_last_64k_and_flood_does_not_stall(self):
        flood = write_submission('iris_flood', {'classifier.py': hostile(
            'sys.stdout.write("x" * 5000000); print("THE END")')})
        res, ws = self.run_fold(flood, self.default_train_is())
        self.assertTrue(res['ok'], res)
        self.assertLessEqual(len(res['log']), 64 * 1024)
        self.assertTrue(res['log'].rstrip().endswith('THE END'))

    # ---------------------------------------------------------- hostile
    def test_endless_loop_timeout(self):
        sub = write_submission('iris_loop', {'classifier.py': hostile(
            'while True:\n    pass')})
        t0 = time.time()
        res, ws = self.run_fold(sub, self.default_train_is(),
                                {'timeout_s': 2})
        self.assertLess(time.time() - t0, 6)
        self.assertFalse(res['ok'])
        self.assertEqual(res['error_kind'], 'timeout')
        self.assertEqual(res['state_reached'], 'TODO')
        self.assert_gone(res, ws)
        self.check_good_fold()

    def test_huge_allocation_memory(self):
        sub = write_submission('iris_alloc', {'classifier.py': hostile(
            'import numpy as np\nself.a = np.ones(100 * 2**30 // 8)')})
        res, ws = self.run_fold(sub, self.default_train_is())
        self.assertFalse(res['ok'])
        self.assertEqual(res['error_kind'], 'memory', res)
        self.assertIn('MemoryError', res['error'])
        self.assert_gone(res, ws)
        self.check_good_fold()

    def test_fork_bomb(self):
        sub = write_submission('iris_bomb', {'classifier.py': hostile('''
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.01)
        ''')})
        res, ws = self.run_fold(sub, self.default_train_is(),
                                {'timeout_s': 3, 'nproc': 40})
        self.assertFalse(res['ok'])
        self.assertEqual(res['error_kind'], 'timeout')
        self.assert_gone(res, ws)
        self.check_good_fold()

    def test_setsid_escape_killed_at_timeout(self):
        sub = write_submission('iris_setsid', {'classifier.py': hostile('''
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    while True:
                        time.sleep(1)
                os._exit(0)
            while True:
                time.sleep(1)
        ''')})
        res, ws = self.run_fold(sub, self.default_train_is(),
                                {'timeout_s': 2})
        self.assertEqual(res['error_kind'], 'timeout')
        if self.zygote.ready['sandbox']['pidns'] or \
                self.zygote.ready['sandbox']['setuid']:
            self.assert_gone(res, ws)
        self.check_good_fold()

    def test_setsid_child_gone_after_normal_end(self):
        sub = write_submission('iris_setsid2', {'classifier.py': hostile('''
            if os.fork() == 0:
                os.setsid()
                while True:
                    time.sleep(1)
        ''')})
        res, ws = self.run_fold(sub, self.default_train_is())
        self.assertTrue(res['ok'], res)
        if self.zygote.ready['sandbox']['pidns'] or \
                self.zygote.ready['sandbox']['setuid']:
            self.assert_gone(res, ws)

    def test_network_blocked(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(('127.0.0.1', 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        sub = write_submission('iris_net', {'classifier.py': hostile('''
            import socket
            for p in (5432, %d):
                try:
                    s = socket.create_connection(('127.0.0.1', p), timeout=2)
                    print('NET CONNECTED', p)
                except OSError as e:
                    print('NET FAILED', p, e)
        ''' % port)})
        res, ws = self.run_fold(sub, self.default_train_is())
        listener.close()
        self.assertTrue(res['ok'], res)
        if not self.zygote.ready['sandbox']['netns']:
            self.skipTest('no network namespace on this machine')
        self.assertNotIn('NET CONNECTED', res['log'])
        self.assertEqual(res['log'].count('NET FAILED'), 2, res['log'])

    def test_environment_scrubbed(self):
        sub = write_submission('iris_env', {'classifier.py': hostile('''
            print('ENV', dict(os.environ))
            print('PROCENV', open('/proc/self/environ', 'rb').read())
            # scan all our memory (inherited from the zygote) for the secret
            key = bytes(b ^ 1 for b in %r)
            ctl = bytes(b ^ 1 for b in %r)
            hits = {key: 0, ctl: 0}
            with open('/proc/self/maps') as f:
                maps = [l.split() for l in f]
            mem = open('/proc/self/mem', 'rb', 0)
            for m in maps:
                if not m[1].startswith('r') or (len(m) > 5 and
                                                m[5].startswith('[v')):
                    continue
                a, b = (int(x, 16) for x in m[0].split('-'))
                try:
                    mem.seek(a)
                    chunk = mem.read(b - a)
                except (OSError, ValueError, OverflowError):
                    continue
                for k in hits:
                    hits[k] += chunk.count(k)
                del chunk
            print('MEMSCAN', hits[key] - hits[ctl])
            print('HOME', os.environ.get('HOME'), os.getcwd())
        ''' % (bytes(b ^ 1 for b in SECRET[10:40].encode()),
               bytes(b ^ 1 for b in b'control-string-of-30-bytes-xyz')))})
        res, ws = self.run_fold(sub, self.default_train_is())
        self.assertTrue(res['ok'], res)
        log = res['log']
        self.assertIn('ENV', log)
        self.assertNotIn('very-secret', log)
        self.assertNotIn('DATABASE_URL', log)
        self.assertNotIn('DATARUN_PASSWORD', log)
        self.assertIn("'PATH': '/usr/bin:/bin'", log)
        self.assertIn('MEMSCAN 0', log)

    def test_filesystem_contained(self):
        # a root-only (0700) cache outside /tmp, like the service's
        cache = os.path.join(RUNNER, 'tests', '.cache-%d' % os.getpid())
        os.makedirs(os.path.join(cache, 'ds'))
        os.chmod(cache, 0o700)
        self.addCleanup(shutil.rmtree, cache, True)
        self.secret_file = os.path.join(cache, 'ds', 'test.csv')
        shutil.copyfile(IRIS, self.secret_file)
        tag = 'datarun-evil-%d' % os.getpid()
        targets = ['/tmp/' + tag, '/var/tmp/' + tag, '/dev/shm/' + tag,
                   '/work/' + tag, os.path.join(RUNNER, tag),
                   os.path.join(BASE, tag)]
        sub = write_submission('iris_fs', {'classifier.py': hostile('''
            for p in %r:
                try:
                    with open(p, 'w') as f:
                        f.write('x')
                    print('WROTE', p)
                except OSError as e:
                    print('DENIED', p, e.strerror)
            for p in %r:
                try:
                    open(p).read()
                    print('READ', p)
                except OSError as e:
                    print('NOREAD', p, e.strerror)
            with open('in-workspace.txt', 'w') as f:
                f.write('fine')
        ''' % (targets, [self.secret_file,
                         os.path.join(self.ds_dir, 'test.csv'),
                         os.path.join(self.prep_dir, 'train.pkl'),
                         '/etc/shadow']))})
        res, ws = self.run_fold(sub, self.default_train_is())
        self.assertTrue(res['ok'], res)
        for p in targets:
            self.assertFalse(os.path.exists(p), p + ' leaked out: ' +
                             res['log'])
        self.assertFalse([l for l in res['log'].splitlines()
                          if l.startswith('READ ')], res['log'])
        self.assertIn('NOREAD ' + self.secret_file, res['log'])
        self.assert_gone(res, ws)

    def test_cancel(self):
        z = self.zygote
        sub = write_submission('iris_cancel', {'classifier.py': hostile(
            'while True:\n    time.sleep(0.1)')})
        jid, ws = self.run_fold(sub, self.default_train_is(),
                                {'timeout_s': 600}, wait=False)
        time.sleep(0.5)
        z.send({'op': 'cancel', 'job_id': jid})
        res = z.result(jid, 10)
        self.assertFalse(res['ok'])
        self.assertEqual(res['error_kind'], 'cancelled')
        self.assert_gone(res, ws)
        self.check_good_fold()


class IrisCalibratorTest(DatasetCase):
    elements = 'classifier, calibrator'

    def test_calibrated_fold(self):
        sub = write_submission('iris_cal', {'classifier.py': CLASSIFIER_RF,
                                            'calibrator.py': CALIBRATOR})
        train_is = self.default_train_is()
        res, ws = self.run_fold(sub, train_is)
        self.assertTrue(res['ok'], res)
        # direct computation
        from sklearn.linear_model import LogisticRegression
        X = self.train.drop(columns=['species'])
        y = self.train['species']
        Xt = self.test.drop(columns=['species'])
        Xtr, ytr = X.values[train_is], y.values[train_is]
        tr_i, cal_i = next(StratifiedShuffleSplit(
            n_splits=1, test_size=0.1, random_state=57).split(Xtr, ytr))
        clf = RandomForestClassifier(n_estimators=10, random_state=0)
        clf.fit(Xtr[tr_i], ytr[tr_i])
        cal = LogisticRegression(max_iter=1000)
        cal.fit(clf.predict_proba(Xtr[cal_i]), ytr[cal_i])
        full = cal.predict_proba(clf.predict_proba(X.values))
        test = cal.predict_proba(clf.predict_proba(Xt.values))
        np.testing.assert_array_equal(
            dec_pred(res['full_train_predictions']), full.ravel())
        np.testing.assert_array_equal(dec_pred(res['test_predictions']),
                                      test.ravel())
        self.assert_gone(res, ws)


class IrisFeatureExtractorTest(DatasetCase):
    elements = 'feature_extractor, classifier'

    def test_fe_fold(self):
        sub = write_submission('iris_fe', {
            'feature_extractor.py': FEATURE_EXTRACTOR,
            'classifier.py': CLASSIFIER_RF})
        train_is = self.default_train_is()
        res, ws = self.run_fold(sub, train_is)
        self.assertTrue(res['ok'], res)
        ns = {}
        exec(FEATURE_EXTRACTOR, ns)
        X = self.train.drop(columns=['species'])
        y = self.train['species']
        Xt = self.test.drop(columns=['species'])
        fe = ns['FeatureExtractor']()
        fe.fit(X.iloc[train_is], y.iloc[train_is])
        clf = RandomForestClassifier(n_estimators=10, random_state=0)
        clf.fit(fe.transform(X.iloc[train_is]), y.values[train_is])
        np.testing.assert_array_equal(
            dec_pred(res['full_train_predictions']),
            clf.predict_proba(fe.transform(X)).ravel())
        np.testing.assert_array_equal(
            dec_pred(res['test_predictions']),
            clf.predict_proba(fe.transform(Xt)).ravel())


class BostonRegressorTest(DatasetCase):
    data_file = BOSTON
    target = 'medv'
    elements = 'regressor'

    def test_regressor_fold(self):
        sub = write_submission('boston_rf', {'regressor.py': REGRESSOR_RF})
        train_is = self.default_train_is()
        res, ws = self.run_fold(sub, train_is)
        self.assertTrue(res['ok'], res)
        X = self.train.drop(columns=['medv'])
        self.assertIn('Unnamed: 0', X.columns)
        y = self.train['medv']
        Xt = self.test.drop(columns=['medv'])
        reg = RandomForestRegressor(n_estimators=10, random_state=0)
        reg.fit(X.values[train_is], y.values[train_is])
        full = dec_pred(res['full_train_predictions'])
        self.assertEqual(full.shape, (len(self.train),))
        np.testing.assert_array_equal(full, reg.predict(X.values))
        np.testing.assert_array_equal(dec_pred(res['test_predictions']),
                                      reg.predict(Xt.values))
        self.assertEqual(self.loaded['n_train'], len(self.train))
        self.assertEqual(self.loaded['n_test'], len(self.test))


# ----------------------------------------------------------------- custom

class CustomDatasetTest(DatasetCase):
    kind = 'custom'
    elements = 'classifier'

    @classmethod
    def setup_dataset(cls):
        d = cls.ds_dir
        shutil.copyfile(IRIS, os.path.join(d, 'raw.csv'))
        with open(os.path.join(d, 'specific.py'), 'w') as f:
            f.write(SPECIFIC)
        os.chmod(d, 0o700)
        jid = cls.zygote.new_id('customsplit')
        cls.zygote.send({'op': 'customsplit', 'job_id': jid,
                         'dataset_dir': d, 'limits': {'timeout_s': 60}})
        cls.split_res = cls.zygote.result(jid)
        assert cls.split_res.get('ok'), cls.split_res

    def test_customsplit_wrote_files(self):
        self.assertIn('prepared 150', self.split_res['log'])
        for f in ('tr.csv', 'te.csv'):
            p = os.path.join(self.ds_dir, f)
            self.assertTrue(os.path.isfile(p))
            self.assertEqual(os.stat(p).st_uid, os.geteuid())
        self.assertEqual(self.loaded['n_train'], 110)
        self.assertEqual(self.loaded['n_test'], 40)
        self.assertTrue(os.path.isfile(os.path.join(self.prep_dir,
                                                    'test_X.pkl')))

    def test_custom_fold(self):
        sub = write_submission('custom_rf', {'classifier.py': CLASSIFIER_RF})
        train_is = np.arange(0, 110, 3)
        res, ws = self.run_fold(sub, train_is)
        self.assertTrue(res['ok'], res)
        ns = {'__name__': 'specific_direct'}
        exec(SPECIFIC, ns)
        X, y = ns['get_train_data'](self.ds_dir)
        Xt, yt = ns['get_test_data'](self.ds_dir)
        clf = RandomForestClassifier(n_estimators=10, random_state=0)
        clf.fit(X[train_is], y[train_is])
        np.testing.assert_array_equal(
            dec_pred(res['full_train_predictions']),
            clf.predict_proba(X).ravel())
        np.testing.assert_array_equal(dec_pred(res['test_predictions']),
                                      clf.predict_proba(Xt).ravel())
        self.assert_gone(res, ws)


class FallbackSandboxTest(DatasetCase):
    """Namespaces switched off (as on a host that refuses them): setsid +
    per-job uid + rlimits; escaped processes are swept by uid."""
    elements = 'classifier'

    @classmethod
    def setUpClass(cls):
        # without a mount namespace the workspace must be reachable by the
        # job uid through its absolute path
        os.chmod(BASE, 0o711)
        cls._orig_zygote = Zygote
        extra = {'DATARUN_SANDBOX_DISABLE':
                 'pidns,mountns,netns,ipcns,utsns'}
        globals()['Zygote'] = lambda: cls._orig_zygote(extra)
        try:
            super(FallbackSandboxTest, cls).setUpClass()
        finally:
            globals()['Zygote'] = cls._orig_zygote

    @classmethod
    def tearDownClass(cls):
        super(FallbackSandboxTest, cls).tearDownClass()
        os.chmod(BASE, 0o700)

    def test_fallback(self):
        sb = self.zygote.ready['sandbox']
        self.assertFalse(sb['pidns'] or sb['netns'] or sb['mountns'])
        self.assertTrue(any('PID namespace' in w for w in sb['warnings']))
        good = write_submission('fb_rf', {'classifier.py': CLASSIFIER_RF})
        res, ws = self.run_fold(good, self.default_train_is())
        self.assertTrue(res['ok'], res)
        self.assert_gone(res, ws)
        if not sb['setuid']:
            self.skipTest('no setuid: escaped processes cannot be swept')
        sub = write_submission('fb_setsid', {'classifier.py': hostile('''
            if os.fork() == 0:
                os.setsid()
                while True:
                    time.sleep(1)
            while True:
                time.sleep(1)
        ''')})
        res, ws = self.run_fold(sub, self.default_train_is(),
                                {'timeout_s': 1})
        self.assertEqual(res['error_kind'], 'timeout')
        self.assert_gone(res, ws)
        env = write_submission('fb_env', {'classifier.py': hostile(
            "print('ENV', dict(os.environ))")})
        res, ws = self.run_fold(env, self.default_train_is())
        self.assertTrue(res['ok'], res)
        self.assertNotIn('very-secret', res['log'])


@unittest.skipUnless(os.geteuid() == 0 and shutil.which('setpriv'),
                     'needs root and setpriv to start an unprivileged zygote')
class UnprivilegedZygoteTest(unittest.TestCase):
    """The zygote started as an ordinary user (nobody): user namespaces
    give it the same isolation except the per-job uid."""

    def test_unprivileged(self):
        base = tempfile.mkdtemp(prefix='datarun-nobody-')
        self.addCleanup(shutil.rmtree, base, True)
        os.chmod(base, 0o755)
        shutil.copyfile(IRIS, os.path.join(base, 'iris.csv'))
        sub = os.path.join(base, 'sub')
        os.makedirs(sub)
        with open(os.path.join(sub, 'classifier.py'), 'w') as f:
            f.write(hostile('''
                print('ENV', dict(os.environ))
                open('/tmp/datarun-nobody-evil', 'w').write('x')
                if os.fork() == 0:
                    os.setsid()
                    time.sleep(1000)
            '''))
        for dirpath, dirs, files in os.walk(base):
            for n in dirs + files + ['.']:
                os.chown(os.path.join(dirpath, n), 65534, 65534)
        z = Zygote(prefix=['setpriv', '--reuid=65534', '--regid=65534',
                           '--clear-groups'])
        try:
            sb = z.ready['sandbox']
            self.assertFalse(sb['root'])
            self.assertFalse(sb['setuid'])
            if not sb.get('userns'):
                self.assertTrue(sb['warnings'])
            ds = os.path.join(base, 'ds')
            res = split_with(z, os.path.join(base, 'iris.csv'), ds)
            self.assertTrue(res['ok'], res)
            z.send({'op': 'load', 'job_id': 'l', 'kind': 'standard',
                    'dataset_dir': ds, 'target_column': 'species',
                    'workflow_elements': 'classifier',
                    'prepared_dir': os.path.join(base, 'prep')})
            self.assertEqual(z.wait(lambda e: e.get('job_id') == 'l')['event'],
                             'loaded')
            train = pd.read_csv(os.path.join(ds, 'train.csv'))
            test = pd.read_csv(os.path.join(ds, 'test.csv'))
            idx = np.arange(0, len(train), 2)
            z.send({'op': 'run', 'job_id': 'r', 'submission_dir': sub,
                    'workspace': os.path.join(base, 'ws'),
                    'train_is': enc_idx(idx), 'limits': {'timeout_s': 30}})
            res = z.result('r')
            self.assertTrue(res['ok'], res)
            clf = RandomForestClassifier(n_estimators=10, random_state=0)
            X = train.drop(columns=['species']).values
            clf.fit(X[idx], train['species'].values[idx])
            np.testing.assert_array_equal(
                dec_pred(res['test_predictions']),
                clf.predict_proba(
                    test.drop(columns=['species']).values).ravel())
            self.assertNotIn('very-secret', res['log'])
            self.assertIn('ENV', res['log'])
            if sb['mountns']:
                self.assertFalse(os.path.exists('/tmp/datarun-nobody-evil'))
            if sb['pidns']:
                time.sleep(0.2)
                self.assertEqual(procs_of(pgid=res['pid']), [])
        finally:
            z.close()
            try:
                os.unlink('/tmp/datarun-nobody-evil')
            except OSError:
                pass


class ShutdownTest(unittest.TestCase):
    def test_shutdown_cancels_jobs_and_eof_exits(self):
        z = Zygote()
        try:
            ds = make_dir('ShutdownTest', 'ds')
            res = split_with(z, IRIS, ds)
            self.assertTrue(res['ok'])
            z.send({'op': 'load', 'job_id': 'l', 'kind': 'standard',
                    'dataset_dir': ds, 'target_column': 'species',
                    'workflow_elements': 'classifier',
                    'prepared_dir': os.path.join(BASE, 'ShutdownTest', 'p')})
            self.assertEqual(z.wait(lambda e: e.get('job_id') == 'l')['event'],
                             'loaded')
            sub = write_submission('sd_loop', {'classifier.py': hostile(
                'while True:\n    time.sleep(0.1)')})
            z.send({'op': 'run', 'job_id': 'r', 'submission_dir': sub,
                    'workspace': os.path.join(BASE, 'ShutdownTest', 'ws'),
                    'train_is': enc_idx(range(100)),
                    'limits': {'timeout_s': 600}})
            time.sleep(0.5)
            z.proc.stdin.close()            # EOF == shutdown
            res = z.result('r', 15)
            self.assertEqual(res['error_kind'], 'cancelled')
            self.assertEqual(z.proc.wait(15), 0)
            self.assertEqual(procs_of(uid=res.get('uid'),
                                      pgid=res.get('pid')), [])
        finally:
            z.close()


if __name__ == '__main__':
    unittest.main()
