import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { basic, startTestApp, type TestApp } from '../helpers/test-app.js';

const CLI = path.resolve(process.cwd(), 'dist', 'src', 'cli', 'admin.js');

describe('datarun-admin CLI', () => {
  let t: TestApp;
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: t.db.url }, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('adds a user who can then call the API, lists and removes users', async () => {
    expect(cli('user', 'add', 'dave', '--password', 'dave-password').code).toBe(0);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: basic('dave', 'dave-password') })).status).toBe(200);
    expect(cli('user', 'list').out).toMatch(/\tdave\t/);
    const dup = cli('user', 'add', 'dave');
    expect(dup.code).toBe(2);
    expect(dup.err).toContain('already exists');
    const generated = cli('user', 'add', 'erin');
    const password = /with password: (\S+)/.exec(generated.out)![1];
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: basic('erin', password) })).status).toBe(200);
    expect(cli('user', 'passwd', 'erin', '--password', 'erin-new-password').code).toBe(0);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: basic('erin', password) })).status).toBe(401);
    expect(cli('user', 'remove', 'erin').code).toBe(0);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: basic('erin', 'erin-new-password') })).status).toBe(401);
  });

  it('creates, lists and revokes tokens', async () => {
    const created = cli('token', 'create', 'dave', '--name', 'ci');
    expect(created.code).toBe(0);
    const [, id, token] = /token (\d+) .*: (drt_\S+)/.exec(created.out)!;
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: `Bearer ${token}` })).status).toBe(200);
    expect(cli('token', 'list', 'dave').out).toMatch(new RegExp(`^${id}\\tdave\\tci\\tactive`, 'm'));
    expect(cli('token', 'revoke', id).code).toBe(0);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: `Bearer ${token}` })).status).toBe(401);
    expect(cli('token', 'revoke', id).code).toBe(2);
  });

  it('fails with a message and a non-zero code on misuse', () => {
    expect(cli('user', 'frobnicate').code).toBe(2);
    expect(cli('token', 'create', 'nobody-here').err).toContain("no user 'nobody-here'");
  });
});
