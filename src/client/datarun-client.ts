import { inflateSync } from 'node:zlib';
import { encodeIndices, encodePayload } from '../common/codec.js';

/**
 * A typed client for every datarun endpoint. It handles the wire encodings: files and
 * indices go out as base64(zlib(bytes)), predictions come back decoded on request.
 * No NestJS here: usable from any Node ≥ 20 program (it uses the global fetch).
 */

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  username?: string;
  password?: string;
  /** A bearer token (POST /runapp/tokens/); used instead of username/password. */
  token?: string;
}

export interface RawData {
  id: number;
  name: string;
  files_path: string;
  workflow_elements: string;
  target_column: string;
  is_custom: boolean;
  split_done: boolean;
  n_train: number | null;
  n_test: number | null;
}

export interface RawDataDetail extends RawData {
  files: { filename: string; kind: 'input' | 'output'; size: number; sha256: string }[];
  split: { task_id: string; kind: string; status: string; error: string | null; params: Record<string, unknown>; requested_at: string; finished_at: string | null } | null;
  created_at: string;
}

export type FoldState = 'TODO' | 'TRAINED' | 'VALIDATED' | 'TESTED' | 'ERROR';

export interface FoldLight {
  databoard_sf_id: number;
  databoard_s: number;
  state: FoldState;
  new: boolean;
}

export interface PredictionRecord extends FoldLight {
  test_predictions: string | null;
  full_train_predictions: string | null;
  log_messages: string;
  train_time: number;
  validation_time: number;
  test_time: number;
  train_cpu_time: number;
  test_cpu_time: number;
  train_memory: number;
  test_memory: number;
}

export interface Fold extends PredictionRecord {
  priority: 'L' | 'H';
  train_is: string;
  test_is: string;
  task_id: string;
  runner: string | null;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  error_kind: 'submission' | 'timeout' | 'memory' | 'cancelled' | 'infrastructure' | null;
}

export interface FoldDetail extends Fold {
  queue_position: number | null;
  waiting_for_split: boolean;
}

export interface Runner {
  id: string;
  host: string;
  pid: number;
  slots: number;
  busy: number;
  jobs_done: number;
  last_heartbeat: string;
  started_at: string;
  python: string;
  sandbox_warnings: string[];
}

export interface Token {
  id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface NewFold {
  foldId: number;
  submissionId: number;
  trainIs: ArrayLike<number>;
  testIs: ArrayLike<number>;
  priority?: 'L' | 'H';
  /** Needed with `files` when the submission is new. */
  rawDataId?: number;
  files?: Record<string, Buffer | string>;
  force?: 'submission_fold' | 'submission, submission_fold';
}

/** A 4xx/5xx answer: `message` is the server's `error` sentence. */
export class DatarunApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

const encodeFiles = (files: Record<string, Buffer | string>) =>
  Object.fromEntries(Object.entries(files).map(([name, content]) => [name, encodePayload(Buffer.isBuffer(content) ? content : Buffer.from(content))]));

export class DatarunClient {
  private readonly base: string;
  private readonly auth?: string;

  constructor(opts: ClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    if (opts.token) this.auth = `Bearer ${opts.token}`;
    else if (opts.username !== undefined) this.auth = 'Basic ' + Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64');
  }

  health(): Promise<{ status: string; database: string }> {
    return this.request('GET', '/health');
  }

  listRawData(): Promise<RawData[]> {
    return this.request('GET', '/runapp/rawdata/');
  }

  getRawData(id: number): Promise<RawDataDetail> {
    return this.request('GET', `/runapp/rawdata/${id}/`);
  }

  /** One data file → a standard dataset; add `specific.py` (and more files) → a custom one. */
  createRawData(d: { name: string; targetColumn: string; workflowElements: string; files: Record<string, Buffer | string> }): Promise<RawData> {
    return this.request('POST', '/runapp/rawdata/', { name: d.name, target_column: d.targetColumn, workflow_elements: d.workflowElements, files: encodeFiles(d.files) });
  }

  split(rawDataId: number, heldOutTest: number, randomState = 42): Promise<{ task_id: string }> {
    return this.request('POST', '/runapp/rawdata/split/', { raw_data_id: rawDataId, held_out_test: heldOutTest, random_state: randomState });
  }

  customSplit(rawDataId: number): Promise<{ task_id: string }> {
    return this.request('POST', '/runapp/rawdata/customsplit/', { raw_data_id: rawDataId });
  }

  listFolds(): Promise<Fold[]> {
    return this.request('GET', '/runapp/submissionfold/');
  }

  listFoldsLight(): Promise<FoldLight[]> {
    return this.request('GET', '/runapp/submissionfold-light/');
  }

  getFold(id: number): Promise<FoldDetail> {
    return this.request('GET', `/runapp/submissionfold/${id}/`);
  }

  createFold(f: NewFold): Promise<Fold> {
    return this.request('POST', '/runapp/submissionfold/', {
      databoard_sf_id: f.foldId,
      databoard_s_id: f.submissionId,
      train_is: encodeIndices(f.trainIs),
      test_is: encodeIndices(f.testIs),
      priority: f.priority ?? 'L',
      ...(f.rawDataId !== undefined ? { raw_data: f.rawDataId } : {}),
      ...(f.files ? { files: encodeFiles(f.files) } : {}),
      ...(f.force ? { force: f.force } : {}),
    });
  }

  cancelFold(id: number): Promise<FoldDetail> {
    return this.request('POST', `/runapp/submissionfold/${id}/cancel/`, {});
  }

  getSubmission(id: number): Promise<{ databoard_s_id: number; raw_data: number; hash_files: string; files: { filename: string }[]; folds: number[] }> {
    return this.request('GET', `/runapp/submission/${id}/`);
  }

  /** Prediction records of these folds (any state); they are no longer `new` afterwards. */
  predictionsList(foldIds: number[]): Promise<PredictionRecord[]> {
    return this.request('POST', '/runapp/testpredictions/list/', { list_submission_fold: foldIds });
  }

  /** TESTED folds not handed out yet (of one dataset if given); handed out once. */
  predictionsNew(rawDataId?: number): Promise<PredictionRecord[]> {
    return this.request('POST', '/runapp/testpredictions/new/', rawDataId === undefined ? {} : { raw_data_id: rawDataId });
  }

  runners(): Promise<Runner[]> {
    return this.request('GET', '/runapp/runners/');
  }

  tokens(): Promise<Token[]> {
    return this.request('GET', '/runapp/tokens/');
  }

  createToken(name = ''): Promise<Token & { token: string }> {
    return this.request('POST', '/runapp/tokens/', { name });
  }

  revokeToken(id: number): Promise<void> {
    return this.request('DELETE', `/runapp/tokens/${id}/`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.auth) headers.authorization = this.auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new DatarunApiError(0, `cannot reach ${this.base}: ${(e as { cause?: Error }).cause?.message ?? (e as Error).message}`, undefined);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const message = (parsed as { error?: unknown })?.error;
      throw new DatarunApiError(res.status, typeof message === 'string' ? message : `HTTP ${res.status} on ${method} ${path}`, parsed);
    }
    return parsed as T;
  }
}

/** Predictions as float64 values: a regressor gives n_rows, a classifier n_rows × n_classes (row-major). */
export function decodePredictions(encoded: string): Float64Array {
  const bytes = inflateSync(Buffer.from(encoded, 'base64'));
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
