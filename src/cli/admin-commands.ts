import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ApiToken } from '../auth/api-token.entity.js';
import { AuthService } from '../auth/auth.service.js';
import { User } from '../auth/user.entity.js';
import { loadConfig } from '../config/app-config.js';
import { openDatabase, openDataSource } from '../database/database.js';

const USAGE = `datarun-admin: manage datarun users and API tokens (same DATABASE_URL / DATARUN_DATA_DIR as the service)

  datarun-admin user add <username> [--password P] [--admin]   create a user (random password printed if none given)
  datarun-admin user passwd <username> [--password P]          set a new password
  datarun-admin user list                                     list users
  datarun-admin user remove <username>                        remove a user and their tokens
  datarun-admin token create <username> [--name N]            create a bearer token (printed once)
  datarun-admin token list [<username>]                       list tokens
  datarun-admin token revoke <id>                             revoke a token
`;

export class UsageError extends Error {}

/** `datarun-admin` (and `datarun user …`): returns the exit code; throws UsageError on misuse. */
export async function runAdmin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { password: { type: 'string' }, admin: { type: 'boolean' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length < 2) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const [group, action, arg] = positionals;
  const config = loadConfig();
  const db = await openDatabase(config);
  const ds = await openDataSource(db.url, 2);
  const auth = new AuthService(ds.getRepository(User), ds.getRepository(ApiToken));
  const need = (what: string) => {
    if (!arg) throw new UsageError(`missing <${what}>`);
    return arg;
  };
  const userId = async (username: string) => {
    const u = (await auth.listUsers()).find((x) => x.username === username);
    if (!u) throw new UsageError(`no user '${username}'`);
    return u.id;
  };
  try {
    switch (`${group} ${action}`) {
      case 'user add':
      case 'user passwd': {
        const username = need('username');
        const existing = (await auth.listUsers()).find((u) => u.username === username);
        if (action === 'add' && existing) throw new UsageError(`user '${username}' already exists (use 'user passwd')`);
        if (action === 'passwd' && !existing) throw new UsageError(`no user '${username}'`);
        const password = values.password ?? randomBytes(12).toString('base64url');
        if (password.length < 8) throw new UsageError('a password needs at least 8 characters');
        await auth.upsertUser(username, password, values.admin ?? existing?.isAdmin ?? false);
        console.log(`${action === 'add' ? 'created' : 'updated'} user '${username}'${values.password ? '' : ` with password: ${password}`}`);
        break;
      }
      case 'user list':
        for (const u of await auth.listUsers()) console.log(`${u.id}\t${u.username}${u.isAdmin ? '\tadmin' : ''}\t${u.createdAt.toISOString()}`);
        break;
      case 'user remove':
        if (!(await auth.removeUser(need('username')))) throw new UsageError(`no user '${arg}'`);
        console.log(`removed user '${arg}'`);
        break;
      case 'token create': {
        const { token, row } = await auth.createToken(await userId(need('username')), values.name ?? '');
        console.log(`token ${row.id} for '${arg}' (shown once): ${token}`);
        break;
      }
      case 'token list': {
        const users = new Map((await auth.listUsers()).map((u) => [u.id, u.username]));
        const tokens = await auth.listTokens(arg ? await userId(arg) : undefined);
        for (const t of tokens) {
          console.log(`${t.id}\t${users.get(t.userId)}\t${t.name || '-'}\t${t.revokedAt ? 'revoked' : 'active'}\tlast used ${t.lastUsedAt?.toISOString() ?? 'never'}`);
        }
        break;
      }
      case 'token revoke': {
        const id = Number(need('id'));
        if (!Number.isInteger(id) || !(await auth.revokeToken(id))) throw new UsageError(`no active token ${arg}`);
        console.log(`revoked token ${id}`);
        break;
      }
      default:
        throw new UsageError(`unknown command '${group} ${action}'\n\n${USAGE}`);
    }
    return 0;
  } finally {
    await ds.destroy();
    await db.close();
  }
}

