import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { BlobModule } from '../blob/blob.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { RunnerService } from './runner.service.js';

/** The worker side: present when DATARUN_ROLE is `all` or `runner`. */
@Module({ imports: [ScheduleModule.forRoot(), JobsModule, BlobModule], providers: [RunnerService] })
export class RunnerModule {}
