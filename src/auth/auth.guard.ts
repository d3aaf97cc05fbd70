import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthService, type AuthUser } from './auth.service.js';
import { IS_PUBLIC } from './public.decorator.js';

export type AuthedRequest = Request & { user: AuthUser };

/** HTTP Basic or `Authorization: Bearer <token>` on every route not marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const user = await this.authenticate(req.headers.authorization);
    if (!user) throw new UnauthorizedException('Authentication credentials were not provided or are not valid');
    req.user = user;
    return true;
  }

  private async authenticate(header: string | undefined): Promise<AuthUser | undefined> {
    if (!header) return undefined;
    const [scheme, value = ''] = header.trim().split(/\s+/, 2);
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 1) return undefined;
      return this.auth.checkBasic(decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    if (/^bearer$/i.test(scheme)) return this.auth.checkToken(value);
    return undefined;
  }
}
