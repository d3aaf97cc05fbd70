#!/usr/bin/env node
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DatarunApiError, DatarunClient, decodePredictions, type FoldLight } from '../client/datarun-client.js';
import { kFold, readIndexFile, shuffleSplit, type FoldIndices } from './folds.js';
import { toCsv, toNpy } from './npy.js';

const USAGE = `datarun: the datarun service from the command line

Connection: --url (DATARUN_URL, default http://127.0.0.1:8000), --user/--password
(DATARUN_USER/DATARUN_PASSWORD) or --token (DATARUN_TOKEN). With none of them, the admin
password of a local service (data/initial-admin-password) is used.

  datarun data push <file.csv> --name N --target COL --workflow W [--specific specific.py] [--extra FILE]...
  datarun data list
  datarun data show <raw_data_id>
  datarun split <raw_data_id> [--test 0.2] [--seed 42]      standard split (waits; --no-wait to return at once)
  datarun split <raw_data_id> --custom                      run specific.prepare_data
  datarun submit <raw_data_id> <folder> --submission S      post the .py files of <folder> on folds:
        (--kfold K | --shuffle-split N [--test-size 0.2] | --train-index F --test-index F ...)
        [--seed 42] [--first-fold-id ID] [--priority L|H] [--force] [--watch]
  datarun watch <fold_id>... | --submission S               live progress until every fold has finished
  datarun predictions <fold_id>... | --submission S | --new [--raw-data ID]  --out DIR [--format npy|csv]
  datarun cancel <fold_id>
  datarun runners
  datarun token create [--name N] | token list | token revoke <id>
  datarun user add|passwd|list|remove ...                   (runs on the service's machine: datarun-admin)
`;

class UsageError extends Error {}

const OPTIONS = {
  url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, token: { type: 'string' },
  name: { type: 'string' }, target: { type: 'string' }, workflow: { type: 'string' }, specific: { type: 'string' },
  extra: { type: 'string', multiple: true }, test: { type: 'string' }, seed: { type: 'string' }, custom: { type: 'boolean' },
  'no-wait': { type: 'boolean' }, submission: { type: 'string' }, kfold: { type: 'string' }, 'shuffle-split': { type: 'string' },
  'test-size': { type: 'string' }, 'train-index': { type: 'string', multiple: true }, 'test-index': { type: 'string', multiple: true },
  'first-fold-id': { type: 'string' }, priority: { type: 'string' }, force: { type: 'boolean' }, watch: { type: 'boolean' },
  out: { type: 'string' }, format: { type: 'string' }, new: { type: 'boolean' }, 'raw-data': { type: 'string' },
  admin: { type: 'boolean' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function int(v: string | undefined, what: string, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`${what} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`${what} must be an integer (got ${v})`);
  return n;
}

function connect(v: Values): DatarunClient {
  const url = v.url ?? process.env.DATARUN_URL ?? 'http://127.0.0.1:8000';
  const token = v.token ?? process.env.DATARUN_TOKEN;
  if (token) return new DatarunClient({ url, token });
  let username = v.user ?? process.env.DATARUN_USER;
  let password = v.password ?? process.env.DATARUN_PASSWORD;
  const local = path.join(process.env.DATARUN_DATA_DIR ?? 'data', 'initial-admin-password');
  if (username === undefined && password === undefined && existsSync(local)) {
    username = 'admin';
    password = readFileSync(local, 'utf8').trim();
  }
  return new DatarunClient({ url, username: username ?? 'admin', password });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals: p } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (v.help || p.length === 0) {
    process.stdout.write(USAGE);
    return v.help ? 0 : 2;
  }
  const [cmd, ...rest] = p;
  if (cmd === 'user') {
    const { runAdmin } = await import('./admin-commands.js');
    return runAdmin(['user', ...rest, ...(v.password ? ['--password', v.password] : []), ...(v.admin ? ['--admin'] : [])]);
  }
  const api = connect(v);
  switch (cmd) {
    case 'data':
      return data(api, rest, v);
    case 'split':
      return split(api, int(rest[0], '<raw_data_id>'), v);
    case 'submit':
      return submit(api, rest, v);
    case 'watch': {
      const ids = v.submission ? (await api.getSubmission(int(v.submission, '--submission'))).folds : rest.map((x) => int(x, '<fold_id>'));
      return watch(api, ids, v);
    }
    case 'predictions':
      return predictions(api, rest, v);
    case 'cancel': {
      const f = await api.cancelFold(int(rest[0], '<fold_id>'));
      console.log(`fold ${f.databoard_sf_id}: ${f.state}${f.error_kind ? ` (${f.error_kind})` : ' (cancel requested)'}`);
      return 0;
    }
    case 'runners': {
      const runners = await api.runners();
      if (!runners.length) console.log('no live runner');
      for (const r of runners) {
        console.log(`${r.id}  ${r.host} pid ${r.pid}  ${r.busy}/${r.slots} busy  ${r.jobs_done} done  heartbeat ${r.last_heartbeat}${r.sandbox_warnings.length ? `  warnings: ${r.sandbox_warnings.join('; ')}` : ''}`);
      }
      return 0;
    }
    case 'token':
      return token(api, rest, v);
    default:
      throw new UsageError(`unknown command '${cmd}'\n\n${USAGE}`);
  }
}

async function data(api: DatarunClient, [action, arg]: string[], v: Values): Promise<number> {
  if (action === 'list') {
    for (const r of await api.listRawData()) {
      console.log(`${r.id}\t${r.name}\t${r.workflow_elements}\ttarget ${r.target_column}\t${r.is_custom ? 'custom' : 'standard'}\t${r.split_done ? `split (${r.n_train ?? '?'} train / ${r.n_test ?? '?'} test rows)` : 'not split'}`);
    }
    return 0;
  }
  if (action === 'show') {
    console.log(JSON.stringify(await api.getRawData(int(arg, '<raw_data_id>')), null, 2));
    return 0;
  }
  if (action === 'push') {
    if (!arg) throw new UsageError('data push needs the data file');
    const files: Record<string, Buffer> = { [path.basename(arg)]: readFileSync(arg) };
    if (v.specific) files[path.basename(v.specific)] = readFileSync(v.specific);
    for (const extra of v.extra ?? []) files[path.basename(extra)] = readFileSync(extra);
    const r = await api.createRawData({
      name: v.name ?? path.basename(arg).replace(/\.[^.]*$/, ''),
      targetColumn: v.target ?? (() => { throw new UsageError('--target is required'); })(),
      workflowElements: v.workflow ?? 'classifier',
      files,
    });
    console.log(`dataset ${r.id} '${r.name}' created (${r.is_custom ? 'custom' : 'standard'})`);
    return 0;
  }
  throw new UsageError(`unknown command 'data ${action ?? ''}'`);
}

async function split(api: DatarunClient, id: number, v: Values): Promise<number> {
  const { task_id } = v.custom ? await api.customSplit(id) : await api.split(id, Number(v.test ?? '0.2'), int(v.seed, '--seed', 42));
  console.log(`split requested (task ${task_id})`);
  if (v['no-wait']) return 0;
  const deadline = Date.now() + int(v.timeout, '--timeout', 600) * 1000;
  for (;;) {
    const d = await api.getRawData(id);
    if (d.split?.task_id === task_id && d.split.status === 'error') {
      console.error(`datarun: the split failed: ${d.split.error}`);
      return 1;
    }
    if (d.split_done && d.split?.task_id === task_id) {
      console.log(`dataset ${id} split: ${d.n_train ?? '?'} train rows, ${d.n_test ?? '?'} test rows`);
      return 0;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for the split');
    await sleep(200);
  }
}

async function submit(api: DatarunClient, [rawArg, folder]: string[], v: Values): Promise<number> {
  const rawDataId = int(rawArg, '<raw_data_id>');
  if (!folder || !statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError('submit needs a folder of submission files');
  const submissionId = int(v.submission, '--submission');
  const files = Object.fromEntries(
    readdirSync(folder).filter((f) => f.endsWith('.py') && statSync(path.join(folder, f)).isFile()).map((f) => [f, readFileSync(path.join(folder, f))]),
  );
  if (!Object.keys(files).length) throw new UsageError(`${folder} holds no .py file`);
  const seed = int(v.seed, '--seed', 42);
  let folds: FoldIndices[];
  if (v['train-index']?.length) {
    const tests = v['test-index'] ?? [];
    if (tests.length !== v['train-index'].length) throw new UsageError('give one --test-index per --train-index');
    folds = v['train-index'].map((f, i) => ({ train: readIndexFile(f), test: readIndexFile(tests[i]) }));
  } else {
    const ds = await api.getRawData(rawDataId);
    if (ds.n_train === null) throw new UsageError(`dataset ${rawDataId} has no known row count yet (split it first, or give --train-index/--test-index)`);
    if (v.kfold) folds = kFold(ds.n_train, int(v.kfold, '--kfold'), seed);
    else if (v['shuffle-split']) folds = shuffleSplit(ds.n_train, int(v['shuffle-split'], '--shuffle-split'), Number(v['test-size'] ?? '0.2'), seed);
    else throw new UsageError('say how to make folds: --kfold K, --shuffle-split N, or --train-index/--test-index');
  }
  const priority = (v.priority ?? 'L').toUpperCase();
  if (priority !== 'L' && priority !== 'H') throw new UsageError('--priority is L or H');
  let next = v['first-fold-id'] !== undefined ? int(v['first-fold-id'], '--first-fold-id') : 1 + Math.max(0, ...(await api.listFoldsLight()).map((f) => f.databoard_sf_id));
  const ids: number[] = [];
  for (const [i, f] of folds.entries()) {
    const fold = await api.createFold({
      foldId: next++, submissionId, trainIs: f.train, testIs: f.test, priority: priority as 'L' | 'H',
      ...(i === 0 ? { rawDataId, files } : {}),
      ...(v.force ? { force: i === 0 ? 'submission, submission_fold' : 'submission_fold' } : {}),
    });
    ids.push(fold.databoard_sf_id);
  }
  console.log(`submission ${submissionId}: ${ids.length} fold(s) queued: ${ids.join(' ')}`);
  return v.watch ? watch(api, ids, v) : 0;
}

/** Live progress: a redrawn line on a terminal, one line per change otherwise. */
async function watch(api: DatarunClient, ids: number[], v: Values): Promise<number> {
  if (!ids.length) throw new UsageError('nothing to watch');
  const wanted = new Set(ids);
  const tty = process.stdout.isTTY;
  const deadline = Date.now() + int(v.timeout, '--timeout', 3600) * 1000;
  let last = '';
  const start = Date.now();
  for (;;) {
    const folds = (await api.listFoldsLight()).filter((f) => wanted.has(f.databoard_sf_id));
    const count = (s: FoldLight['state']) => folds.filter((f) => f.state === s).length;
    const done = count('TESTED') + count('ERROR');
    const width = 30;
    const bar = '#'.repeat(Math.round((done / ids.length) * width)).padEnd(width, '.');
    const line = `[${bar}] ${done}/${ids.length} done: ${count('TESTED')} tested, ${count('ERROR')} error, ${count('TRAINED') + count('VALIDATED')} running, ${count('TODO')} waiting  (${((Date.now() - start) / 1000).toFixed(1)} s)`;
    if (tty) process.stdout.write(`\r${line}\x1b[K`);
    else if (line.replace(/\(.*s\)$/, '') !== last.replace(/\(.*s\)$/, '')) console.log(line);
    last = line;
    if (folds.length < ids.length) throw new Error(`unknown fold(s): ${ids.filter((id) => !folds.some((f) => f.databoard_sf_id === id)).join(', ')}`);
    if (done === ids.length) {
      if (tty) process.stdout.write('\n');
      for (const f of folds.filter((x) => x.state === 'ERROR')) {
        const d = await api.getFold(f.databoard_sf_id);
        console.error(`fold ${f.databoard_sf_id}: ERROR (${d.error_kind}): ${d.log_messages.trim().split('\n').slice(-1)[0] ?? ''}`);
      }
      return count('ERROR') ? 1 : 0;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for the folds');
    await sleep(tty ? 200 : 500);
  }
}

async function predictions(api: DatarunClient, ids: string[], v: Values): Promise<number> {
  if (!v.out) throw new UsageError('--out DIR is required');
  const format = v.format ?? 'npy';
  if (format !== 'npy' && format !== 'csv') throw new UsageError('--format is npy or csv');
  const foldIds = v.submission ? (await api.getSubmission(int(v.submission, '--submission'))).folds : ids.map((x) => int(x, '<fold_id>'));
  if (!v.new && !foldIds.length) throw new UsageError('which folds? give fold ids, --submission S, or --new');
  const records = v.new ? await api.predictionsNew(v['raw-data'] ? int(v['raw-data'], '--raw-data') : undefined) : await api.predictionsList(foldIds);
  mkdirSync(v.out, { recursive: true });
  const sizes = new Map<number, { nTrain: number | null; nTest: number | null }>();
  const sizeOf = async (submissionId: number) => {
    if (!sizes.has(submissionId)) {
      const ds = await api.getRawData((await api.getSubmission(submissionId)).raw_data);
      sizes.set(submissionId, { nTrain: ds.n_train, nTest: ds.n_test });
    }
    return sizes.get(submissionId)!;
  };
  let written = 0;
  for (const r of records) {
    if (r.state !== 'TESTED' || !r.test_predictions || !r.full_train_predictions) {
      console.error(`fold ${r.databoard_sf_id}: ${r.state}, no predictions`);
      continue;
    }
    const { nTrain, nTest } = await sizeOf(r.databoard_s);
    for (const [which, encoded, rows] of [['test', r.test_predictions, nTest], ['full_train', r.full_train_predictions, nTrain]] as const) {
      const values = decodePredictions(encoded);
      const n = rows ?? values.length;
      const shape = values.length === n ? [n] : [n, values.length / n];
      const file = path.join(v.out, `fold_${r.databoard_sf_id}_${which}.${format}`);
      writeFileSync(file, format === 'npy' ? toNpy(values, shape) : toCsv(values, shape));
      console.log(`${file}  shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
      written++;
    }
  }
  return records.length && written ? 0 : 1;
}

async function token(api: DatarunClient, [action, arg]: string[], v: Values): Promise<number> {
  if (action === 'create') {
    const t = await api.createToken(v.name ?? '');
    console.log(`token ${t.id} (shown once): ${t.token}`);
  } else if (action === 'list') {
    for (const t of await api.tokens()) console.log(`${t.id}\t${t.name || '-'}\t${t.revoked_at ? 'revoked' : 'active'}\tlast used ${t.last_used_at ?? 'never'}`);
  } else if (action === 'revoke') {
    await api.revokeToken(int(arg, '<token id>'));
    console.log(`revoked token ${arg}`);
  } else throw new UsageError(`unknown command 'token ${action ?? ''}'`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    const usage = (e as Error)?.constructor?.name === 'UsageError' || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const known = usage || e instanceof DatarunApiError || e instanceof Error;
    process.stderr.write(`datarun: ${e instanceof DatarunApiError && e.status ? `${e.message} (HTTP ${e.status})` : known ? (e as Error).message : String(e)}\n`);
    process.exit(usage ? 2 : 1);
  },
);
