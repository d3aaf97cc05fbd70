import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The one place datarun starts child processes: short commands (`runCommand`, e.g. pg_ctl)
 * and long-lived JSON-lines peers (`JsonLinesProcess`, the Python runner).
 */
export function runCommand(file: string, args: string[], opts: SpawnOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve(out) : reject(new Error(`${file} ${args[0] ?? ''} failed (${code ?? signal}): ${out.trim()}`)),
    );
  });
}

/** A child process that takes one JSON object per line on stdin and answers the same way on stdout. */
export class JsonLinesProcess<Event extends object = Record<string, unknown>> {
  private readonly child: ChildProcess;
  private stderrTail = '';
  readonly exited: Promise<number | null>;

  constructor(file: string, args: string[], opts: SpawnOptions, onEvent: (e: Event) => void, onStderr?: (line: string) => void) {
    this.child = spawn(file, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (!line.trim()) return;
      let event: Event;
      try {
        event = JSON.parse(line) as Event;
      } catch {
        onStderr?.(`unparsable line on stdout: ${line.slice(0, 200)}`);
        return;
      }
      onEvent(event);
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail = (this.stderrTail + line + '\n').slice(-8192);
      onStderr?.(line);
    });
    this.child.stdin!.on('error', () => undefined); // EPIPE once it died: `exited` reports that
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.on('error', (e) => onStderr?.(`spawn failed: ${e.message}`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it wrote on stderr (for error messages). */
  get stderr(): string {
    return this.stderrTail;
  }

  send(message: object): void {
    if (this.alive) this.child.stdin!.write(JSON.stringify(message) + '\n');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Closes stdin (the peer's cue to stop) and waits, killing it after `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
