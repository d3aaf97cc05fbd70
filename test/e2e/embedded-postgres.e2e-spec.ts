import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { readRunningPort } from '../../src/database/embedded-postgres.js';
import { irisDataset } from '../helpers/payloads.js';
import { freePort, startService, waitHealthy } from '../helpers/service-process.js';
import { basic } from '../helpers/test-app.js';

const AUTH = basic('admin', 'admin-password');

function postgresPids(dataDir: string): number[] {
  const out = execFileSync('ps', ['-eww', '-o', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('postgres') && l.includes(dataDir)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

/** The real service process (`node dist/src/main.js`) on the embedded database, no DATABASE_URL. */
describe('the service on its embedded PostgreSQL', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datarun-embedded-'));
  const pgDir = path.join(dir, 'pg');
  afterAll(() => {
    for (const pid of postgresPids(pgDir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const env = async () => ({ PORT: String(await freePort()), DATARUN_DATA_DIR: dir, DATARUN_ADMIN_USERNAME: 'admin', DATARUN_ADMIN_PASSWORD: 'admin-password' });

  it('starts with zero set-up on a free loopback port, keeps data across restarts, stops cleanly', async () => {
    const svc = startService(await env());
    await waitHealthy(svc.port);
    const pgPort = readRunningPort(pgDir)!;
    expect(pgPort).not.toBe(5432);
    const created = await fetch(`http://127.0.0.1:${svc.port}/runapp/rawdata/`, {
      method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify(irisDataset('kept')),
    });
    expect(created.status).toBe(201);

    const t0 = Date.now();
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(postgresPids(pgDir)).toEqual([]);

    const again = startService(await env());
    await waitHealthy(again.port);
    const list = (await (await fetch(`http://127.0.0.1:${again.port}/runapp/rawdata/`, { headers: { authorization: AUTH } })).json()) as { name: string }[];
    expect(list.map((r: { name: string }) => r.name)).toEqual(['kept']);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('recovers when the previous process was killed with SIGKILL (left-over postgres)', async () => {
    const svc = startService(await env());
    await waitHealthy(svc.port);
    svc.child.kill('SIGKILL');
    await svc.exited;
    expect(postgresPids(pgDir).length).toBeGreaterThan(0); // the orphan is still there

    const next = startService(await env());
    await waitHealthy(next.port);
    expect(next.output()).toContain('left behind');
    const list = (await (await fetch(`http://127.0.0.1:${next.port}/runapp/rawdata/`, { headers: { authorization: AUTH } })).json()) as { name: string }[];
    expect(list.map((r: { name: string }) => r.name)).toEqual(['kept']);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(postgresPids(pgDir)).toEqual([]);
  });

  it('answers /health 503 while the database is down', async () => {
    const svc = startService(await env());
    await waitHealthy(svc.port);
    // The postmaster and every backend (they share its process group): connections die too.
    for (const pid of postgresPids(pgDir)) {
      const pgid = Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
      process.kill(-pgid, 'SIGKILL');
    }
    try {
      // Connections notice a dead server at their next use: give it a few tries.
      let res = await fetch(`http://127.0.0.1:${svc.port}/health`);
      for (let i = 0; i < 20 && res.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 250));
        res = await fetch(`http://127.0.0.1:${svc.port}/health`);
      }
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'error', database: 'down' });
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect(await svc.exited).toBe(0);
  });

  it('generates an admin on a first boot without DATARUN_ADMIN_* and keeps its password in the data dir', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'datarun-fresh-'));
    try {
      const port = String(await freePort());
      const svc = startService({ PORT: port, DATARUN_DATA_DIR: fresh });
      await waitHealthy(svc.port).catch((e) => {
        throw new Error(`${e.message}\n${svc.output()}`);
      });
      const file = path.join(fresh, 'initial-admin-password');
      const password = readFileSync(file, 'utf8').trim();
      expect(svc.output()).toContain(password);
      const res = await fetch(`http://127.0.0.1:${port}/runapp/rawdata/`, { headers: { authorization: basic('admin', password) } });
      expect(res.status).toBe(200);
      svc.child.kill('SIGTERM');
      expect(await svc.exited).toBe(0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  const asRoot = userInfo().uid === 0;
  (asRoot ? it : it.skip)('also runs as an unprivileged user (nobody)', async () => {
    const own = mkdtempSync(path.join(tmpdir(), 'datarun-nobody-'));
    chmodSync(own, 0o755);
    chownSync(own, 65534, 65534);
    try {
      const port = String(await freePort());
      const svc = startService({ PORT: port, DATARUN_DATA_DIR: path.join(own, 'data'), DATARUN_ADMIN_USERNAME: 'admin', DATARUN_ADMIN_PASSWORD: 'admin-password' }, { uid: 65534, gid: 65534 });
      await waitHealthy(svc.port).catch((e) => {
        throw new Error(`${e.message}\n${svc.output()}`);
      });
      expect(existsSync(path.join(own, 'data', 'pg', 'PG_VERSION'))).toBe(true);
      svc.child.kill('SIGTERM');
      expect(await svc.exited).toBe(0);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  (asRoot ? it : it.skip)('explains, as root, a data folder postgres cannot reach', async () => {
    const closed = mkdtempSync(path.join(tmpdir(), 'datarun-closed-')); // mode 0700, root's
    try {
      const svc = startService({ PORT: String(await freePort()), DATARUN_DATA_DIR: path.join(closed, 'data') });
      expect(await svc.exited).toBe(1);
      expect(svc.output()).toContain(`cannot enter ${closed}`);
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it('refuses to boot on invalid configuration, naming the variable', async () => {
    const svc = startService({ PORT: 'eighty', DATARUN_DATA_DIR: dir, DATARUN_MAX_FILE_MB: '-1' });
    expect(await svc.exited).toBe(2);
    expect(svc.output()).toMatch(/PORT/);
    expect(svc.output()).toMatch(/DATARUN_MAX_FILE_MB/);
    const half = startService({ PORT: '8000', DATARUN_DATA_DIR: dir, DATARUN_ADMIN_USERNAME: 'x' });
    expect(await half.exited).toBe(2);
    expect(half.output()).toMatch(/DATARUN_ADMIN_PASSWORD/);
  });
});
