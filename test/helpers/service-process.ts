import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const MAIN = path.resolve(process.cwd(), 'dist', 'src', 'main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs the built service (`node dist/src/main.js`) as its own process, as `npm start` does. */
export function startService(env: Record<string, string | undefined>, opts: { uid?: number; gid?: number } = {}): ServiceProcess & { port: number } {
  const port = Number(env.PORT);
  const cleanEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', DATARUN_LOG_REQUESTS: 'false' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) cleanEnv[k] = v;
  const child = spawn(process.execPath, [MAIN], { env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, port, output: () => out, exited };
}

export async function waitHealthy(port: number, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service on port ${port} did not become healthy`);
}
