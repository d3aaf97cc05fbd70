import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobsModule } from '../jobs/jobs.module.js';
import { SubmissionModule } from '../submission/submission.module.js';
import { SubmissionFoldController } from './submission-fold.controller.js';
import { SubmissionFold } from './submission-fold.entity.js';
import { SubmissionFoldService } from './submission-fold.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([SubmissionFold]), SubmissionModule, JobsModule],
  controllers: [SubmissionFoldController],
  providers: [SubmissionFoldService],
  exports: [SubmissionFoldService],
})
export class SubmissionFoldModule {}
