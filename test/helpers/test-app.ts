import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app.setup.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export const ADMIN = { username: 'alice', password: 'alice-secret-pw' };

export interface TestApp {
  baseUrl: string;
  app: INestApplication;
  db: TestDatabase;
  config: AppConfig;
  /** fetch against the app, JSON in and out, as ADMIN unless `auth` says otherwise. */
  api(method: string, path: string, body?: unknown, opts?: { auth?: string | null; raw?: string; headers?: Record<string, string> }): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

/** The real application on a real port, over its own fresh database. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'datarun-app-'));
  const config = loadConfig({
    DATARUN_ADMIN_USERNAME: ADMIN.username,
    DATARUN_ADMIN_PASSWORD: ADMIN.password,
    DATARUN_LOG_REQUESTS: 'false',
    DATARUN_DATA_DIR: dataDir,
    // The API alone unless a test asks for a runner (DATARUN_ROLE: 'all').
    DATARUN_ROLE: 'api',
    ...env,
  });
  const app = await createApp(config, db.url, env.DATARUN_TEST_LOGS ? undefined : false);
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const adminAuth = basic(ADMIN.username, ADMIN.password);
  return {
    baseUrl,
    app,
    db,
    config,
    async api(method, path, body, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const auth = opts.auth === undefined ? adminAuth : opts.auth;
      if (auth) headers.authorization = auth;
      let payload: string | undefined = opts.raw;
      if (body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(baseUrl + path, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
