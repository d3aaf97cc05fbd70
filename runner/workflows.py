"""What a job child computes: split, customsplit, dataset preparation (load)
and one cross-validation fold.  These functions run inside forked children
only (never in the zygote itself) and report through `emit(dict)`.

Error classification inside the child (see README):
  * exception before any submission / dataset-owner code ran -> infrastructure
    (but a FoldInputError, wrong indices in the posted fold   -> submission)
  * MemoryError anywhere in the chain of the exception       -> memory
  * any other exception once submission code started         -> submission
"""

import base64
import importlib
import importlib.util
import os
import pickle
import shutil
import sys
import time
import traceback
import resource
import zlib

KNOWN_ELEMENTS = ('feature_extractor', 'classifier', 'calibrator', 'regressor')
MODULE_CLASSES = {
    'feature_extractor': 'FeatureExtractor',
    'classifier': 'Classifier',
    'calibrator': 'Calibrator',
    'regressor': 'Regressor',
}


class InfraError(Exception):
    """A failure of the framework / the inputs, not of the submission."""


class FoldInputError(Exception):
    """The posted fold itself is wrong (its indices): final, reported like a
    submission error, never retried as runner trouble."""


def parse_elements(workflow_elements):
    if not isinstance(workflow_elements, str):
        raise InfraError('workflow_elements must be a string')
    elements = [e.strip() for e in workflow_elements.split(',') if e.strip()]
    for e in elements:
        if e not in KNOWN_ELEMENTS:
            raise InfraError('unknown workflow element %r' % e)
    if len(set(elements)) != len(elements):
        raise InfraError('duplicate workflow element')
    predictors = [e for e in elements if e in ('classifier', 'regressor')]
    if len(predictors) != 1:
        raise InfraError('workflow needs exactly one classifier or regressor')
    if 'feature_extractor' in elements and \
            elements.index('feature_extractor') > elements.index(predictors[0]):
        raise InfraError('feature_extractor must come before the predictor')
    if 'calibrator' in elements:
        if 'classifier' not in elements or \
                elements.index('calibrator') < elements.index('classifier'):
            raise InfraError('calibrator must follow a classifier')
    return elements


def decode_indices(s):
    import numpy as np
    try:
        raw = zlib.decompress(base64.b64decode(s))
    except Exception as e:
        raise FoldInputError('train_is is not base64(zlib(int64)): %s' % e)
    if len(raw) % 8:
        raise FoldInputError('train_is length is not a multiple of 8 bytes')
    return np.frombuffer(raw, dtype='<i8').astype(np.int64)


def encode_predictions(pred):
    import numpy as np
    arr = np.ascontiguousarray(pred, dtype='<f8')
    return base64.b64encode(zlib.compress(arr.tobytes())).decode('ascii')


def is_memory_error(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, MemoryError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# ------------------------------------------------------------------ metrics

def _status_kb(field):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cpu():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class Phase(object):
    """Wall time, CPU time (self + waited children) and peak memory of one
    phase.  Memory: VmHWM is reset to the current RSS through
    /proc/self/clear_refs ("5") at the start; the phase's memory is the peak
    above the RSS it started with, in KB, i.e. what the job itself allocated,
    not the pages it inherited from the zygote."""

    def __enter__(self):
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
        except OSError:
            pass
        self.rss0 = _status_kb('VmRSS')
        self.c0 = _cpu()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.cpu = _cpu() - self.c0
        self.memory = max(0, _status_kb('VmHWM') - self.rss0)
        return False


# ------------------------------------------------------------ child runner

class Reporter(object):
    def __init__(self, emit):
        self.emit = emit
        self.state = 'TODO'
        self.stage = 'infrastructure'
        self.marks = {}          # optional timing marks (monotonic)

    def mark(self, name):
        self.marks[name] = time.monotonic()

    def progress(self, state):
        self.state = state
        self.emit({'t': 'progress', 'state': state})

    def fail(self, exc):
        tb = ''.join(traceback.format_exception(type(exc), exc,
                                                exc.__traceback__))
        if isinstance(exc, FoldInputError):
            kind = 'submission'
        elif isinstance(exc, InfraError):
            kind = 'infrastructure'
        elif is_memory_error(exc):
            kind = 'memory'
        else:
            kind = self.stage
        self.emit({'t': 'result', 'ok': False, 'error_kind': kind,
                   'error': tb, 'state_reached': self.state})


def _load_module(path, name):
    if not os.path.isabs(path):
        # a cwd-relative path (workspace not reachable by its absolute path,
        # see sandbox.Sandbox._job_path): importlib would make it absolute
        import types
        with open(path, 'rb') as f:
            src = f.read()
        mod = types.ModuleType(name)
        mod.__file__ = path
        sys.modules[name] = mod
        exec(compile(src, path, 'exec'), mod.__dict__)
        return mod
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError('cannot load %s' % path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _rows(a, idx):
    return a.iloc[idx] if hasattr(a, 'iloc') else a[idx]


def _check_len(pred, n, what):
    try:
        m = len(pred)
    except TypeError:
        raise ValueError('%s predictions have no length' % what)
    if m != n:
        raise ValueError('%s: %d predictions for %d rows' % (what, m, n))


def run_fold(rep, data, cmd, sub_rel):
    """One fold.  `data` has kind, X_train, y_train, X_test, elements,
    specific; sub_rel is the workspace's submission folder (cwd-relative,
    also importable as package 'submission' with the workspace on sys.path).
    """
    rep.mark('fold_start')
    train_is = decode_indices(cmd.get('train_is'))
    n_train = len(data.y_train)
    if train_is.size and (train_is.min() < 0 or train_is.max() >= n_train):
        raise FoldInputError('train_is has indices outside 0..%d (the train set has %d rows)' % (n_train - 1, n_train))
    metrics = {}

    if data.kind == 'custom':
        spec = data.specific
        rep.stage = 'submission'
        with Phase() as ph:
            model = spec.train_submission('submission', data.X_train,
                                          data.y_train, train_is)
        metrics.update(train_time=ph.wall, train_cpu_time=ph.cpu,
                       train_memory=ph.memory)
        rep.progress('TRAINED')

        def predict_all(X, n):
            return spec.test_submission(model, X, range(n))
        n_test = len(data.X_test)
    else:
        elements = data.elements
        mods = {}
        rep.stage = 'submission'
        for e in elements:
            path = os.path.join(sub_rel, e + '.py')
            if not os.path.exists(path):
                raise FileNotFoundError('submission has no %s.py' % e)
            mods[e] = getattr(_load_module(path, e), MODULE_CLASSES[e])
        rep.mark('mods')
        X, y, X_test = data.X_train, data.y_train, data.X_test
        has_fe = 'feature_extractor' in mods
        fe = clf = cal = reg = None
        with Phase() as ph:
            if has_fe:
                fe = mods['feature_extractor']()
                fe.fit(X.iloc[train_is], y.iloc[train_is])
                Xtr = fe.transform(X.iloc[train_is])
            else:
                Xtr = X.values[train_is]
            ytr = y.values[train_is]
            if 'classifier' in mods:
                clf = mods['classifier']()
                if 'calibrator' in mods:
                    from sklearn.model_selection import StratifiedShuffleSplit
                    sss = StratifiedShuffleSplit(n_splits=1, test_size=0.1,
                                                 random_state=57)
                    train_i, calib_i = next(sss.split(Xtr, ytr))
                    clf.fit(_rows(Xtr, train_i), ytr[train_i])
                    cal = mods['calibrator']()
                    cal.fit(clf.predict_proba(_rows(Xtr, calib_i)),
                            ytr[calib_i])
                else:
                    clf.fit(Xtr, ytr)
            else:
                reg = mods['regressor']()
                reg.fit(Xtr, ytr)
        metrics.update(train_time=ph.wall, train_cpu_time=ph.cpu,
                       train_memory=ph.memory)
        rep.progress('TRAINED')

        def predict_all(Xdf, n):
            F = fe.transform(Xdf) if has_fe else Xdf.values
            if clf is not None:
                p = clf.predict_proba(F)
                if cal is not None:
                    p = cal.predict_proba(p)
                return p
            return reg.predict(F)
        n_test = len(X_test)

    with Phase() as ph:
        full = predict_all(data.X_train, n_train)
        _check_len(full, n_train, 'full train')
        full_b64 = encode_predictions(full)
    metrics.update(validation_time=ph.wall)
    val_cpu, val_mem = ph.cpu, ph.memory
    rep.progress('VALIDATED')
    with Phase() as ph:
        test = predict_all(data.X_test, n_test)
        _check_len(test, n_test, 'test')
        test_b64 = encode_predictions(test)
    metrics.update(test_time=ph.wall, test_cpu_time=ph.cpu + val_cpu,
                   test_memory=max(ph.memory, val_mem))
    del full, test
    rep.mark('fold_end')
    rep.emit({'t': 'result', 'ok': True, 'full_train_predictions': full_b64,
              'test_predictions': test_b64, 'metrics': metrics,
              'marks': rep.marks})


def run_split(rep, cmd, infile, train_out, test_out):
    import pandas as pd
    from sklearn.model_selection import train_test_split
    held = cmd.get('held_out_test')
    rs = cmd.get('random_state', 42)
    df = pd.read_csv(infile)
    train, test = train_test_split(df, test_size=held, random_state=rs)
    train.to_csv(train_out, index=False)
    test.to_csv(test_out, index=False)
    train_out.close()
    test_out.close()
    rep.emit({'t': 'result', 'ok': True, 'n_train': len(train),
              'n_test': len(test)})


def run_customsplit(rep, data_dir):
    if not os.path.exists('specific.py'):
        raise InfraError('dataset has no specific.py')
    rep.stage = 'submission'
    sys.path.insert(0, os.path.abspath(data_dir))
    spec = _load_module(os.path.join(data_dir, 'specific.py'), 'specific')
    spec.prepare_data(data_dir)
    rep.emit({'t': 'result', 'ok': True})


def load_specific(dataset_dir):
    if dataset_dir not in sys.path:
        sys.path.insert(0, dataset_dir)
    return _load_module(os.path.join(dataset_dir, 'specific.py'), 'specific')


def read_dataset(cmd):
    """Runs in the (unsandboxed) load child: returns
    ((X_train, y_train), X_test) without ever keeping y_test around."""
    kind = cmd.get('kind')
    d = cmd['dataset_dir']
    if kind == 'custom':
        spec = load_specific(d)
        X, y = spec.get_train_data(d)
        Xt, yt = spec.get_test_data(d)
        del yt
        return (X, y), Xt
    import pandas as pd
    target = cmd.get('target_column')
    train = pd.read_csv(os.path.join(d, 'train.csv'))
    test = pd.read_csv(os.path.join(d, 'test.csv'))
    if target not in train.columns:
        raise InfraError('target column %r not in train.csv' % (target,))
    y = train[target]
    X = train.drop(columns=[target])
    Xt = test.drop(columns=[target], errors='ignore')
    del test
    return (X, y), Xt


def write_pickle(obj, path):
    tmp = path + '.tmp%d' % os.getpid()
    with open(tmp, 'wb') as f:
        pickle.dump(obj, f, protocol=4)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def run_load(rep, cmd):
    rep.stage = 'submission'
    (X, y), Xt = read_dataset(cmd)
    pd_dir = cmd['prepared_dir']
    os.makedirs(pd_dir, exist_ok=True)
    write_pickle((X, y), os.path.join(pd_dir, 'train.pkl'))
    write_pickle(Xt, os.path.join(pd_dir, 'test_X.pkl'))
    rep.emit({'t': 'result', 'ok': True})


def copy_submission(src, dst, uid=None, gid=None):
    """Copy the submission's files (regular files and folders, no symlinks)
    into dst, adding an empty __init__.py; with uid, everything copied is
    chowned to uid:gid on the way (no second walk over the tree)."""
    def own(path):
        if uid is not None:
            try:
                os.chown(path, uid, gid, follow_symlinks=False)
            except OSError:
                pass

    os.makedirs(dst, exist_ok=True)
    own(dst)
    has_init = False
    with os.scandir(src) as it:
        entries = list(it)
    for e in entries:
        d = os.path.join(dst, e.name)
        if e.is_symlink():
            continue
        if e.is_dir():
            shutil.copytree(e.path, d, symlinks=True, dirs_exist_ok=True)
            if uid is not None:
                for dirpath, dirnames, filenames in os.walk(d):
                    own(dirpath)
                    for n in filenames:
                        own(os.path.join(dirpath, n))
        elif e.is_file():
            shutil.copyfile(e.path, d)
            own(d)
            has_init = has_init or e.name == '__init__.py'
    if not has_init:
        init = os.path.join(dst, '__init__.py')
        if not os.path.exists(init):
            open(init, 'w').close()
            own(init)
