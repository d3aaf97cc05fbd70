import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { ApiError } from '../common/api-error.js';
import { decodeIndices } from '../common/codec.js';
import { decodeFiles, type DecodedFile } from '../common/files.js';
import type { PaginationQuery } from '../common/pagination.dto.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { JobsService } from '../jobs/jobs.service.js';
import { RawData } from '../raw-data/raw-data.entity.js';
import { SubmissionService } from '../submission/submission.service.js';
import { CreateSubmissionFoldDto, SubmissionFoldDetailDto, SubmissionFoldDto, SubmissionFoldLightDto } from './dto/submission-fold.dto.js';
import { JobQueueService } from '../jobs/job-queue.service.js';
import { SubmissionFold } from './submission-fold.entity.js';

export type ForceTarget = 'submission' | 'submission_fold';

/** Parses the `force` field: a comma-separated subset of submission, submission_fold. */
export function parseForce(force: string | null | undefined): Set<ForceTarget> {
  const targets = new Set<ForceTarget>();
  if (force == null) return targets;
  for (const token of force.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (token !== 'submission' && token !== 'submission_fold') {
      throw ApiError.field(400, 'force', `force may name 'submission' and/or 'submission_fold' (got ${JSON.stringify(force)})`);
    }
    targets.add(token);
  }
  return targets;
}

@Injectable()
export class SubmissionFoldService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(SubmissionFold) private readonly folds: Repository<SubmissionFold>,
    private readonly submissions: SubmissionService,
    private readonly jobs: JobsService,
    private readonly queue: JobQueueService,
  ) {}

  async list(page: PaginationQuery): Promise<SubmissionFoldDto[]> {
    const rows = await this.folds.find({ order: { databoardSfId: 'ASC' }, take: page.limit, skip: page.offset });
    const jobs = new Map((await this.jobs.byIds(rows.map((r) => r.taskId))).map((j) => [j.id, j]));
    return rows.map((f) => SubmissionFoldDto.from(f, jobs.get(f.taskId)));
  }

  async listLight(page: PaginationQuery): Promise<SubmissionFoldLightDto[]> {
    const rows = await this.folds.find({
      select: { databoardSfId: true, databoardSId: true, state: true, new: true },
      order: { databoardSfId: 'ASC' }, take: page.limit, skip: page.offset,
    });
    return rows.map(SubmissionFoldLightDto.from);
  }

  async findOne(id: number): Promise<SubmissionFoldDetailDto> {
    const row = await this.folds.findOneBy({ databoardSfId: id });
    if (!row) throw ApiError.field(404, 'id', `SubmissionFold ${id} does not exist`);
    const [job] = await this.jobs.byIds([row.taskId]);
    const { position, waitingForSplit } = job ? await this.jobs.queuePosition(job) : { position: null, waitingForSplit: false };
    return { ...SubmissionFoldDto.from(row, job), queue_position: position, waiting_for_split: waitingForSplit };
  }

  /** Dequeues a waiting fold, or asks its runner to kill a running one. */
  async cancel(id: number): Promise<SubmissionFoldDetailDto> {
    const row = await this.folds.findOneBy({ databoardSfId: id });
    if (!row) throw ApiError.field(404, 'id', `SubmissionFold ${id} does not exist`);
    const outcome = await this.queue.cancelFold(row.taskId);
    if (outcome === 'finished') throw ApiError.field(409, 'id', `SubmissionFold ${id} has already finished (state ${row.state})`);
    return this.findOne(id);
  }

  /**
   * Creates a fold (and its submission when new) and queues it. Everything sent is
   * decoded and checked first; the writes happen in one transaction, so a refused
   * request changes nothing.
   */
  async create(dto: CreateSubmissionFoldDto): Promise<SubmissionFoldDto> {
    const force = parseForce(dto.force);
    const max = this.config.maxFileBytes;
    const train = await decodeIndices('train_is', dto.train_is, max);
    if (train.length === 0) throw ApiError.field(400, 'train_is', 'train_is holds no index: a fold needs training rows');
    const maxIndex = train.reduce((a, b) => (b > a ? b : a), 0n);
    await decodeIndices('test_is', dto.test_is, max);
    const files = dto.files === undefined ? undefined : await decodeFiles(dto.files, max);

    try {
      return await this.dataSource.transaction(async (m) => {
        if (force.has('submission')) await this.submissions.delete(m, dto.databoard_s_id);
        if (force.has('submission_fold')) await m.delete(SubmissionFold, { databoardSfId: dto.databoard_sf_id });
        if (await m.existsBy(SubmissionFold, { databoardSfId: dto.databoard_sf_id })) throw this.duplicateFold(dto.databoard_sf_id);

        const rawDataId = await this.resolveSubmission(m, dto, files);
        // Once the dataset is split its size is known: indices past its end are refused now.
        const [{ n_train: nTrain }] = (await m.query('SELECT n_train FROM raw_data WHERE id = $1', [rawDataId])) as { n_train: number | null }[];
        if (nTrain !== null && maxIndex >= BigInt(nTrain)) {
          throw ApiError.field(400, 'train_is', `train_is holds index ${maxIndex}, but the train set of RawData ${rawDataId} has ${nTrain} rows (0..${nTrain - 1})`);
        }
        const fold = m.create(SubmissionFold, {
          databoardSfId: dto.databoard_sf_id,
          databoardSId: dto.databoard_s_id,
          priority: dto.priority ?? 'L',
          trainIs: dto.train_is,
          testIs: dto.test_is,
          taskId: randomUUID(),
          state: 'TODO',
          new: true,
        });
        await m.insert(SubmissionFold, fold);
        await this.jobs.enqueueFold(m, fold.taskId, rawDataId, fold.databoardSfId, fold.priority);
        return SubmissionFoldDto.from(await m.findOneByOrFail(SubmissionFold, { databoardSfId: dto.databoard_sf_id }), null);
      });
    } catch (e) {
      // Two requests racing for the same new ids: the loser sees a unique violation.
      if ((e as { code?: string }).code === '23505') {
        const constraint = (e as { constraint?: string }).constraint ?? '';
        if (constraint.startsWith('submission_fold')) throw this.duplicateFold(dto.databoard_sf_id);
        throw ApiError.field(409, 'databoard_s_id', `Submission ${dto.databoard_s_id} was created by a concurrent request; retry`);
      }
      throw e;
    }
  }

  /** Finds or creates the fold's submission; returns its dataset id. */
  private async resolveSubmission(m: EntityManager, dto: CreateSubmissionFoldDto, files: DecodedFile[] | undefined): Promise<number> {
    const sid = dto.databoard_s_id;
    const existing = await this.submissions.findForUpdate(m, sid);
    if (existing) {
      if (dto.raw_data !== undefined && dto.raw_data !== existing.rawDataId) {
        throw ApiError.field(400, 'raw_data', `Submission ${sid} belongs to RawData ${existing.rawDataId}, not ${dto.raw_data}; use force 'submission, submission_fold' to replace it`);
      }
      if (files && files.length && SubmissionService.hashOf(files) !== existing.hashFiles) {
        throw ApiError.field(400, 'files', `Submission ${sid} already exists with other files; use force 'submission, submission_fold' to replace it`);
      }
      return existing.rawDataId;
    }
    if (dto.raw_data === undefined) throw ApiError.field(400, 'raw_data', `raw_data is required: submission ${sid} does not exist yet`);
    if (!files || files.length === 0) throw ApiError.field(400, 'files', `files are required: submission ${sid} does not exist yet`);
    if (!(await m.existsBy(RawData, { id: dto.raw_data }))) throw ApiError.field(400, 'raw_data', `RawData ${dto.raw_data} does not exist`);
    await this.submissions.create(m, sid, dto.raw_data, files);
    return dto.raw_data;
  }

  private duplicateFold(id: number): ApiError {
    return ApiError.field(400, 'databoard_sf_id', `SubmissionFold with this databoard_sf_id (${id}) already exists; use force 'submission_fold' to replace it`);
  }
}
