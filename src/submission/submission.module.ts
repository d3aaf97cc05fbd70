import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlobModule } from '../blob/blob.module.js';
import { SubmissionController } from './submission.controller.js';
import { Submission, SubmissionFile } from './submission.entity.js';
import { SubmissionService } from './submission.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Submission, SubmissionFile]), BlobModule],
  controllers: [SubmissionController],
  providers: [SubmissionService],
  exports: [SubmissionService],
})
export class SubmissionModule {}
