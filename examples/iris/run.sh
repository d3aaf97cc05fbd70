#!/usr/bin/env bash
# Iris with the datarun CLI (see ../cli-walkthrough.sh): a classifier on five folds.
here=$(dirname "$0")
exec bash "$here/../cli-walkthrough.sh" "$here" "$here/../../../shared/data/iris.csv" species classifier
