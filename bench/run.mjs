#!/usr/bin/env node
// Benchmark: warm datarun folds (real service, real HTTP API) against the cold way
// (a fresh Python process per fold). Usage: node bench/run.mjs [--folds N] [--slots S]
// Only measured numbers are printed; see bench/README.md.

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const PYTHON = '/usr/bin/python3';
const IRIS = '/work/shared/data/iris.csv';
const ADMIN = { user: 'bench', password: 'bench-password-1234' };
const WARMUP_FOLDS = 4;
const POST_CONCURRENCY = 4;
const COLD_CONCURRENCY = 2;
const POLL_MS = 20;
const HEALTH_TIMEOUT_MS = 120_000;
const FOLDS_TIMEOUT_MS = 300_000;
// The runner forces these in its Python processes; the cold processes get the same.
const THREAD_ENV = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', NUMEXPR_NUM_THREADS: '1', MKL_NUM_THREADS: '1', MALLOC_ARENA_MAX: '2' };

const CLASSIFIER_PY = `from sklearn.ensemble import RandomForestClassifier


class Classifier:
    def __init__(self):
        self.clf = RandomForestClassifier(n_estimators=10, random_state=0)

    def fit(self, X, y):
        self.clf.fit(X, y)
        return self

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
`;

// One cold fold: a fresh interpreter imports the stack, reads the split, fits on the fold's
// train rows, predicts every train and test row (as the runner does), writes the encoded
// predictions. argv: work_dir train_is_file out_file
const COLD_FOLD_PY = `import base64, sys, zlib
import numpy as np
import pandas as pd
import sklearn  # noqa: F401

work, idx_file, out_file = sys.argv[1:4]
sys.path.insert(0, work)
from classifier import Classifier

train = pd.read_csv(work + '/train.csv')
test = pd.read_csv(work + '/test.csv')
target = 'species'
X_train, y_train = train.drop(columns=[target]).values, train[target].values
X_test = test.drop(columns=[target]).values
with open(idx_file, 'rb') as f:
    train_is = np.frombuffer(zlib.decompress(base64.b64decode(f.read())), dtype='<i8')
clf = Classifier()
clf.fit(X_train[train_is], y_train[train_is])
enc = lambda a: base64.b64encode(zlib.compress(np.ascontiguousarray(a, dtype='<f8').tobytes())).decode()
full_train = clf.predict_proba(X_train)
test_pred = clf.predict_proba(X_test)
with open(out_file, 'w') as f:
    f.write(enc(full_train) + '\\n' + enc(test_pred) + '\\n')
`;

const MAKE_SPLIT_PY = `import sys
import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv(sys.argv[1])
tr, te = train_test_split(df, test_size=0.2, random_state=42)
tr.to_csv(sys.argv[2] + '/train.csv', index=False)
te.to_csv(sys.argv[2] + '/test.csv', index=False)
print(len(tr), len(te))
`;

// ---------------------------------------------------------------- helpers

function parseArgs(argv) {
  const opts = { folds: 200, slots: 2 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (flag !== '--folds' && flag !== '--slots') throw new Error(`unknown argument ${argv[i]} (usage: node bench/run.mjs [--folds N] [--slots S])`);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${value}`);
    opts[flag.slice(2)] = n;
  }
  return opts;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const enc = (buf) => deflateSync(buf).toString('base64');
const dec = (s) => inflateSync(Buffer.from(s, 'base64'));

function int64le(values) {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), i * 8));
  return b;
}

// mulberry32: small seeded PRNG, so the folds are the same on every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeFolds(n, nRows, seed) {
  const rand = rng(seed);
  const nTrain = Math.round(nRows * 0.8);
  const folds = [];
  for (let k = 0; k < n; k++) {
    const idx = Array.from({ length: nRows }, (_, i) => i);
    for (let i = nRows - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const train = idx.slice(0, nTrain).sort((a, b) => a - b);
    const test = idx.slice(nTrain).sort((a, b) => a - b);
    folds.push({ train_is: enc(int64le(train)), test_is: enc(int64le(test)) });
  }
  return folds;
}

function quantile(sorted, q) {
  // nearest-rank
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5);

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function pool(items, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function runPython(args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    live.children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => (live.children.delete(child), reject(e)));
    child.on('close', (code, signal) => {
      live.children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${PYTHON} ${args.join(' ')} exited ${code ?? signal}: ${err.trim().slice(-2000)}`));
    });
  });
}

// ---------------------------------------------------------------- service

const live = { service: null, serviceExited: null, tmp: null, children: new Set(), logTail: [] };

async function startService(slots) {
  if (!existsSync(path.join(ROOT, 'dist/src/main.js'))) {
    console.error('dist/src/main.js missing: npm run build');
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const port = await freePort();
  const dataDir = path.join(live.tmp, 'datarun-data');
  await fs.mkdir(dataDir);
  const env = { ...process.env };
  delete env.DATABASE_URL;
  Object.assign(env, {
    PORT: String(port), HOST: '127.0.0.1', DATARUN_DATA_DIR: dataDir, DATARUN_RUNNER_SLOTS: String(slots),
    DATARUN_ADMIN_USERNAME: ADMIN.user, DATARUN_ADMIN_PASSWORD: ADMIN.password, DATARUN_LOG_REQUESTS: 'false', NO_COLOR: '1',
  });
  const log = createWriteStream(path.join(live.tmp, 'service.log'));
  // Own process group: a Ctrl-C reaches only this script, which then stops the service itself.
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.service = child;
  live.serviceExited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const keep = (d) => {
    log.write(d);
    live.logTail.push(...d.toString().split('\n').filter(Boolean));
    if (live.logTail.length > 60) live.logTail.splice(0, live.logTail.length - 60);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  let exited = null;
  live.serviceExited.then((x) => (exited = x));
  for (;;) {
    if (exited) throw new Error(`service exited during start (${exited.code ?? exited.signal})`);
    if (Date.now() - t0 > HEALTH_TIMEOUT_MS) throw new Error(`GET /health not 200 after ${HEALTH_TIMEOUT_MS / 1000} s`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  return { base, startMs: Date.now() - t0 };
}

async function stopService() {
  const child = live.service;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const t0 = Date.now();
  child.kill('SIGTERM');
  const r = await Promise.race([live.serviceExited, sleep(40_000).then(() => null)]);
  if (r) console.error(`service stopped ${((Date.now() - t0) / 1000).toFixed(1)} s after SIGTERM (exit ${r.code ?? r.signal})`);
  if (!r) {
    console.error(`service pid ${child.pid} did not stop within 40 s of SIGTERM: SIGKILL`);
    child.kill('SIGKILL');
    await Promise.race([live.serviceExited, sleep(5000)]);
  }
}

let cleaning = null;
function cleanup() {
  cleaning ??= (async () => {
    for (const c of live.children) c.kill('SIGKILL');
    await stopService().catch((e) => console.error(`stopping the service: ${e.message}`));
    if (live.tmp) await fs.rm(live.tmp, { recursive: true, force: true }).catch((e) => console.error(`removing ${live.tmp}: ${e.message}`));
  })();
  return cleaning;
}

// ---------------------------------------------------------------- API client

function client(base) {
  const auth = 'Basic ' + Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64');
  const call = async (method, p, body, expect = [200, 201]) => {
    const r = await fetch(base + p, {
      method,
      headers: { Authorization: auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!expect.includes(r.status)) throw new Error(`${method} ${p} → ${r.status}: ${text.slice(0, 1000)}`);
    return text ? JSON.parse(text) : null;
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b) };
}

async function waitFolds(api, ids, timeoutMs) {
  const want = new Set(ids);
  const t0 = Date.now();
  for (;;) {
    const light = await api.get('/runapp/submissionfold-light/');
    const mine = light.filter((f) => want.has(f.databoard_sf_id));
    const done = mine.filter((f) => f.state === 'TESTED' || f.state === 'ERROR').length;
    if (mine.length === want.size && done === want.size) return performance.now();
    if (Date.now() - t0 > timeoutMs) {
      const states = {};
      for (const f of mine) states[f.state] = (states[f.state] ?? 0) + 1;
      throw new Error(`folds not done after ${timeoutMs / 1000} s: ${mine.length}/${want.size} known, states ${JSON.stringify(states)}`);
    }
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const N = opts.folds;
  live.tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'datarun-bench-'));
  // mkdtemp makes it 0700; when run as root the embedded postgres runs as another user and
  // must traverse it (the service grants o+x on DATARUN_DATA_DIR itself, not on its parents).
  await fs.chmod(live.tmp, 0o711);
  const work = path.join(live.tmp, 'cold');
  await fs.mkdir(work);

  // Cold-side inputs, prepared once (not timed).
  await fs.writeFile(path.join(work, 'classifier.py'), CLASSIFIER_PY);
  await fs.writeFile(path.join(work, 'cold_fold.py'), COLD_FOLD_PY);
  await fs.writeFile(path.join(work, 'make_split.py'), MAKE_SPLIT_PY);
  const [nTrain] = (await runPython([path.join(work, 'make_split.py'), IRIS, work])).trim().split(' ').map(Number);
  if (nTrain !== 120) throw new Error(`expected 120 train rows, got ${nTrain}`);
  const folds = makeFolds(N, nTrain, 42);
  const warmupFolds = makeFolds(WARMUP_FOLDS, nTrain, 7);

  console.error(`starting datarun (slots ${opts.slots}, data in ${live.tmp})`);
  const { base, startMs } = await startService(opts.slots);
  console.error(`service healthy after ${(startMs / 1000).toFixed(1)} s`);
  const api = client(base);

  // Dataset and split.
  const raw = await api.post('/runapp/rawdata/', {
    name: 'iris', target_column: 'species', workflow_elements: 'classifier',
    files: { 'iris.csv': enc(await fs.readFile(IRIS)) },
  });
  await api.post('/runapp/rawdata/split/', { raw_data_id: raw.id, held_out_test: 0.2, random_state: 42 });
  for (const t0 = Date.now(); ; await sleep(50)) {
    const r = await api.get(`/runapp/rawdata/${raw.id}/`);
    if (r.split_done) break;
    if (r.split?.status === 'error' || r.split?.status === 'cancelled') throw new Error(`split failed: ${JSON.stringify(r.split)}`);
    if (Date.now() - t0 > 60_000) throw new Error(`split not done after 60 s: ${JSON.stringify(r.split)}`);
  }
  const files = { 'classifier.py': enc(Buffer.from(CLASSIFIER_PY)) };

  // Warm-up: its own submission (1), same classifier file; excluded from the figures.
  console.error(`warm-up: ${WARMUP_FOLDS} folds`);
  const warmIds = warmupFolds.map((_, i) => 1 + i);
  for (const [i, f] of warmupFolds.entries()) {
    await api.post('/runapp/submissionfold/', { databoard_sf_id: warmIds[i], databoard_s_id: 1, ...f, ...(i === 0 ? { raw_data: raw.id, files } : {}) });
  }
  await waitFolds(api, warmIds, 120_000);

  // Warm, measured: submission 2, folds 1001..1000+N.
  console.error(`warm: ${N} folds through datarun`);
  const ids = folds.map((_, i) => 1001 + i);
  const tWarm0 = performance.now();
  const wallStart = Date.now();
  await api.post('/runapp/submissionfold/', { databoard_sf_id: ids[0], databoard_s_id: 2, ...folds[0], raw_data: raw.id, files });
  await pool(folds.slice(1), POST_CONCURRENCY, (f, i) => api.post('/runapp/submissionfold/', { databoard_sf_id: ids[i + 1], databoard_s_id: 2, ...f }));
  const tPosted = performance.now();
  const tWarm1 = await waitFolds(api, ids, FOLDS_TIMEOUT_MS);
  const warmWallS = (tWarm1 - tWarm0) / 1000;

  const all = await api.get('/runapp/submissionfold/');
  const byId = new Map(all.map((f) => [f.databoard_sf_id, f]));
  const measured = ids.map((id) => byId.get(id));
  if (measured.some((f) => !f)) throw new Error('GET /runapp/submissionfold/ lacks some posted folds');
  const errors = measured.filter((f) => f.state === 'ERROR');
  const ok = measured.filter((f) => f.state === 'TESTED');
  const overheadMs = [];
  const computeMs = [];
  for (const f of ok) {
    const compute = (f.train_time + f.validation_time + f.test_time) * 1000;
    computeMs.push(compute);
    if (f.started_at && f.finished_at) overheadMs.push(Date.parse(f.finished_at) - Date.parse(f.started_at) - compute);
  }
  overheadMs.sort((a, b) => a - b);
  const lastFinished = Math.max(...measured.map((f) => (f.finished_at ? Date.parse(f.finished_at) : -Infinity)));
  const attemptsOver1 = measured.filter((f) => f.attempts > 1).length;

  // The service is done: stop it so that it takes no CPU while the cold side runs.
  await stopService();

  // Cold: the same folds, a fresh python each, COLD_CONCURRENCY at a time.
  console.error(`cold: ${N} folds, fresh ${PYTHON} per fold, ${COLD_CONCURRENCY} at a time`);
  for (const [i, f] of folds.entries()) await fs.writeFile(path.join(work, `idx-${i}.txt`), f.train_is);
  const coldEach = [];
  const coldEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: work, ...THREAD_ENV };
  const tCold0 = performance.now();
  await pool(folds, COLD_CONCURRENCY, async (_, i) => {
    const t = performance.now();
    await runPython([path.join(work, 'cold_fold.py'), work, path.join(work, `idx-${i}.txt`), path.join(work, `out-${i}.txt`)], { cwd: work, env: coldEnv });
    coldEach.push(performance.now() - t);
  });
  const coldWallS = (performance.now() - tCold0) / 1000;

  // Sanity: the warm and cold predictions of each fold should be the same numbers.
  let identical = 0;
  for (const [i, f] of measured.entries()) {
    if (f.state !== 'TESTED') continue;
    const [coldTrain, coldTest] = (await fs.readFile(path.join(work, `out-${i}.txt`), 'utf8')).trim().split('\n');
    if (dec(coldTrain).equals(dec(f.full_train_predictions)) && dec(coldTest).equals(dec(f.test_predictions))) identical++;
  }

  const warmFps = N / warmWallS;
  const coldFps = N / coldWallS;
  const r1 = (x) => Math.round(x * 10) / 10;
  const r2 = (x) => Math.round(x * 100) / 100;
  const results = {
    measured_at: new Date(wallStart).toISOString(),
    host: { cpus: os.availableParallelism(), node: process.version, python: PYTHON },
    folds: N,
    slots: opts.slots,
    warm: {
      wall_s: r2(warmWallS),
      folds_per_s: r2(warmFps),
      posting_s: r2((tPosted - tWarm0) / 1000),
      wall_to_last_finished_at_s: r2((lastFinished - wallStart) / 1000),
      error_folds: errors.length,
      folds_with_more_than_one_attempt: attemptsOver1,
      overhead_ms: { median: r1(quantile(overheadMs, 0.5)), p95: r1(quantile(overheadMs, 0.95)), max: r1(overheadMs.at(-1)), n: overheadMs.length },
      compute_ms: { median: r1(median(computeMs)) },
      service_start_s: r2(startMs / 1000),
    },
    cold: {
      concurrency: COLD_CONCURRENCY,
      wall_s: r2(coldWallS),
      folds_per_s: r2(coldFps),
      per_process_ms: { median: Math.round(median(coldEach)), p95: Math.round(quantile([...coldEach].sort((a, b) => a - b), 0.95)) },
    },
    speedup: r1(warmFps / coldFps),
    predictions_identical_warm_vs_cold: `${identical}/${ok.length}`,
    notes: [
      'warm wall time: from just before the first POST /runapp/submissionfold/ to the poll (every 20 ms) that saw every fold TESTED or ERROR',
      'overhead per fold: (finished_at - started_at) - (train_time + validation_time + test_time); started_at/finished_at have ms resolution',
      `warm-up: ${WARMUP_FOLDS} folds of another submission, run and finished before the measured ones, excluded`,
      'cold: the service is stopped first; each fold is one fresh /usr/bin/python3 (import numpy/pandas/sklearn, read train.csv/test.csv, fit, predict all rows, write predictions), same thread variables as the runner',
    ],
  };

  const table = [
    '| what | value |',
    '| --- | --- |',
    `| folds | ${N} |`,
    `| warm (datarun, ${opts.slots} slots): folds/s | ${results.warm.folds_per_s} (${results.warm.wall_s} s wall) |`,
    `| cold (fresh python per fold, ${COLD_CONCURRENCY} at a time): folds/s | ${results.cold.folds_per_s} (${results.cold.wall_s} s wall) |`,
    `| speed-up | ${results.speedup}× |`,
    `| per-fold overhead, median / p95 | ${results.warm.overhead_ms.median} ms / ${results.warm.overhead_ms.p95} ms |`,
    `| runner compute per fold, median | ${results.warm.compute_ms.median} ms |`,
    `| ERROR folds (warm) | ${errors.length} |`,
    `| predictions identical, warm vs cold | ${results.predictions_identical_warm_vs_cold} |`,
  ].join('\n');
  results.table = table;

  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  await fs.writeFile(path.join(HERE, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(table);
  if (errors.length) {
    const e = errors[0];
    console.log(`\nfirst ERROR fold ${e.databoard_sf_id} (error_kind ${e.error_kind}):\n${e.log_messages}`);
  }
  console.error(`\nwritten: ${path.relative(ROOT, path.join(HERE, 'results', 'latest.json'))}`);
  return errors.length ? 1 : 0;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping the service and removing the temporary folder`);
    cleanup().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (e) {
  if (!interrupted) {
    console.error(`bench failed: ${e.message}`);
    if (live.logTail.length) console.error(`last service log lines:\n${live.logTail.slice(-15).join('\n')}`);
  }
} finally {
  await cleanup(); // the same promise as the signal handler's, if it started one
}
process.exit(interrupted ? 130 : code);
