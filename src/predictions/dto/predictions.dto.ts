import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_INT32, ToInt } from '../../common/validation.js';

export class PredictionListDto {
  @ApiPropertyOptional({ type: [Number], example: [1, 2, 10], description: 'Fold ids (databoard_sf_id); without it the answer is 204' })
  @IsOptional() @IsArray() @ArrayMaxSize(100_000) @IsInt({ each: true }) @Min(0, { each: true }) @Max(MAX_INT32, { each: true })
  list_submission_fold?: number[];
}

export class PredictionNewDto {
  @ApiPropertyOptional({ example: 1, description: 'Only folds of this dataset' })
  @ToInt() @IsOptional() @IsInt() @Min(0) @Max(MAX_INT32)
  raw_data_id?: number;
}
