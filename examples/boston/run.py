#!/usr/bin/env python3
"""Walkthrough: Boston housing, a regressor, five cross-validation folds on datarun.

    DATARUN_URL=http://127.0.0.1:8000/ DATARUN_USER=admin DATARUN_PASSWORD=... \\
        /usr/bin/python3 examples/boston/run.py

DATARUN_PASSWORD defaults to the content of data/initial-admin-password of this
repository (the password the service generated at its first boot). The script

1. pushes boston_housing.csv as a dataset (reusing one with the same content,
   target and workflow, or taking the name boston-2, boston-3, ... when "boston"
   is something else),
2. splits it (20 % test, random_state 42) unless it already is,
3. sends regressor.py on the five folds of a KFold over the train rows,
4. waits for them with a progress line,
5. fetches the predictions and computes the RMSE of each fold's test predictions
   against the test targets, computed here with the same train_test_split.

Needs numpy, pandas, scikit-learn and requests (Debian: /usr/bin/python3).
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import walkthrough  # noqa: E402


def rmse(pred, fold_targets, y_train, y_test):
    return float(np.sqrt(np.mean((pred - y_test) ** 2)))


def summary(preds, y_train, y_test, scores):
    bagged = np.mean(preds, axis=0)
    return ('test RMSE of the folds: mean %.3f, std %.3f (target std %.3f)\n' % (np.mean(scores), np.std(scores), np.std(y_test))
            + 'test RMSE of their averaged predictions: %.3f' % np.sqrt(np.mean((bagged - y_test) ** 2)))


BOSTON = walkthrough.Example(
    name='boston', target='medv', workflow='regressor',
    submission_files=[os.path.join(HERE, 'submission', 'regressor.py')],
    csv=os.path.join(walkthrough.SHARED_DATA, 'boston_housing.csv'),
    score_name='test RMSE', score=rmse, summary=summary)

if __name__ == '__main__':
    walkthrough.main(BOSTON, __doc__.split('\n\n')[0])
