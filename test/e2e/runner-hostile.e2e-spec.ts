import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { enc, idx, range } from '../helpers/payloads.js';
import { readShared, SUBMISSIONS, waitFold, waitFor, waitSplit } from '../helpers/runner.js';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Processes running under the uids of this test's runner: a zygote with pid P gives its jobs
 * uids 200000 + (P mod 2^22) * 64 + slot (runner/sandbox.py). Escaped processes keep their
 * uid even when re-parented, so none may remain once a job has ended.
 */
function jobProcesses(): string[] {
  const rows = execFileSync('ps', ['-eww', '-o', 'pid=,ppid=,uid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pid, ppid, uid, ...args] = l.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), uid: Number(uid), args: args.join(' ') };
    });
  const zygotes = rows.filter((r) => r.ppid === process.pid && r.args.includes('zygote.py'));
  expect(zygotes.length).toBeGreaterThan(0);
  const bases = zygotes.map((z) => 200000 + (z.pid % 4194304) * 64);
  return rows.filter((r) => bases.some((b) => r.uid >= b && r.uid < b + 64)).map((r) => `${r.pid} ${r.uid} ${r.args}`);
}

const fitting = (body: string) => `import os, sys, time, socket, subprocess


class Classifier:
    def fit(self, X, y):
${body.split('\n').map((l) => '        ' + l).join('\n')}

    def predict_proba(self, X):
        raise RuntimeError('unreachable')
`;

describe('runner: hostile submissions are contained', () => {
  let t: TestApp;
  let iris: number;
  let sid = 0;
  const marker = `datarun-escape-${process.pid}`;

  beforeAll(async () => {
    t = await startTestApp({ DATARUN_ROLE: 'all', DATARUN_RUNNER_SLOTS: '2', DATARUN_JOB_TIMEOUT_S: '4', DATARUN_JOB_MEMORY_MB: '1024' });
    iris = (await t.api('POST', '/runapp/rawdata/', { name: 'iris', target_column: 'species', workflow_elements: 'classifier', files: { 'iris.csv': enc(readShared('iris.csv')) } })).body.id;
    await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: iris, held_out_test: 0.2 });
    await waitSplit(t, iris);
  });
  afterAll(() => t.close());

  async function run(code: string) {
    sid += 1;
    const res = await t.api('POST', '/runapp/submissionfold/', {
      databoard_sf_id: sid, databoard_s_id: sid, raw_data: iris, train_is: idx(range(0, 80)), test_is: idx(range(0, 5)),
      files: { 'classifier.py': enc(code) },
    });
    expect(res.status).toBe(201);
    return waitFold(t, sid, 60_000);
  }

  async function thenAHealthyFoldRuns() {
    expect(jobProcesses()).toEqual([]);
    const ok = await run(SUBMISSIONS.classifier);
    expect(ok.state).toBe('TESTED');
  }

  it('an endless loop is killed at the timeout', async () => {
    const pending = run(fitting('while True:\n    pass'));
    // While it runs, its processes are visible under the job uids: the check below can see them.
    await waitFor(async () => jobProcesses().length > 0, 10_000, 'the job to show up under its uid');
    const f = await pending;
    expect(f).toMatchObject({ state: 'ERROR', error_kind: 'timeout' });
    await thenAHealthyFoldRuns();
  });

  it('a 100 GB allocation fails as memory', async () => {
    const f = await run(fitting("b = bytearray(100 * 1024 ** 3)"));
    expect(f).toMatchObject({ state: 'ERROR', error_kind: 'memory' });
    await thenAHealthyFoldRuns();
  });

  it('a fork bomb is contained and leaves no process', async () => {
    const f = await run(fitting('while True:\n    try:\n        os.fork()\n    except OSError:\n        pass'));
    expect(f.state).toBe('ERROR');
    expect(['timeout', 'submission', 'memory']).toContain(f.error_kind);
    await thenAHealthyFoldRuns();
  });

  it('a child that calls setsid and sleeps is killed with the job', async () => {
    const f = await run(fitting("subprocess.Popen(['sleep', '1000'], start_new_session=True)\nsubprocess.Popen([sys.executable, '-c', 'import os, time; os.setsid(); time.sleep(1000)'])\ntime.sleep(1000)"));
    expect(f).toMatchObject({ state: 'ERROR', error_kind: 'timeout' });
    expect(execFileSync('ps', ['-eww', '-o', 'args='], { encoding: 'utf8' })).not.toMatch(/sleep 1000/);
    await thenAHealthyFoldRuns();
  });

  it('cannot open a connection to the database', async () => {
    const port = new URL(t.db.url).port || '5432';
    const f = await run(fitting(`s = socket.create_connection(('127.0.0.1', ${port}), timeout=2)\nraise RuntimeError('CONNECTED to the database')`));
    expect(f).toMatchObject({ state: 'ERROR', error_kind: 'submission' });
    expect(f.log_messages).not.toContain('CONNECTED');
    expect(f.log_messages).toMatch(/Error/);
    await thenAHealthyFoldRuns();
  });

  it("sees nothing of the service's environment", async () => {
    const f = await run(fitting("raise RuntimeError('ENV ' + repr(dict(os.environ)) + ' ' + open('/proc/1/environ', 'rb').read().decode(errors='replace') if os.path.exists('/proc/1/environ') and os.access('/proc/1/environ', os.R_OK) else 'ENV ' + repr(dict(os.environ)))"));
    expect(f).toMatchObject({ state: 'ERROR', error_kind: 'submission' });
    expect(f.log_messages).toContain('ENV {');
    for (const secret of ['DATABASE_URL', 'TEST_PG_SERVER_URL', ADMIN.password, new URL(t.db.url).password || 'no-password-set', 'DATARUN_']) {
      expect(f.log_messages).not.toContain(secret);
    }
    await thenAHealthyFoldRuns();
  });

  it('cannot write outside its workspace', async () => {
    const targets = [`/tmp/${marker}`, `/var/tmp/${marker}`, `/dev/shm/${marker}`, `${process.cwd()}/${marker}`, `${t.config.dataDir}/${marker}`];
    const f = await run(fitting(`written = []\nfor p in ${JSON.stringify(targets)}:\n    try:\n        open(p, 'w').write('x')\n        written.append(p)\n    except OSError:\n        pass\nraise RuntimeError('WROTE %r' % written)`));
    expect(f).toMatchObject({ state: 'ERROR', error_kind: 'submission' });
    for (const p of targets) expect(existsSync(p)).toBe(false);
    await thenAHealthyFoldRuns();
  });

  it('cannot read the test labels (the cached test.csv)', async () => {
    const f = await run(fitting(`found = []\nfor root, dirs, files in os.walk(${JSON.stringify(t.config.dataDir)}):\n    for n in files:\n        if n == 'test.csv':\n            found.append(open(os.path.join(root, n)).read()[:50])\nraise RuntimeError('FOUND %r' % found)`));
    expect(f).toMatchObject({ state: 'ERROR', error_kind: 'submission' });
    expect(f.log_messages).toContain('FOUND []');
  });
});
