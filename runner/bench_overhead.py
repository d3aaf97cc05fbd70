#!/usr/bin/python3
"""Per-job overhead of the zygote: runs N iris folds (RandomForest, 10 trees)
K at a time and prints median / p90 of wall_time_total, compute
(train+validation+test time) and their difference, plus any optional
timing keys the zygote adds to `metrics` (*_ms).

    /usr/bin/python3 runner/bench_overhead.py [--n 60] [--par 2] [--ws-root DIR]

--ws-root: where workspaces go (default: a 0700 temp dir under /tmp, like
the tests; the service uses <dataDir>/work).
"""

import argparse
import base64
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ZYGOTE = os.path.join(HERE, 'zygote.py')
IRIS = '/work/shared/data/iris.csv'

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


def enc_idx(idx):
    return base64.b64encode(zlib.compress(
        np.asarray(idx, dtype='<i8').tobytes())).decode()


class Z(object):
    def __init__(self):
        env = dict(os.environ)
        env.update({'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1',
                    'NUMEXPR_NUM_THREADS': '1', 'MALLOC_ARENA_MAX': '2'})
        self.p = subprocess.Popen(['/usr/bin/python3', ZYGOTE],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env, cwd=HERE)
        self.q = queue.Queue()
        threading.Thread(target=self._rd, daemon=True).start()
        self.ready = self.get()
        self.recv_t = {}

    def _rd(self):
        for line in self.p.stdout:
            self.q.put((time.perf_counter(), json.loads(line)))
        self.q.put((time.perf_counter(), None))

    def get(self, timeout=120):
        t, e = self.q.get(timeout=timeout)
        if e is None:
            raise SystemExit('zygote exited')
        return e

    def get_t(self, timeout=120):
        t, e = self.q.get(timeout=timeout)
        if e is None:
            raise SystemExit('zygote exited')
        return t, e

    def send(self, cmd):
        self.p.stdin.write((json.dumps(cmd) + '\n').encode())
        self.p.stdin.flush()

    def wait_for(self, jid):
        while True:
            e = self.get()
            if e.get('job_id') == jid and e['event'] in ('result', 'error',
                                                         'loaded'):
                return e

    def close(self):
        try:
            self.send({'op': 'shutdown'})
            self.p.wait(10)
        except Exception:
            self.p.kill()


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=60)
    ap.add_argument('--par', type=int, default=2)
    ap.add_argument('--warmup', type=int, default=4)
    ap.add_argument('--ws-root', default=None)
    a = ap.parse_args()

    base = tempfile.mkdtemp(prefix='datarun-bench-')
    try:
        z = Z()
        print('sandbox:', json.dumps(z.ready['sandbox']))
        ds = os.path.join(base, 'dataset')
        z.send({'op': 'split', 'job_id': 's', 'data_file': IRIS,
                'held_out_test': 0.2, 'random_state': 42, 'out_dir': ds})
        r = z.wait_for('s')
        assert r.get('ok'), r
        z.send({'op': 'load', 'job_id': 'l', 'kind': 'standard',
                'dataset_dir': ds, 'target_column': 'species',
                'workflow_elements': 'classifier',
                'prepared_dir': os.path.join(base, 'prepared')})
        r = z.wait_for('l')
        assert r['event'] == 'loaded', r
        sub = os.path.join(base, 'sub')
        os.makedirs(sub)
        with open(os.path.join(sub, 'classifier.py'), 'w') as f:
            f.write(CLASSIFIER_RF)
        n_train = r['n_train']
        rng = np.random.RandomState(1)
        train_is = enc_idx(np.sort(rng.permutation(n_train)[:int(0.8 * n_train)]))
        ws_root = a.ws_root or os.path.join(base, 'ws')
        os.makedirs(ws_root, exist_ok=True)

        total = a.n + a.warmup

        def zstat():
            with open('/proc/%d/stat' % z.p.pid) as f:
                v = f.read().rsplit(')', 1)[1].split()
            return int(v[7]), (int(v[11]) + int(v[12])) / os.sysconf('SC_CLK_TCK')
        flt0, cpu0 = zstat()
        sent = {}
        done = []
        nxt = 0
        running = 0
        t_start = time.perf_counter()

        def submit(i):
            jid = 'f%d' % i
            sent[jid] = time.perf_counter()
            z.send({'op': 'run', 'job_id': jid, 'submission_dir': sub,
                    'workspace': os.path.join(ws_root, jid),
                    'train_is': train_is,
                    'limits': {'memory_mb': 2048, 'timeout_s': 60}})

        while nxt < total and running < a.par:
            submit(nxt)
            nxt += 1
            running += 1
        while running:
            t, e = z.get_t()
            if e['event'] == 'result':
                running -= 1
                if not e.get('ok'):
                    print('FAILED', json.dumps(e)[:2000])
                    raise SystemExit(1)
                e['_rtt'] = t - sent[e['job_id']]
                done.append(e)
                if nxt < total:
                    submit(nxt)
                    nxt += 1
                    running += 1
            elif e['event'] == 'error':
                print('ERROR', e)
                raise SystemExit(1)
        elapsed = time.perf_counter() - t_start
        flt1, cpu1 = zstat()
        print('zygote per job: %.0f minor faults, %.2f ms CPU'
              % ((flt1 - flt0) / total, (cpu1 - cpu0) / total * 1e3))
        try:
            with open('/proc/%d/smaps_rollup' % z.p.pid) as f:
                print('zygote', ', '.join(' '.join(l.split()) for l in f
                                          if l.split()[0] in (
                                              'Rss:', 'AnonHugePages:')))
        except OSError:
            pass
        z.close()
        done = done[a.warmup:]
        rows = {}
        for e in done:
            m = e['metrics']
            comp = m['train_time'] + m['validation_time'] + m['test_time']
            rows.setdefault('wall_time_total', []).append(
                m['wall_time_total'] * 1e3)
            rows.setdefault('compute', []).append(comp * 1e3)
            rows.setdefault('overhead (wall-compute)', []).append(
                (m['wall_time_total'] - comp) * 1e3)
            if 'fork_parent_ms' in m:
                # wall_time_total used to start after os.fork() returned
                rows.setdefault('overhead, t0 after fork', []).append(
                    (m['wall_time_total'] - comp) * 1e3 - m['fork_parent_ms'])
            rows.setdefault('client round trip', []).append(e['_rtt'] * 1e3)
            for k in ('train_memory', 'test_memory'):
                rows.setdefault(k + ' (KB)', []).append(m[k])
            for k, v in sorted(m.items()):
                if k.endswith('_ms') and isinstance(v, (int, float)):
                    rows.setdefault(k, []).append(v)
        print('%d folds, %d at a time, %.2f s (%.1f folds/s)'
              % (len(done), a.par, elapsed, (total) / elapsed))
        print('%-28s %8s %8s %8s' % ('ms', 'median', 'p90', 'min'))
        for k, v in rows.items():
            print('%-28s %8.2f %8.2f %8.2f' % (k, statistics.median(v),
                                              pct(v, 0.9), min(v)))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    main()
