import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthModule } from './auth/auth.module.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { migrateWithLock } from './database/migrate.js';
import { HealthModule } from './health/health.module.js';
import { PredictionsModule } from './predictions/predictions.module.js';
import { RawDataModule } from './raw-data/raw-data.module.js';
import { SubmissionFoldModule } from './submission-fold/submission-fold.module.js';
import { SubmissionModule } from './submission/submission.module.js';
import { RunnerApiModule } from './runner/runner-api.module.js';
import { RunnerModule } from './runner/runner.module.js';

/** Makes the validated config injectable everywhere (@Inject(APP_CONFIG)). */
@Global()
@Module({})
class ConfigModule {
  static register(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

@Module({})
export class AppModule {
  /** `databaseUrl`: the database to use (DATABASE_URL or the embedded one, see openDatabase). */
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.register(config),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(databaseUrl, config.dbPoolSize),
          dataSourceFactory: async (options) => {
            const ds = await new DataSource(options!).initialize();
            await migrateWithLock(ds);
            return ds;
          },
        }),
        HealthModule,
        // api: the /runapp/ API; runner: only /health and the worker (scale-out processes).
        ...(config.role !== 'runner' ? [AuthModule, RawDataModule, SubmissionModule, SubmissionFoldModule, PredictionsModule, RunnerApiModule] : []),
        ...(config.role !== 'api' ? [RunnerModule] : []),
      ],
    };
  }
}
