import { ApiProperty } from '@nestjs/swagger';
import type { Submission } from '../submission.entity.js';

export class SubmissionDto {
  @ApiProperty({ example: 24 }) databoard_s_id: number;
  @ApiProperty({ example: 'submissions/24' }) files_path: string;
  @ApiProperty({ example: 1, description: 'RawData id' }) raw_data: number;
  @ApiProperty({ description: 'sha256 over the sorted (file name, content sha256) pairs' }) hash_files: string;

  static from(s: Submission): SubmissionDto {
    return { databoard_s_id: s.databoardSId, files_path: s.filesPath, raw_data: s.rawDataId, hash_files: s.hashFiles };
  }
}

export class SubmissionFileDto {
  @ApiProperty({ example: 'classifier.py' }) filename: string;
  @ApiProperty() size: number;
  @ApiProperty() sha256: string;
}

export class SubmissionDetailDto extends SubmissionDto {
  @ApiProperty({ type: [SubmissionFileDto] }) files: SubmissionFileDto[];
  @ApiProperty({ type: [Number], description: 'Its folds (databoard_sf_id)' }) folds: number[];
}
