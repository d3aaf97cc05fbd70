import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { enc, irisCsv, irisDataset } from '../helpers/payloads.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('RawData endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('stores a standard dataset as <name>.csv and lists it with the contract fields', async () => {
    const res = await t.api('POST', '/runapp/rawdata/', irisDataset('iris'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'iris', target_column: 'species', workflow_elements: 'classifier', files_path: 'raw_data/iris' });
    expect(typeof res.body.id).toBe('number');

    const detail = await t.api('GET', `/runapp/rawdata/${res.body.id}/`);
    expect(detail.status).toBe(200);
    expect(detail.body.files).toEqual([{ filename: 'iris.csv', kind: 'input', size: irisCsv().length, sha256: sha(irisCsv()) }]);
    expect(detail.body.split).toBeNull();
    expect(detail.body.is_custom).toBe(false);

    for (const path of ['/runapp/rawdata/', '/runapp/rawdata']) {
      const list = await t.api('GET', path);
      expect(list.status).toBe(200);
      expect(list.body).toEqual([expect.objectContaining({ id: res.body.id, name: 'iris', files_path: 'raw_data/iris', workflow_elements: 'classifier', target_column: 'species' })]);
    }
  });

  it('renames a single file whatever its name, and stores content once however often posted', async () => {
    const res = await t.api('POST', '/runapp/rawdata', { ...irisDataset('iris_copy'), files: { 'whatever.txt': enc(irisCsv()) } });
    expect(res.status).toBe(201);
    const detail = await t.api('GET', `/runapp/rawdata/${res.body.id}`);
    expect(detail.body.files.map((f: { filename: string }) => f.filename)).toEqual(['iris_copy.csv']);
    const [{ n }] = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM file_blob WHERE sha256 = $1', [sha(irisCsv())]);
    expect(Number(n)).toBe(1);
  });

  it('refuses a duplicate name with the old message and changes nothing', async () => {
    const before = await t.db.digest();
    const res = await t.api('POST', '/runapp/rawdata/', irisDataset('iris'));
    expect(res.status).toBe(400);
    expect(res.text).toContain('RawData with this name already exists');
    expect(await t.db.digest()).toBe(before);
  });

  it('stores the .py of several files as specific.py (custom dataset) and keeps the other names', async () => {
    const res = await t.api('POST', '/runapp/rawdata/', {
      name: 'stars', target_column: 'type', workflow_elements: 'feature_extractor, classifier',
      files: { 'stars_datarun.py': enc('def prepare_data(p): pass\n'), 'data.csv': enc('a,type\n1,x\n'), 'extra.npy': enc('xx') },
    });
    expect(res.status).toBe(201);
    expect(res.body.is_custom).toBe(true);
    const detail = await t.api('GET', `/runapp/rawdata/${res.body.id}/`);
    expect(detail.body.files.map((f: { filename: string }) => f.filename).sort()).toEqual(['data.csv', 'extra.npy', 'specific.py']);
  });

  it('answers 406 {"error": ...} to several files without a .py, and stores nothing', async () => {
    const before = await t.db.digest();
    const res = await t.api('POST', '/runapp/rawdata/', { ...irisDataset('two'), files: { 'a.csv': enc('a,species\n'), 'b.csv': enc('b') } });
    expect(res.status).toBe(406);
    expect(typeof res.body.error).toBe('string');
    expect(await t.db.digest()).toBe(before);
  });

  it('checks the target column and the workflow elements of a standard dataset', async () => {
    const bad = await t.api('POST', '/runapp/rawdata/', { ...irisDataset('typo'), target_column: 'specis' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toHaveProperty('target_column');
    const wf = await t.api('POST', '/runapp/rawdata/', { ...irisDataset('typo'), workflow_elements: 'classifer' });
    expect(wf.status).toBe(400);
    expect(wf.body.fields).toHaveProperty('workflow_elements');
  });

  it('records a split as queued work and answers its task_id at once', async () => {
    const { body: ds } = await t.api('POST', '/runapp/rawdata/', irisDataset('iris_split'));
    const res = await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: ds.id, held_out_test: 0.2, random_state: 7 });
    expect(res.status).toBe(200);
    expect(res.body.task_id).toMatch(/^[0-9a-f-]{36}$/);
    const detail = await t.api('GET', `/runapp/rawdata/${ds.id}/`);
    expect(detail.body.split).toMatchObject({ task_id: res.body.task_id, kind: 'split', status: 'queued', error: null, params: { held_out_test: 0.2, random_state: 7 } });
    expect(detail.body.split_done).toBe(false);

    const dflt = await t.api('POST', '/runapp/rawdata/split', { raw_data_id: ds.id, held_out_test: 0.5 });
    expect(dflt.status).toBe(200);
    const again = await t.api('GET', `/runapp/rawdata/${ds.id}/`);
    expect(again.body.split).toMatchObject({ task_id: dflt.body.task_id, params: { held_out_test: 0.5, random_state: 42 } });
  });

  it('sends custom datasets to customsplit and standard ones to split', async () => {
    const list = (await t.api('GET', '/runapp/rawdata/')).body as { id: number; name: string }[];
    const stars = list.find((r) => r.name === 'stars')!;
    const iris = list.find((r) => r.name === 'iris')!;
    expect((await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: stars.id, held_out_test: 0.2 })).status).toBe(400);
    expect((await t.api('POST', '/runapp/rawdata/customsplit/', { raw_data_id: iris.id })).status).toBe(400);
    const ok = await t.api('POST', '/runapp/rawdata/customsplit/', { raw_data_id: stars.id });
    expect(ok.status).toBe(200);
    expect((await t.api('GET', `/runapp/rawdata/${stars.id}/`)).body.split).toMatchObject({ task_id: ok.body.task_id, kind: 'customsplit' });
  });

  it('pages lists with limit and offset', async () => {
    const all = (await t.api('GET', '/runapp/rawdata/')).body as { id: number }[];
    expect(all.length).toBeGreaterThanOrEqual(3);
    const page = await t.api('GET', '/runapp/rawdata/?limit=2&offset=1');
    expect(page.body.map((r: { id: number }) => r.id)).toEqual(all.slice(1, 3).map((r) => r.id));
    expect((await t.api('GET', '/runapp/rawdata/?limit=0')).status).toBe(400);
    expect((await t.api('GET', '/runapp/rawdata/?offset=-1')).status).toBe(400);
  });

  it('answers 404 for an unknown dataset', async () => {
    expect((await t.api('GET', '/runapp/rawdata/999999/')).status).toBe(404);
    expect((await t.api('POST', '/runapp/rawdata/split/', { raw_data_id: 999999, held_out_test: 0.2 })).status).toBe(404);
    expect((await t.api('POST', '/runapp/rawdata/customsplit/', { raw_data_id: 999999 })).status).toBe(404);
  });
});
