#!/usr/bin/env bash
# boston with the datarun CLI: push the dataset, split it, train a regressor on five folds while
# watching them live, then read the predictions back as .npy files.
# Against a service started with the README's command (npm start). Connection: DATARUN_URL,
# DATARUN_USER / DATARUN_PASSWORD (default: the admin password of the local service).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."                                  # the repository: data/initial-admin-password
datarun() { node dist/src/cli/datarun.js "$@"; }
name=${DATASET_NAME:-boston_cli_$RANDOM}
submission=${SUBMISSION_ID:-$((RANDOM + 100000))}
out=${OUT_DIR:-$here/predictions}

id=$(datarun data push ../shared/data/boston_housing.csv --name "$name" --target medv --workflow regressor | tee /dev/stderr | sed -n 's/^dataset \([0-9]*\).*/\1/p')
datarun split "$id" --test 0.2 --seed 42
datarun submit "$id" "$here/submission" --submission "$submission" --kfold 5 --seed 0 --watch
datarun predictions --submission "$submission" --out "$out"
