"""The walkthrough both examples share (iris/run.py, boston/run.py): push a dataset,
split it, run a submission on five cross-validation folds, wait, fetch and score the
predictions. An example supplies an `Example` (dataset, submission, how to score).
"""
import argparse
import hashlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'clients', 'python'))   # datarun_client, installed or not

import numpy as np                                               # noqa: E402
import pandas as pd                                              # noqa: E402
from sklearn.model_selection import KFold, train_test_split      # noqa: E402

import datarun_client as dc                                      # noqa: E402

from collections import namedtuple                               # noqa: E402

# score(fold_predictions, fold_train_labels, y_train, y_test) -> float;
# summary(list of fold predictions, y_train, y_test, scores) -> str
Example = namedtuple('Example', 'name target workflow submission_files csv score_name score summary')

HELD_OUT_TEST = 0.2
RANDOM_STATE = 42
N_FOLDS = 5
SHARED_DATA = os.path.join(os.path.dirname(REPO), 'shared', 'data')


def connection():
    """URL, user and password from the environment (see the module docstring)."""
    url = os.environ.get('DATARUN_URL', 'http://127.0.0.1:8000/')
    user = os.environ.get('DATARUN_USER', 'admin')
    password = os.environ.get('DATARUN_PASSWORD')
    if password is None:
        candidates = [os.path.join(REPO, 'data', 'initial-admin-password')]
        if os.environ.get('DATARUN_DATA_DIR'):
            candidates.insert(0, os.path.join(os.environ['DATARUN_DATA_DIR'], 'initial-admin-password'))
        for path in candidates:
            if os.path.exists(path):
                with open(path) as f:
                    password = f.read().strip()
                break
    if password is None:
        sys.exit('Set DATARUN_PASSWORD (no data/initial-admin-password found in %s)' % REPO)
    return url, user, password


def sha256_of(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def dataset(client, ex, base_name, csv_path, new=False):
    """A dataset holding csv_path: an existing one with the same content, target
    and workflow (unless new), or a new one under the first free name."""
    digest = sha256_of(csv_path)
    taken = {}
    for record in client.raw_data_list():
        taken[record['name']] = record
    candidates = [base_name] + ['%s-%d' % (base_name, i) for i in range(2, 1000)]
    if not new:
        for name in candidates:
            record = taken.get(name)
            if record is None:
                break
            if record['target_column'] != ex.target or record['workflow_elements'] != ex.workflow:
                continue
            detail = client.raw_data(record['id'])
            inputs = [f for f in detail['files'] if f['kind'] == 'input']
            if [f['sha256'] for f in inputs] == [digest]:
                print('dataset  %r (id %d) already holds this file: reusing it' % (name, record['id']))
                return detail
    name = next(n for n in candidates if n not in taken)
    # post_api.post_data(url, user, password, name, ex.target, ex.workflow, csv_path) does the same
    record = client.create_raw_data(name, ex.target, ex.workflow, [csv_path])
    print('dataset  %r created (id %d)' % (name, record['id']))
    return client.raw_data(record['id'])


def split(client, record):
    """Split unless the latest split is done with our parameters."""
    s = record.get('split')
    if record['split_done'] and s and s['params'].get('held_out_test') == HELD_OUT_TEST \
            and s['params'].get('random_state') == RANDOM_STATE:
        print('split    already done: %d train rows, %d test rows' % (record['n_train'], record['n_test']))
        return record
    client.split(record['id'], HELD_OUT_TEST, random_state=RANDOM_STATE)
    t0 = time.time()
    record = client.wait_for_split(record['id'], timeout=600)
    print('split    done in %.1f s: %d train rows, %d test rows'
          % (time.time() - t0, record['n_train'], record['n_test']))
    return record


def next_free(used, n):
    """The first of n consecutive ids after the largest used one (ids are int32)."""
    start = max(list(used) + [0]) + 1
    if start + n - 1 > 2 ** 31 - 1:
        start = 1
        while any(i in used for i in range(start, start + n)):
            start += 1
    return start


def new_ids(client, n_folds):
    """databoard chooses the submission and fold ids: take free ones."""
    sub_id = next_free({s['databoard_s_id'] for s in client.submissions()}, 1)
    first_fold = next_free({f['databoard_sf_id'] for f in client.submission_folds_light()}, n_folds)
    return sub_id, list(range(first_fold, first_fold + n_folds))


def progress_printer():
    interactive = sys.stdout.isatty()

    def show(records):
        line = 'folds    ' + dc.format_progress(records)
        if interactive:
            sys.stdout.write('\r' + line.ljust(60))
            sys.stdout.flush()
        else:
            print(line)
    return show


def main(ex, description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--csv', default=ex.csv, help='the data file (default: %(default)s)')
    parser.add_argument('--name', default=ex.name, help='dataset name (default: %(default)s)')
    parser.add_argument('--new', action='store_true', help='always create a new dataset')
    parser.add_argument('--timeout', type=float, default=600, help='seconds to wait for the folds')
    args = parser.parse_args()

    url, user, password = connection()
    client = dc.Client(url, user, password)
    try:
        runners = client.runners()
    except dc.DatarunError as e:
        sys.exit('%s: %s' % (url, e))
    print('datarun  %s, %d live runner(s)' % (url, len(runners)))
    if not runners:
        print('warning: no runner is alive; the folds will wait for one')

    record = split(client, dataset(client, ex, args.name, args.csv, args.new))

    # The same split, locally: the test labels score the predictions.
    df = pd.read_csv(args.csv)
    train, test = train_test_split(df, test_size=HELD_OUT_TEST, random_state=RANDOM_STATE)
    y_train, y_test = train[ex.target].values, test[ex.target].values
    assert (len(train), len(test)) == (record['n_train'], record['n_test'])

    folds = list(KFold(n_splits=N_FOLDS, shuffle=True, random_state=0).split(np.arange(record['n_train'])))
    sub_id, fold_ids = new_ids(client, N_FOLDS)
    for k, (train_is, test_is) in enumerate(folds):
        # the submission's files go with its first fold; the others refer to it
        client.create_submission_fold(
            sub_id, fold_ids[k], train_is, test_is, raw_data_id=record['id'],
            files=ex.submission_files if k == 0 else None)
    print('submit   submission %d on folds %d..%d (%s)'
          % (sub_id, fold_ids[0], fold_ids[-1], ', '.join(os.path.basename(f) for f in ex.submission_files)))

    t0 = time.time()
    try:
        final = client.wait_for_folds(fold_ids, timeout=args.timeout, poll=0.3, on_progress=progress_printer())
    except TimeoutError as e:
        sys.exit('\n%s' % e)
    if sys.stdout.isatty():
        print()
    print('folds    finished in %.1f s' % (time.time() - t0))

    predictions = {p['databoard_sf_id']: p for p in client.predictions_list(fold_ids)}
    print()
    print('%-10s %-7s %8s %8s %9s  %-10s %-10s' % ('fold', 'state', 'train s', 'test s', ex.score_name,
                                                   'test', 'full train'))
    scores, preds = [], []
    failed = 0
    for k, light in enumerate(final):
        p = predictions[light['databoard_sf_id']]
        if p['state'] != 'TESTED':
            failed += 1
            print('%-10d %-7s  %s' % (p['databoard_sf_id'], p['state'], p['log_messages'].strip()[-500:]))
            continue
        pred = client.predictions_array(p, raw_data=record)                        # test rows (x classes)
        full = client.predictions_array(p, 'full_train_predictions', raw_data=record)  # train rows (x classes)
        score = ex.score(pred, y_train[folds[k][0]], y_train, y_test)
        scores.append(score)
        preds.append(pred)
        print('%-10d %-7s %8.3f %8.3f %9.3f  %-10s %-10s' % (
            p['databoard_sf_id'], p['state'], p['train_time'], p['test_time'], score,
            str(pred.shape), str(full.shape)))
    if scores:
        print()
        print(ex.summary(preds, y_train, y_test, scores))
    if failed:
        sys.exit('%d fold(s) failed' % failed)

