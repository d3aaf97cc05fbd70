import type { DataSourceOptions } from 'typeorm';
import { ApiToken } from '../auth/api-token.entity.js';
import { User } from '../auth/user.entity.js';
import { FileBlob, FileBlobChunk } from '../blob/blob.entity.js';
import { Job } from '../jobs/job.entity.js';
import { RawData, RawDataFile } from '../raw-data/raw-data.entity.js';
import { SubmissionFold } from '../submission-fold/submission-fold.entity.js';
import { Submission, SubmissionFile } from '../submission/submission.entity.js';
import { Initial1764028800000 } from './migrations/1764028800000-Initial.js';
import { Runner1764032400000 } from './migrations/1764032400000-Runner.js';
import { SplitSizes1764036000000 } from './migrations/1764036000000-SplitSizes.js';
import { RunnerRecord } from '../jobs/runner-record.entity.js';

export const ENTITIES = [User, ApiToken, FileBlob, FileBlobChunk, RawData, RawDataFile, Submission, SubmissionFile, SubmissionFold, Job, RunnerRecord];
export const MIGRATIONS = [Initial1764028800000, Runner1764032400000, SplitSizes1764036000000];

/** The one DataSource configuration: the service, the CLI, ormconfig.ts and the tests use it. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    extra: { max: poolSize, application_name: 'datarun' },
  };
}
