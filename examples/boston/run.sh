#!/usr/bin/env bash
# Boston housing with the datarun CLI (see ../cli-walkthrough.sh): a regressor on five folds.
here=$(dirname "$0")
exec bash "$here/../cli-walkthrough.sh" "$here" "$here/../../../shared/data/boston_housing.csv" medv regressor
