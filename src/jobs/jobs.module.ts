import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobQueueService } from './job-queue.service.js';
import { Job } from './job.entity.js';
import { JobsService } from './jobs.service.js';

@Module({ imports: [TypeOrmModule.forFeature([Job])], providers: [JobsService, JobQueueService], exports: [JobsService, JobQueueService] })
export class JobsModule {}
