import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_INT32, ToInt } from '../../common/validation.js';
import { ERROR_KINDS, type Job } from '../../jobs/job.entity.js';
import { FOLD_STATES, PRIORITIES, type SubmissionFold } from '../submission-fold.entity.js';

export class CreateSubmissionFoldDto {
  @ApiProperty({ example: 11 })
  @ToInt() @IsInt() @Min(0) @Max(MAX_INT32)
  databoard_sf_id: number;

  @ApiProperty({ example: 1 })
  @ToInt() @IsInt() @Min(0) @Max(MAX_INT32)
  databoard_s_id: number;

  @ApiProperty({ example: 'eJxjYGBgYGRgZGBiYGZgYWBhYGVgY2BnYGTgZGBi', description: 'Train indices: base64(zlib(int64 little-endian))' })
  @IsString()
  train_is: string;

  @ApiProperty({ example: 'eJxjZWBgYGNgZ2BnYGTgYGBi', description: 'Test indices: base64(zlib(int64 little-endian))' })
  @IsString()
  test_is: string;

  @ApiPropertyOptional({ enum: PRIORITIES, default: 'L' })
  @IsOptional() @IsIn(PRIORITIES, { message: "priority must be 'L' (low) or 'H' (high)" })
  priority?: 'L' | 'H';

  @ApiPropertyOptional({ example: 1, description: 'RawData id; required when the submission is new' })
  @ToInt() @IsOptional() @IsInt() @Min(0) @Max(MAX_INT32)
  raw_data?: number;

  @ApiPropertyOptional({
    type: 'object', additionalProperties: { type: 'string' }, example: { 'classifier.py': 'eJzLzC3ILypRSC1KLgYAGKcEJg==' },
    description: '{filename: base64(zlib(content))}; required when the submission is new',
  })
  @IsOptional() @IsObject()
  files?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'submission, submission_fold', nullable: true,
    description: "'submission, submission_fold': replace both; 'submission_fold': replace the fold, keep the submission",
  })
  @IsOptional() @IsString()
  force?: string | null;
}

export class SubmissionFoldLightDto {
  @ApiProperty({ example: 11 }) databoard_sf_id: number;
  @ApiProperty({ example: 1, description: 'Submission id' }) databoard_s: number;
  @ApiProperty({ enum: FOLD_STATES }) state: string;
  @ApiProperty({ description: 'True until its predictions have been handed out once' }) new: boolean;

  static from(f: SubmissionFold): SubmissionFoldLightDto {
    return { databoard_sf_id: f.databoardSfId, databoard_s: f.databoardSId, state: f.state, new: f.new };
  }
}

/** Timing, CPU and memory figures and predictions, as prediction records and folds share them. */
export class FoldResultsDto extends SubmissionFoldLightDto {
  @ApiProperty({ nullable: true, type: String, description: 'base64(zlib(float64 LE)) on test.csv' }) test_predictions: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'base64(zlib(float64 LE)) on train.csv' }) full_train_predictions: string | null;
  @ApiProperty() log_messages: string;
  @ApiProperty({ description: 'wall seconds' }) train_time: number;
  @ApiProperty({ description: 'wall seconds' }) validation_time: number;
  @ApiProperty({ description: 'wall seconds' }) test_time: number;
  @ApiProperty({ description: 'CPU seconds' }) train_cpu_time: number;
  @ApiProperty({ description: 'CPU seconds' }) test_cpu_time: number;
  @ApiProperty({ description: 'peak KB' }) train_memory: number;
  @ApiProperty({ description: 'peak KB' }) test_memory: number;

  static override from(f: SubmissionFold): FoldResultsDto {
    return {
      ...SubmissionFoldLightDto.from(f),
      test_predictions: f.testPredictions,
      full_train_predictions: f.fullTrainPredictions,
      log_messages: f.logMessages,
      train_time: f.trainTime,
      validation_time: f.validationTime,
      test_time: f.testTime,
      train_cpu_time: f.trainCpuTime,
      test_cpu_time: f.testCpuTime,
      train_memory: f.trainMemory,
      test_memory: f.testMemory,
    };
  }
}

export class SubmissionFoldDto extends FoldResultsDto {
  @ApiProperty({ enum: PRIORITIES }) priority: string;
  @ApiProperty() train_is: string;
  @ApiProperty() test_is: string;
  @ApiProperty({ description: 'Id of the job that trains this fold' }) task_id: string;

  @ApiProperty({ nullable: true, type: String, description: 'Id of the runner running it, or that ran it last' }) runner: string | null;
  @ApiProperty({ nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ description: 'Times a runner took it (more than 1 when a runner died under it)' }) attempts: number;
  @ApiProperty({ nullable: true, enum: ERROR_KINDS, description: 'Why it is in ERROR: its code raised (submission), timeout, memory, cancelled, or infrastructure' })
  error_kind: string | null;

  static override from(f: SubmissionFold, job?: Job | null): SubmissionFoldDto {
    return {
      ...FoldResultsDto.from(f), priority: f.priority, train_is: f.trainIs, test_is: f.testIs, task_id: f.taskId,
      runner: job?.runnerId ?? null,
      started_at: job?.startedAt?.toISOString() ?? null,
      finished_at: job?.finishedAt?.toISOString() ?? null,
      attempts: job?.attempts ?? 0,
      error_kind: job?.errorKind ?? null,
    };
  }
}

export class SubmissionFoldDetailDto extends SubmissionFoldDto {
  @ApiProperty({ nullable: true, type: Number, description: 'While it waits: 1 = next to run' }) queue_position: number | null;
  @ApiProperty({ description: "True while it waits for its dataset's split" }) waiting_for_split: boolean;
}
