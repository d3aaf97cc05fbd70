import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, basic, startTestApp, type TestApp } from '../helpers/test-app.js';

const ROUTES: [string, string][] = [
  ['GET', '/runapp/rawdata/'], ['POST', '/runapp/rawdata/'], ['GET', '/runapp/rawdata/1/'], ['POST', '/runapp/rawdata/split/'],
  ['POST', '/runapp/rawdata/customsplit/'], ['GET', '/runapp/submissionfold/'], ['GET', '/runapp/submissionfold-light/'],
  ['GET', '/runapp/submissionfold/1/'], ['POST', '/runapp/submissionfold/'], ['POST', '/runapp/testpredictions/list/'],
  ['POST', '/runapp/testpredictions/new/'], ['GET', '/runapp/submission/'], ['GET', '/runapp/tokens/'], ['POST', '/runapp/tokens/'],
];

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 401 with WWW-Authenticate: Basic on every /runapp/ route without valid credentials', async () => {
    const wrong = [null, basic(ADMIN.username, 'nope'), basic('mallory', ADMIN.password), 'Bearer drt_forged', 'Basic !!!', 'Digest x'];
    for (const [method, path] of ROUTES) {
      for (const auth of wrong) {
        const res = await t.api(method, path, method === 'POST' ? {} : undefined, { auth });
        expect({ method, path, auth, status: res.status }).toEqual({ method, path, auth, status: 401 });
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      }
    }
  });

  it('lets an authenticated user in, with Basic', async () => {
    expect((await t.api('GET', '/runapp/rawdata/')).status).toBe(200);
  });

  it('creates, uses, lists and revokes bearer tokens', async () => {
    const created = await t.api('POST', '/runapp/tokens/', { name: 'databoard' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^drt_/);
    const bearer = `Bearer ${created.body.token}`;
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: bearer })).status).toBe(200);

    const list = await t.api('GET', '/runapp/tokens/', undefined, { auth: bearer });
    expect(list.body).toEqual([expect.objectContaining({ id: created.body.id, name: 'databoard', revoked_at: null })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    const [{ token_hash }] = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM api_token');
    expect(token_hash).not.toContain(created.body.token.slice(4));

    expect((await t.api('DELETE', `/runapp/tokens/${created.body.id}/`)).status).toBe(204);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: bearer })).status).toBe(401);
    expect((await t.api('DELETE', `/runapp/tokens/${created.body.id}/`)).status).toBe(404);
  });

  it("does not let a user revoke another user's token", async () => {
    const { AuthService } = await import('../../src/auth/auth.service.js');
    const auth = t.app.get(AuthService);
    const { user: bob } = await auth.upsertUser('bob', 'bob-password', false);
    const { row } = await auth.createToken(bob.id, 'bobs');
    expect((await t.api('DELETE', `/runapp/tokens/${row.id}/`)).status).toBe(404);
    expect((await t.api('GET', '/runapp/tokens/', undefined, { auth: basic('bob', 'bob-password') })).body).toHaveLength(1);
  });

  it('stores passwords as scrypt hashes, and a password change takes effect at once', async () => {
    const [{ password_hash }] = await t.db.query<{ password_hash: string }>('SELECT password_hash FROM app_user WHERE username = $1', [ADMIN.username]);
    expect(password_hash).toMatch(/^scrypt\$/);
    expect(password_hash).not.toContain(ADMIN.password);
    const { AuthService } = await import('../../src/auth/auth.service.js');
    const auth = t.app.get(AuthService);
    await auth.upsertUser('carol', 'first-password', false);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: basic('carol', 'first-password') })).status).toBe(200);
    await auth.upsertUser('carol', 'second-password', false);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: basic('carol', 'first-password') })).status).toBe(401);
    expect((await t.api('GET', '/runapp/rawdata/', undefined, { auth: basic('carol', 'second-password') })).status).toBe(200);
  });

  it('serves /health, Swagger UI and the OpenAPI document without credentials', async () => {
    const health = await t.api('GET', '/health', undefined, { auth: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up' });
    const ui = await fetch(`${t.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = await t.api('GET', '/docs-json', undefined, { auth: null });
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.components.securitySchemes).sort()).toEqual(['basic', 'bearer']);
    for (const p of ['/runapp/rawdata', '/runapp/rawdata/split', '/runapp/rawdata/customsplit', '/runapp/submissionfold', '/runapp/submissionfold-light', '/runapp/submissionfold/{id}', '/runapp/testpredictions/list', '/runapp/testpredictions/new']) {
      expect(doc.body.paths).toHaveProperty([p]);
    }
    const create = doc.body.paths['/runapp/submissionfold'].post;
    const ref = create.requestBody.content['application/json'].schema.$ref.split('/').pop();
    expect(Object.keys(doc.body.components.schemas[ref].properties)).toEqual(
      expect.arrayContaining(['databoard_sf_id', 'databoard_s_id', 'train_is', 'test_is', 'priority', 'raw_data', 'files', 'force']),
    );
    expect(create.description).toContain('curl -u username:password');
  });
});

describe('admin bootstrap', () => {
  it('DATARUN_ADMIN_USERNAME/PASSWORD reset the admin password at boot', async () => {
    const t = await startTestApp();
    try {
      const { AuthService } = await import('../../src/auth/auth.service.js');
      await t.app.get(AuthService).upsertUser(ADMIN.username, 'changed-by-someone', true);
      const { AdminBootstrapService } = await import('../../src/auth/admin-bootstrap.service.js');
      await t.app.get(AdminBootstrapService).onApplicationBootstrap();
      expect((await t.api('GET', '/runapp/rawdata/')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
