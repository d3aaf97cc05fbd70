import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8000, databaseUrl: undefined, maxFileBytes: 1024 * 1048576, maxBodyBytes: 256 * 1048576, admin: undefined });
    expect(c.dataDir).toBe(path.resolve('./data'));
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000', DATABASE_URL: 'postgres://u@h:5432/db', DATARUN_DATA_DIR: '/srv/dr', DATARUN_MAX_FILE_MB: '5',
      DATARUN_MAX_BODY_MB: '7', DATARUN_ADMIN_USERNAME: 'root', DATARUN_ADMIN_PASSWORD: 'long-enough',
    });
    expect(c).toMatchObject({ port: 9000, databaseUrl: 'postgres://u@h:5432/db', dataDir: '/srv/dr', maxFileBytes: 5 * 1048576, maxBodyBytes: 7 * 1048576, admin: { username: 'root', password: 'long-enough' } });
  });

  it('names each bad variable', () => {
    const bad = () => loadConfig({ PORT: 'x', DATABASE_URL: 'mysql://x', DATARUN_MAX_BODY_MB: '0', DATARUN_ADMIN_PASSWORD: 'short' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      for (const v of ['PORT', 'DATABASE_URL', 'DATARUN_MAX_BODY_MB', 'DATARUN_ADMIN_PASSWORD', 'DATARUN_ADMIN_USERNAME']) expect((e as Error).message).toContain(v);
    }
  });
});
