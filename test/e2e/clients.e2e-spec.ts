import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PYTHON, SUBMISSIONS } from '../helpers/runner.js';
import { freePort, startService, waitHealthy, type ServiceProcess } from '../helpers/service-process.js';

const ROOT = process.cwd();
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'datarun.js');
const SHARED = path.resolve(ROOT, '..', 'shared', 'data');

/** The CLI and the Python client against the real service (its own process, embedded database). */
describe('clients against a running service', () => {
  let svc: ServiceProcess;
  let url: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'datarun-clients-'));
  chmodSync(dir, 0o711);
  const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', DATARUN_URL: url, DATARUN_USER: 'admin', DATARUN_PASSWORD: 'admin-password' });
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { env: env(), encoding: 'utf8', cwd: dir });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    svc = startService({ PORT: String(port), DATARUN_DATA_DIR: path.join(dir, 'data'), DATARUN_ADMIN_USERNAME: 'admin', DATARUN_ADMIN_PASSWORD: 'admin-password', DATARUN_RUNNER_SLOTS: '2' });
    await waitHealthy(port);
  });
  afterAll(async () => {
    svc.child.kill('SIGTERM');
    await svc.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('datarun CLI: push iris, split, five folds watched live, predictions as .npy equal to scikit-learn', () => {
    const push = cli('data', 'push', path.join(SHARED, 'iris.csv'), '--name', 'iris', '--target', 'species', '--workflow', 'classifier');
    expect(push).toMatchObject({ code: 0 });
    const id = /dataset (\d+)/.exec(push.out)![1];
    const split = cli('split', id, '--test', '0.2', '--seed', '42');
    expect(split.err).toBe('');
    expect(split.out).toContain('120 train rows, 30 test rows');
    const sub = path.join(dir, 'sub');
    spawnSync('mkdir', ['-p', sub]);
    writeFileSync(path.join(sub, 'classifier.py'), SUBMISSIONS.classifier);
    const submit = cli('submit', id, sub, '--submission', '1', '--kfold', '5', '--seed', '3', '--watch');
    expect(submit.err).toBe('');
    expect(submit.code).toBe(0);
    expect(submit.out).toContain('5 fold(s) queued: 1 2 3 4 5');
    expect(submit.out).toContain('5/5 done: 5 tested, 0 error');
    const out = path.join(dir, 'preds');
    const preds = cli('predictions', '1', '2', '3', '4', '5', '--out', out);
    expect(preds.code).toBe(0);
    expect(preds.out).toContain('fold_1_test.npy  shape (30, 3)');
    // The same folds computed in Python, from the indices the server stored.
    const check = spawnSync(PYTHON, ['-c', `
import base64, json, sys, urllib.request, zlib
import numpy as np, pandas as pd
from sklearn.model_selection import train_test_split
sys.path.insert(0, ${JSON.stringify(sub)})
from classifier import Classifier
req = urllib.request.Request(${JSON.stringify(url)} + '/runapp/submissionfold/', headers={'Authorization': 'Basic ' + base64.b64encode(b'admin:admin-password').decode()})
folds = json.load(urllib.request.urlopen(req))
df = pd.read_csv(${JSON.stringify(path.join(SHARED, 'iris.csv'))})
tr, te = train_test_split(df, test_size=0.2, random_state=42)
X, y, Xt = tr.drop(columns=['species']).values, tr['species'].values, te.drop(columns=['species']).values
for f in folds:
    idx = np.frombuffer(zlib.decompress(base64.b64decode(f['train_is'])), dtype='<i8')
    c = Classifier(); c.fit(X[idx], y[idx])
    got = np.load(${JSON.stringify(out)} + '/fold_%d_test.npy' % f['databoard_sf_id'])
    assert got.shape == (30, 3) and np.array_equal(got, c.predict_proba(Xt)), f['databoard_sf_id']
print('ok', len(folds))
`], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.stdout.trim()).toBe('ok 5');
    expect(cli('runners').out).toMatch(/0\/2 busy {2}\d+ done/);
  });

  it('datarun CLI: a failing command prints the server message and exits non-zero', () => {
    const dup = cli('data', 'push', path.join(SHARED, 'iris.csv'), '--name', 'iris', '--target', 'species');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('RawData with this name already exists. (HTTP 400)');
    const denied = spawnSync(process.execPath, [CLI, 'data', 'list'], { env: { ...env(), DATARUN_PASSWORD: 'wrong' }, encoding: 'utf8' });
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain('(HTTP 401)');
    const usage = cli('split');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('<raw_data_id> is required');
    const unknownFold = cli('watch', '999');
    expect(unknownFold.code).toBe(1);
    expect(unknownFold.err).toContain('unknown fold(s): 999');
  });

  it('datarun CLI: tokens', () => {
    const created = cli('token', 'create', '--name', 'nb');
    const token = /: (drt_\S+)/.exec(created.out)![1];
    const viaToken = spawnSync(process.execPath, [CLI, 'data', 'list'], { env: { PATH: process.env.PATH, DATARUN_URL: url, DATARUN_TOKEN: token }, encoding: 'utf8' });
    expect(viaToken.stdout).toContain('iris');
  });

  it.each([['iris'], ['boston']])('the %s examples run end to end, as a CLI session and as a Python script', (example) => {
    const out = path.join(dir, `${example}-preds`);
    const sh = spawnSync('bash', [path.join(ROOT, 'examples', example, 'run.sh')], { env: { ...env(), OUT_DIR: out }, encoding: 'utf8' });
    expect({ status: sh.status, stderr: sh.status ? sh.stderr : '' }).toEqual({ status: 0, stderr: '' });
    expect(sh.stdout).toContain('5/5 done: 5 tested, 0 error');
    expect(sh.stdout).toContain(example === 'iris' ? 'test.npy  shape (30, 3)' : 'test.npy  shape (102,)');
    const py = spawnSync(PYTHON, [path.join(ROOT, 'examples', example, 'run.py')], { env: env(), encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(py.status).toBe(0);
    expect(py.stdout).toContain(example === 'iris' ? 'accuracy of the folds: mean' : 'test RMSE of the folds: mean');
  }, 120_000);

  it('the Python client installs with pip from its folder', () => {
    const venv = path.join(dir, 'venv');
    const make = spawnSync(PYTHON, ['-m', 'venv', '--system-site-packages', venv], { encoding: 'utf8' });
    expect(make.stderr).toBe('');
    const copy = path.join(dir, 'client-src');
    spawnSync('cp', ['-r', path.join(ROOT, 'clients', 'python'), copy]);
    const pip = spawnSync(path.join(venv, 'bin', 'pip'), ['install', '--no-build-isolation', '--no-deps', '--no-index', copy], { encoding: 'utf8' });
    expect(pip.status).toBe(0);
    const use = spawnSync(path.join(venv, 'bin', 'python'), ['-c', 'import datarun_client, datarun_client.post_api as p; print(datarun_client.__file__, callable(p.post_submission_fold))'], { encoding: 'utf8', cwd: '/' });
    expect(use.stdout).toContain(path.join(venv, 'lib'));
    expect(use.stdout.trim().endsWith('True')).toBe(true);
  }, 120_000);

  const pythonTests = path.join(ROOT, 'clients', 'python', 'tests');
  (existsSync(pythonTests) ? it : it.skip)('the Python client (datarun_client): its whole test suite against this service', () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'tests'], {
      cwd: path.join(ROOT, 'clients', 'python'),
      env: { PATH: '/usr/bin:/bin', PYTHONPATH: path.join(ROOT, 'clients', 'python'), DATARUN_TEST_URL: url, DATARUN_TEST_USER: 'admin', DATARUN_TEST_PASSWORD: 'admin-password' },
      encoding: 'utf8', timeout: 600_000,
    });
    if (r.status !== 0) throw new Error(r.stderr.slice(-4000));
    expect(r.stderr).toMatch(/\nOK/);
    expect(r.stderr).not.toMatch(/skipped=/);
  }, 600_000);
});
