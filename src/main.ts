import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { openDatabase } from './database/database.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = new Logger('datarun');
  const db = await openDatabase(config, (msg) => logger.log(msg));
  let app;
  try {
    app = await createApp(config, db.url);
    await app.listen(config.port, config.host);
  } catch (e) {
    await db.close();
    throw e;
  }
  logger.log(`datarun listening on http://${config.host}:${config.port} (database: ${db.embedded ? 'embedded' : 'DATABASE_URL'})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 30_000).unref();
    await app.close().catch((e) => logger.error(e));
    await db.close().catch((e) => logger.error(e));
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  process.stderr.write(`datarun failed to start: ${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
