import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { BlobService, hashFiles, sha256Hex } from '../blob/blob.service.js';
import { ApiError } from '../common/api-error.js';
import type { DecodedFile } from '../common/files.js';
import type { PaginationQuery } from '../common/pagination.dto.js';
import { SubmissionDetailDto, SubmissionDto } from './dto/submission.dto.js';
import { Submission, SubmissionFile } from './submission.entity.js';

/** Submissions and their files; folds refer to them (see SubmissionFoldService). */
@Injectable()
export class SubmissionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Submission) private readonly submissions: Repository<Submission>,
    private readonly blobs: BlobService,
  ) {}

  async list(page: PaginationQuery): Promise<SubmissionDto[]> {
    const rows = await this.submissions.find({ order: { databoardSId: 'ASC' }, take: page.limit, skip: page.offset });
    return rows.map(SubmissionDto.from);
  }

  async detail(id: number): Promise<SubmissionDetailDto> {
    const row = await this.submissions.findOneBy({ databoardSId: id });
    if (!row) throw ApiError.field(404, 'id', `Submission ${id} does not exist`);
    const files: { filename: string; size: string; sha256: string }[] = await this.dataSource.query(
      `SELECT f.filename, b.size, f.sha256 FROM submission_file f JOIN file_blob b USING (sha256) WHERE f.submission_id = $1 ORDER BY f.filename`,
      [id],
    );
    const folds: { id: number }[] = await this.dataSource.query(
      `SELECT databoard_sf_id AS id FROM submission_fold WHERE databoard_s_id = $1 ORDER BY 1`, [id],
    );
    return { ...SubmissionDto.from(row), files: files.map((f) => ({ ...f, size: Number(f.size) })), folds: folds.map((f) => f.id) };
  }

  /** Row-locks the submission for the rest of the transaction. */
  findForUpdate(m: EntityManager, id: number): Promise<Submission | null> {
    return m.findOne(Submission, { where: { databoardSId: id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Deletes the submission, its files and (by cascade) its folds and their jobs. */
  async delete(m: EntityManager, id: number): Promise<void> {
    await m.delete(Submission, { databoardSId: id });
  }

  async create(m: EntityManager, id: number, rawDataId: number, files: DecodedFile[]): Promise<Submission> {
    const stored: { filename: string; sha256: string }[] = [];
    for (const f of files) stored.push({ filename: f.filename, sha256: await this.blobs.put(m, f.content) });
    const row = m.create(Submission, { databoardSId: id, filesPath: `submissions/${id}`, rawDataId, hashFiles: hashFiles(stored) });
    await m.insert(Submission, row);
    await m.insert(SubmissionFile, stored.map((s) => ({ submissionId: id, ...s })));
    return row;
  }

  /** The checksum `files` would have once stored. */
  static hashOf(files: DecodedFile[]): string {
    return hashFiles(files.map((f) => ({ filename: f.filename, sha256: sha256Hex(f.content) })));
  }
}
