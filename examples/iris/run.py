#!/usr/bin/env python3
"""Walkthrough: iris, a classifier, five cross-validation folds on datarun.

    DATARUN_URL=http://127.0.0.1:8000/ DATARUN_USER=admin DATARUN_PASSWORD=... \\
        /usr/bin/python3 examples/iris/run.py

DATARUN_PASSWORD defaults to the content of data/initial-admin-password of this
repository (the password the service generated at its first boot). The script

1. pushes iris.csv as a dataset (reusing one with the same content, target and
   workflow, or taking the name iris-2, iris-3, ... when "iris" is something else),
2. splits it (20 % test, random_state 42) unless it already is,
3. sends classifier.py on the five folds of a KFold over the train rows,
4. waits for them with a progress line,
5. fetches the predictions and scores each fold's test predictions against the
   test labels, computed here with the same train_test_split.

Needs numpy, pandas, scikit-learn and requests (Debian: /usr/bin/python3).
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import walkthrough  # noqa: E402


def accuracy(proba, fold_labels, y_train, y_test):
    classes = np.unique(fold_labels)           # predict_proba's columns: the sorted classes
    return float(np.mean(classes[proba.argmax(axis=1)] == y_test))


def summary(probas, y_train, y_test, scores):
    bagged = np.mean(probas, axis=0)
    return ('accuracy of the folds: mean %.3f, std %.3f\n' % (np.mean(scores), np.std(scores))
            + 'accuracy of their averaged probabilities: %.3f' % np.mean(np.unique(y_train)[bagged.argmax(axis=1)] == y_test))


IRIS = walkthrough.Example(
    name='iris', target='species', workflow='classifier',
    submission_files=[os.path.join(HERE, 'submission', 'classifier.py')],
    csv=os.path.join(walkthrough.SHARED_DATA, 'iris.csv'),
    score_name='accuracy', score=accuracy, summary=summary)

if __name__ == '__main__':
    walkthrough.main(IRIS, __doc__.split('\n\n')[0])
