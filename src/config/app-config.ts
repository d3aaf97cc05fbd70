import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';
import { availableParallelism } from 'node:os';
import path from 'node:path';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value);
const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Environment variables the service reads; validated once at boot. */
class Environment {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 8000;

  @IsString()
  HOST = '0.0.0.0';

  @Transform(blankToUndefined) @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsString() @MinLength(1)
  DATARUN_DATA_DIR = './data';

  @Transform(toInt) @IsInt() @Min(1) @Max(1024 * 1024)
  DATARUN_MAX_FILE_MB = 1024;

  @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DATARUN_MAX_BODY_MB = 256;

  @Transform(blankToUndefined) @IsOptional() @IsString() @MinLength(1) @MaxLength(150)
  DATARUN_ADMIN_USERNAME?: string;

  @Transform(blankToUndefined) @IsOptional() @IsString() @MinLength(8, { message: 'DATARUN_ADMIN_PASSWORD must be at least 8 characters' })
  DATARUN_ADMIN_PASSWORD?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DATARUN_DB_POOL_SIZE = 10;

  @IsIn(['true', 'false'])
  DATARUN_LOG_REQUESTS = 'true';

  @IsString()
  DATARUN_PG_SYSTEM_USER = 'postgres';

  @IsIn(['all', 'api', 'runner'], { message: "DATARUN_ROLE must be 'all', 'api' or 'runner'" })
  DATARUN_ROLE = 'all';

  @Transform(toInt) @IsInt() @Min(1) @Max(256)
  DATARUN_RUNNER_SLOTS = availableParallelism();

  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  DATARUN_MAX_ATTEMPTS = 3;

  @Transform(toInt) @IsInt() @Min(64) @Max(1024 * 1024)
  DATARUN_JOB_MEMORY_MB = 4096;

  @Transform(toInt) @IsInt() @Min(1) @Max(7 * 24 * 3600)
  DATARUN_JOB_TIMEOUT_S = 1800;

  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  DATARUN_LEASE_S = 30;

  @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  DATARUN_SHUTDOWN_GRACE_S = 20;

  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  DATARUN_MAX_WARM_DATASETS = 4;

  @Transform(blankToUndefined) @IsOptional() @IsString()
  DATARUN_PYTHON?: string;
}

export interface AppConfig {
  port: number;
  host: string;
  /** undefined: start the embedded PostgreSQL under dataDir/pg. */
  databaseUrl?: string;
  dataDir: string;
  maxFileBytes: number;
  maxBodyBytes: number;
  admin?: { username: string; password: string };
  dbPoolSize: number;
  logRequests: boolean;
  pgSystemUser: string;
  role: 'all' | 'api' | 'runner';
  runner: RunnerConfig;
}

export interface RunnerConfig {
  slots: number;
  maxAttempts: number;
  jobMemoryMb: number;
  jobTimeoutS: number;
  leaseS: number;
  shutdownGraceS: number;
  maxWarmDatasets: number;
  /** undefined: the first of /usr/bin/python3, python3, .venv/bin/python with the stack. */
  python?: string;
}

export class ConfigError extends Error {}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new Environment());
  const raw: Record<string, string> = {};
  for (const key of [...known, 'DATABASE_URL', 'DATARUN_ADMIN_USERNAME', 'DATARUN_ADMIN_PASSWORD', 'DATARUN_PYTHON']) {
    if (env[key] !== undefined) raw[key] = env[key]!;
  }
  const e = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(e);
  const problems = errors.map((err) => `${err.property}: ${Object.values(err.constraints ?? {}).join('; ')} (got ${JSON.stringify(raw[err.property])})`);
  if (!!e.DATARUN_ADMIN_USERNAME !== !!e.DATARUN_ADMIN_PASSWORD) {
    problems.push('DATARUN_ADMIN_USERNAME and DATARUN_ADMIN_PASSWORD must be set together');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATARUN_DATA_DIR),
    maxFileBytes: e.DATARUN_MAX_FILE_MB * 1024 * 1024,
    maxBodyBytes: e.DATARUN_MAX_BODY_MB * 1024 * 1024,
    admin: e.DATARUN_ADMIN_USERNAME ? { username: e.DATARUN_ADMIN_USERNAME, password: e.DATARUN_ADMIN_PASSWORD! } : undefined,
    dbPoolSize: e.DATARUN_DB_POOL_SIZE,
    logRequests: e.DATARUN_LOG_REQUESTS === 'true',
    pgSystemUser: e.DATARUN_PG_SYSTEM_USER,
    role: e.DATARUN_ROLE as AppConfig['role'],
    runner: {
      slots: e.DATARUN_RUNNER_SLOTS,
      maxAttempts: e.DATARUN_MAX_ATTEMPTS,
      jobMemoryMb: e.DATARUN_JOB_MEMORY_MB,
      jobTimeoutS: e.DATARUN_JOB_TIMEOUT_S,
      leaseS: e.DATARUN_LEASE_S,
      shutdownGraceS: e.DATARUN_SHUTDOWN_GRACE_S,
      maxWarmDatasets: e.DATARUN_MAX_WARM_DATASETS,
      python: e.DATARUN_PYTHON,
    },
  };
}

/** Injection token of the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
