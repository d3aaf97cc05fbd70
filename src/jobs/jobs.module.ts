import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlobModule } from '../blob/blob.module.js';
import { JobQueueService } from './job-queue.service.js';
import { Job } from './job.entity.js';
import { JobsService } from './jobs.service.js';

@Module({ imports: [TypeOrmModule.forFeature([Job]), BlobModule], providers: [JobsService, JobQueueService], exports: [JobsService, JobQueueService] })
export class JobsModule {}
