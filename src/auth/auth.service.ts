import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { ApiToken } from './api-token.entity.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password.js';
import { User } from './user.entity.js';

export interface AuthUser {
  id: number;
  username: string;
  isAdmin: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const TOKEN_PREFIX = 'drt_';
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

/** Users, passwords and bearer tokens. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('AuthService');
  /**
   * scrypt costs ~50 ms by design; clients authenticate on every request. A verified
   * (user, password) pair is remembered against the stored hash it matched, so a
   * password change or a removed user takes effect on the next request.
   */
  private readonly verified = new Map<string, { hash: string; digest: Buffer; at: number }>();

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>,
  ) {}

  async checkBasic(username: string, password: string): Promise<AuthUser | undefined> {
    const user = await this.users.findOne({ where: { username } });
    if (!user) {
      await verifyPassword(password, DUMMY_HASH);
      return undefined;
    }
    const digest = sha256(`${user.id}\0${password}`);
    const cached = this.verified.get(username);
    if (cached && cached.hash === user.passwordHash && Date.now() - cached.at < CACHE_TTL_MS && timingSafeEqual(cached.digest, digest)) {
      return toAuthUser(user);
    }
    if (!(await verifyPassword(password, user.passwordHash))) return undefined;
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(username, { hash: user.passwordHash, digest, at: Date.now() });
    return toAuthUser(user);
  }

  async checkToken(token: string): Promise<AuthUser | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const row = await this.tokens.findOne({ where: { tokenHash: sha256(token).toString('hex'), revokedAt: IsNull() } });
    if (!row) return undefined;
    const user = await this.users.findOne({ where: { id: row.userId } });
    if (!user) return undefined;
    // Best effort, coarse (once a minute) to keep the write rate down.
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
      void this.tokens.update({ id: row.id }, { lastUsedAt: new Date() }).catch(() => undefined);
    }
    return toAuthUser(user);
  }

  /** Creates the user, or resets the password (and admin flag) of an existing one. */
  async upsertUser(username: string, password: string, isAdmin: boolean): Promise<{ user: User; created: boolean }> {
    const passwordHash = await hashPassword(password);
    const existing = await this.users.findOne({ where: { username } });
    if (existing) {
      await this.users.update({ id: existing.id }, { passwordHash, isAdmin });
      return { user: { ...existing, passwordHash, isAdmin }, created: false };
    }
    const user = await this.users.save(this.users.create({ username, passwordHash, isAdmin }));
    return { user, created: true };
  }

  listUsers(): Promise<User[]> {
    return this.users.find({ order: { id: 'ASC' } });
  }

  async removeUser(username: string): Promise<boolean> {
    const res = await this.users.delete({ username });
    return (res.affected ?? 0) > 0;
  }

  countUsers(): Promise<number> {
    return this.users.count();
  }

  /** Returns the token in clear text: it is not stored and cannot be shown again. */
  async createToken(userId: number, name: string): Promise<{ token: string; row: ApiToken }> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.tokens.save(this.tokens.create({ userId, name, tokenHash: sha256(token).toString('hex') }));
    return { token, row };
  }

  listTokens(userId?: number): Promise<ApiToken[]> {
    return this.tokens.find({ where: userId === undefined ? {} : { userId }, order: { id: 'ASC' } });
  }

  /** Revokes a token of `userId` (any user's when undefined); false when there is none. */
  async revokeToken(id: number, userId?: number): Promise<boolean> {
    const where = userId === undefined ? { id, revokedAt: IsNull() } : { id, userId, revokedAt: IsNull() };
    const res = await this.tokens.update(where, { revokedAt: new Date() });
    return (res.affected ?? 0) > 0;
  }

  /** DATARUN_ADMIN_USERNAME/PASSWORD at boot; a first boot without them gets a generated admin. */
  async bootstrapAdmin(admin: { username: string; password: string } | undefined): Promise<string | undefined> {
    if (admin) {
      const { created } = await this.upsertUser(admin.username, admin.password, true);
      this.logger.log(`${created ? 'created' : 'reset the password of'} admin user '${admin.username}'`);
      return undefined;
    }
    if ((await this.countUsers()) > 0) return undefined;
    const password = randomBytes(12).toString('base64url');
    await this.upsertUser('admin', password, true);
    return password;
  }
}

function toAuthUser(u: User): AuthUser {
  return { id: u.id, username: u.username, isAdmin: u.isAdmin };
}
