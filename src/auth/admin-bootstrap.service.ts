import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AuthService } from './auth.service.js';

/**
 * DATARUN_ADMIN_USERNAME/PASSWORD create or reset that admin at every boot. A first boot
 * without them creates `admin` with a random password, printed once and kept in
 * $DATARUN_DATA_DIR/initial-admin-password (mode 600), so a fresh service is usable at once.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const generated = await this.auth.bootstrapAdmin(this.config.admin);
    if (!generated) return;
    const file = path.join(this.config.dataDir, 'initial-admin-password');
    await fs.mkdir(this.config.dataDir, { recursive: true });
    await fs.writeFile(file, generated + '\n', { mode: 0o600 });
    this.logger.warn(`No user existed: created user 'admin' with password '${generated}' (also in ${file}). Add users with: npx datarun-admin user add <name>`);
  }
}
