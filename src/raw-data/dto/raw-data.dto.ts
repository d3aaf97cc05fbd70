import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsInt, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT32, ToInt, ToNumber } from '../../common/validation.js';
import type { Job } from '../../jobs/job.entity.js';
import type { RawData } from '../raw-data.entity.js';

export class CreateRawDataDto {
  @ApiProperty({ example: 'iris', maxLength: 40, description: 'Unique dataset name (databoard: the problem name)' })
  @IsString() @IsNotEmpty() @MaxLength(40)
  name: string;

  @ApiProperty({ example: 'species' })
  @IsString() @IsNotEmpty() @MaxLength(1000)
  target_column: string;

  @ApiProperty({ example: 'classifier', description: 'Comma-separated, applied in this order: feature_extractor, classifier, calibrator, regressor' })
  @IsString() @IsNotEmpty() @MaxLength(1000)
  workflow_elements: string;

  @ApiProperty({
    type: 'object', additionalProperties: { type: 'string' },
    example: { 'iris.csv': 'eJwrSS0uAQAEXQHB' },
    description: '{filename: base64(zlib(content))}. One file: stored as `<name>.csv`. Several files: one must be a `.py` (stored as `specific.py`, the dataset is then custom).',
  })
  @IsDefined() @IsObject()
  files: Record<string, string>;
}

export class RawDataDto {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'iris' }) name: string;
  @ApiProperty({ example: 'raw_data/iris' }) files_path: string;
  @ApiProperty({ example: 'classifier' }) workflow_elements: string;
  @ApiProperty({ example: 'species' }) target_column: string;
  @ApiProperty({ description: 'A specific.py came with the data' }) is_custom: boolean;
  @ApiProperty({ description: 'Its split has run: folds of it can be trained' }) split_done: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'Rows of the train set once split (fold indices refer to them)' }) n_train: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Rows of the test set once split' }) n_test: number | null;

  static from(r: RawData): RawDataDto {
    return {
      id: r.id, name: r.name, files_path: r.filesPath, workflow_elements: r.workflowElements,
      target_column: r.targetColumn, is_custom: r.isCustom, split_done: r.splitDoneAt !== null,
      n_train: r.nTrain, n_test: r.nTest,
    };
  }
}

export class RawDataFileDto {
  @ApiProperty({ example: 'iris.csv' }) filename: string;
  @ApiProperty({ enum: ['input', 'output'], description: 'input: as posted; output: written by the split' }) kind: string;
  @ApiProperty({ example: 4551 }) size: number;
  @ApiProperty() sha256: string;
}

export class SplitStatusDto {
  @ApiProperty() task_id: string;
  @ApiProperty({ enum: ['split', 'customsplit'] }) kind: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'error', 'cancelled'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { held_out_test: 0.2, random_state: 42 } }) params: Record<string, unknown>;
  @ApiProperty() requested_at: string;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;

  static from(j: Job): SplitStatusDto {
    return {
      task_id: j.id, kind: j.kind, status: j.status, error: j.error, params: j.params,
      requested_at: j.createdAt.toISOString(), finished_at: j.finishedAt?.toISOString() ?? null,
    };
  }
}

export class RawDataDetailDto extends RawDataDto {
  @ApiProperty({ type: [RawDataFileDto] }) files: RawDataFileDto[];
  @ApiProperty({ type: SplitStatusDto, nullable: true, description: 'The latest split request' }) split: SplitStatusDto | null;
  @ApiProperty() created_at: string;
}

export class SplitDto {
  @ApiProperty({ example: 1 })
  @ToInt() @IsInt() @Min(0) @Max(MAX_INT32)
  raw_data_id: number;

  @ApiProperty({ example: 0.2, minimum: 0, maximum: 1, description: 'Fraction of the rows kept as test set, strictly between 0 and 1' })
  @ToNumber() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(Number.MIN_VALUE, { message: 'held_out_test must be greater than 0' }) @Max(1 - Number.EPSILON, { message: 'held_out_test must be less than 1' })
  held_out_test: number;

  @ApiPropertyOptional({ example: 42, default: 42, description: "scikit-learn's train_test_split random_state" })
  @ToInt() @IsOptional() @IsInt() @Min(0) @Max(4294967295)
  random_state?: number;
}

export class CustomSplitDto {
  @ApiProperty({ example: 1 })
  @ToInt() @IsInt() @Min(0) @Max(MAX_INT32)
  raw_data_id: number;
}

export class TaskDto {
  @ApiProperty({ example: '5b0c1a4e-8a53-4bb6-9d43-0c5e4f1d2a77' }) task_id: string;
}
