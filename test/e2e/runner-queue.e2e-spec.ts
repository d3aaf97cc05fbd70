import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { enc, idx, range } from '../helpers/payloads.js';
import { readShared, SUBMISSIONS, waitFold, waitFor, waitSplit } from '../helpers/runner.js';
import { freePort, startService, waitHealthy, type ServiceProcess } from '../helpers/service-process.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const SLOW = (seconds: number) => SUBMISSIONS.classifier.replace('    def fit(self, X, y):\n', `    def fit(self, X, y):\n        import time\n        time.sleep(${seconds})\n`);

/** An API-only app, with runner processes started separately on the same database. */
describe('runner: queue, leases and several runners', () => {
  let t: TestApp;
  let iris: number;
  let sid = 100;
  const runners: ServiceProcess[] = [];
  const dirs: string[] = [];

  async function runner(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const dir = mkdtempSync(path.join(tmpdir(), 'datarun-runner-'));
    dirs.push(dir);
    const svc = startService({ PORT: String(await freePort()), DATABASE_URL: t.db.url, DATARUN_ROLE: 'runner', DATARUN_DATA_DIR: dir, DATARUN_RUNNER_SLOTS: '1', DATARUN_LEASE_S: '2', ...env });
    runners.push(svc);
    await waitHealthy(svc.port);
    return svc;
  }
  async function post(files: Record<string, string> | undefined, priority: 'L' | 'H' = 'L', extra: Record<string, unknown> = {}) {
    sid += 1;
    const res = await t.api('POST', '/runapp/submissionfold/', {
      databoard_sf_id: sid, databoard_s_id: sid, raw_data: iris, train_is: idx(range(0, 80)), test_is: idx(range(0, 5)), priority,
      files: Object.fromEntries(Object.entries(files ?? { 'classifier.py': SUBMISSIONS.classifier }).map(([k, v]) => [k, enc(v)])), ...extra,
    });
    expect(res.status).toBe(201);
    return sid;
  }
  const stopRunners = async () => {
    for (const r of runners.splice(0)) {
      r.child.kill('SIGTERM');
      await r.exited;
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ DATARUN_LEASE_S: '2' });
    iris = (await t.api('POST', '/runapp/rawdata/', { name: 'iris', target_column: 'species', workflow_elements: 'classifier', files: { 'iris.csv': enc(readShared('iris.csv')) } })).body.id;
    await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: iris, held_out_test: 0.2 });
  });
  afterEach(stopRunners);
  afterAll(async () => {
    await stopRunners();
    await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the runner role serves only /health, no /runapp/ API', async () => {
    const r = await runner();
    expect((await fetch(`http://127.0.0.1:${r.port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${r.port}/runapp/rawdata/`)).status).toBe(404);
    await waitSplit(t, iris);
    const live = await t.api('GET', '/runapp/runners/');
    expect(live.body).toEqual([expect.objectContaining({ pid: r.child.pid, slots: 1, busy: 0, sandbox_warnings: [] })]);
  });

  it('refuses to start without a Python that has the scientific stack, naming the fix', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'datarun-nopy-'));
    dirs.push(dir);
    const svc = startService({ PORT: String(await freePort()), DATABASE_URL: t.db.url, DATARUN_ROLE: 'runner', DATARUN_DATA_DIR: dir, DATARUN_PYTHON: '/bin/false' });
    expect(await svc.exited).not.toBe(0);
    expect(svc.output()).toContain('DATARUN_PYTHON=/bin/false cannot import numpy, pandas and scikit-learn');
    expect(svc.output()).toContain('scripts/setup.sh');
  });

  it('runs H before L, then oldest first, and shows the queue position while waiting', async () => {
    const l1 = await post(undefined, 'L');
    const l2 = await post(undefined, 'L');
    const h = await post(undefined, 'H');
    expect((await t.api('GET', `/runapp/submissionfold/${h}/`)).body.queue_position).toBe(1);
    expect((await t.api('GET', `/runapp/submissionfold/${l1}/`)).body.queue_position).toBe(2);
    expect((await t.api('GET', `/runapp/submissionfold/${l2}/`)).body.queue_position).toBe(3);
    await runner();
    const done = await Promise.all([h, l1, l2].map((id) => waitFold(t, id)));
    expect(done.map((f) => f.state)).toEqual(['TESTED', 'TESTED', 'TESTED']);
    const order = [...done].sort((a, b) => a.started_at.localeCompare(b.started_at)).map((f) => f.databoard_sf_id);
    expect(order).toEqual([h, l1, l2]);
  });

  it('cancels a waiting fold at once, and kills a running one', async () => {
    await runner();
    const running = await post({ 'classifier.py': SLOW(30) });
    const waiting = await post(undefined);
    await waitFor(async () => (await t.api('GET', `/runapp/submissionfold/${running}/`)).body.started_at, 20_000, 'start');
    const c1 = await t.api('POST', `/runapp/submissionfold/${waiting}/cancel/`);
    expect(c1.status).toBe(200);
    expect(c1.body).toMatchObject({ state: 'ERROR', error_kind: 'cancelled' });
    const t0 = Date.now();
    expect((await t.api('POST', `/runapp/submissionfold/${running}/cancel`)).status).toBe(200);
    const killed = await waitFold(t, running, 15_000);
    expect(killed).toMatchObject({ state: 'ERROR', error_kind: 'cancelled' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await t.api('POST', `/runapp/submissionfold/${running}/cancel/`)).status).toBe(409);
    expect((await t.api('POST', '/runapp/submissionfold/999999/cancel/')).status).toBe(404);
  });

  it('two runner processes on one database never run a job twice', async () => {
    await Promise.all([runner({ DATARUN_RUNNER_SLOTS: '2' }), runner({ DATARUN_RUNNER_SLOTS: '2' })]);
    const ids: number[] = [];
    for (let i = 0; i < 16; i++) ids.push(await post(undefined));
    const folds = await Promise.all(ids.map((id) => waitFold(t, id)));
    expect(folds.every((f) => f.state === 'TESTED' && f.attempts === 1)).toBe(true);
    expect(new Set(folds.map((f) => f.runner)).size).toBe(2); // both worked
    const jobs = await t.db.query<{ attempts: number }>(`SELECT attempts FROM job WHERE submission_fold_id = ANY($1::int[])`, [ids]);
    expect(jobs.map((j) => j.attempts)).toEqual(ids.map(() => 1));
  });

  it('a runner killed with SIGKILL mid-job loses nothing: another runner finishes the job after the lease', async () => {
    const doomed = await runner();
    const id = await post({ 'classifier.py': SLOW(3) });
    await waitFor(async () => (await t.api('GET', `/runapp/submissionfold/${id}/`)).body.runner, 20_000, 'claim');
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await runner();
    const fold = await waitFold(t, id, 40_000);
    expect(fold).toMatchObject({ state: 'TESTED', attempts: 2 });
    // the dead runner's python is gone too, and left no job process behind
    await waitFor(async () => (await t.api('GET', '/runapp/runners/')).body.length === 1, 15_000, 'dead runner to drop off');
  });

  it('SIGTERM lets a running job finish within the grace period', async () => {
    const r = await runner({ DATARUN_SHUTDOWN_GRACE_S: '20' });
    const id = await post({ 'classifier.py': SLOW(2) });
    await waitFor(async () => (await t.api('GET', `/runapp/submissionfold/${id}/`)).body.started_at, 20_000, 'start');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect((await t.api('GET', `/runapp/submissionfold/${id}/`)).body).toMatchObject({ state: 'TESTED', attempts: 1 });
  });

  it('SIGTERM hands back a job that outlives the grace period, without counting the attempt', async () => {
    const r = await runner({ DATARUN_SHUTDOWN_GRACE_S: '1' });
    const id = await post({ 'classifier.py': SLOW(60) });
    await waitFor(async () => (await t.api('GET', `/runapp/submissionfold/${id}/`)).body.started_at, 20_000, 'start');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    const back = (await t.api('GET', `/runapp/submissionfold/${id}/`)).body;
    expect(back).toMatchObject({ state: 'TODO', attempts: 0, queue_position: 1 });
    await t.api('POST', `/runapp/submissionfold/${id}/cancel/`);
  });
});
