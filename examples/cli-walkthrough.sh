#!/usr/bin/env bash
# The CLI walkthrough both examples share (iris/run.sh, boston/run.sh): push the dataset,
# split it, train the example's submission/ on five folds while watching them live, then
# read the predictions back as .npy files.
#   cli-walkthrough.sh <example dir> <data file> <target column> <workflow elements>
# Against a service started with the README's command (npm start). Connection: DATARUN_URL,
# DATARUN_USER / DATARUN_PASSWORD (default: the admin password of the local service).
set -euo pipefail
example=$(cd "$1" && pwd)
data=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
target=$3
workflow=$4
cd "$(dirname "$0")/.."                              # the repository: data/initial-admin-password
datarun() { node dist/src/cli/datarun.js "$@"; }
name=${DATASET_NAME:-$(basename "$example")_cli_$RANDOM}
submission=${SUBMISSION_ID:-$((RANDOM + 100000))}
out=${OUT_DIR:-$example/predictions}

pushed=$(datarun data push "$data" --name "$name" --target "$target" --workflow "$workflow")
echo "$pushed"
id=$(sed -n 's/^dataset \([0-9]*\).*/\1/p' <<<"$pushed")
datarun split "$id" --test 0.2 --seed 42
datarun submit "$id" "$example/submission" --submission "$submission" --kfold 5 --seed 0 --watch
datarun predictions --submission "$submission" --out "$out"
