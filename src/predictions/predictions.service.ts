import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error.js';
import { rowToEntity } from '../database/row-mapper.js';
import { FoldResultsDto } from '../submission-fold/dto/submission-fold.dto.js';
import { SubmissionFold } from '../submission-fold/submission-fold.entity.js';

/**
 * Hands out prediction records. Reading and clearing `new` is one UPDATE … RETURNING, so
 * two clients polling at once never both receive the same new record.
 */
@Injectable()
export class PredictionsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records of these folds, whatever their state; unknown ids are left out. */
  async byIds(ids: number[]): Promise<FoldResultsDto[]> {
    if (ids.length === 0) return [];
    return this.takeRecords('databoard_sf_id = ANY($1::int[])', [ids]);
  }

  /** Records of TESTED folds not handed out yet, optionally of one dataset. */
  async takeNew(rawDataId?: number): Promise<FoldResultsDto[]> {
    if (rawDataId === undefined) return this.takeRecords(`new AND state = 'TESTED'`, []);
    const exists = await this.dataSource.query('SELECT 1 FROM raw_data WHERE id = $1', [rawDataId]);
    if (!exists.length) throw ApiError.field(404, 'raw_data_id', `RawData ${rawDataId} does not exist`);
    return this.takeRecords(
      `new AND state = 'TESTED' AND databoard_s_id IN (SELECT databoard_s_id FROM submission WHERE raw_data_id = $1)`,
      [rawDataId],
    );
  }

  private async takeRecords(where: string, params: unknown[]): Promise<FoldResultsDto[]> {
    // TypeORM hands back [rows, count] for UPDATE … RETURNING.
    const [rows] = (await this.dataSource.query(`UPDATE submission_fold SET new = false WHERE ${where} RETURNING *`, params)) as [Record<string, unknown>[], number];
    return rows
      .map((raw) => rowToEntity(this.dataSource, SubmissionFold, raw))
      .sort((a, b) => a.databoardSfId - b.databoardSfId)
      .map(FoldResultsDto.from);
  }
}
