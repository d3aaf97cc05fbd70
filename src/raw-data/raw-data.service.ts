import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { BlobService } from '../blob/blob.service.js';
import { ApiError } from '../common/api-error.js';
import { decodeFiles, type DecodedFile } from '../common/files.js';
import type { PaginationQuery } from '../common/pagination.dto.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { JobParams } from '../jobs/job.entity.js';
import { JobsService } from '../jobs/jobs.service.js';
import { CreateRawDataDto, CustomSplitDto, RawDataDetailDto, RawDataDto, SplitDto, SplitStatusDto, TaskDto } from './dto/raw-data.dto.js';
import { RawData, RawDataFile } from './raw-data.entity.js';
import { unsafeFileName } from '../common/file-name.js';

export const WORKFLOW_ELEMENTS = ['feature_extractor', 'classifier', 'calibrator', 'regressor'] as const;
const DUPLICATE_NAME = 'RawData with this name already exists.';

@Injectable()
export class RawDataService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(RawData) private readonly rawData: Repository<RawData>,
    @InjectRepository(RawDataFile) private readonly files: Repository<RawDataFile>,
    private readonly blobs: BlobService,
    private readonly jobs: JobsService,
  ) {}

  async list(page: PaginationQuery): Promise<RawDataDto[]> {
    const rows = await this.rawData.find({ order: { id: 'ASC' }, take: page.limit, skip: page.offset });
    return rows.map(RawDataDto.from);
  }

  async detail(id: number): Promise<RawDataDetailDto> {
    const row = await this.getOrThrow(id, 'id', 404);
    const files: { filename: string; kind: string; size: string; sha256: string }[] = await this.dataSource.query(
      `SELECT f.filename, f.kind, b.size, f.sha256 FROM raw_data_file f JOIN file_blob b USING (sha256)
       WHERE f.raw_data_id = $1 ORDER BY f.kind, f.filename`,
      [id],
    );
    const split = await this.jobs.latestSplit(id);
    return {
      ...RawDataDto.from(row),
      files: files.map((f) => ({ ...f, size: Number(f.size) })),
      split: split ? SplitStatusDto.from(split) : null,
      created_at: row.createdAt.toISOString(),
    };
  }

  async create(dto: CreateRawDataDto): Promise<RawDataDto> {
    const nameProblem = unsafeFileName(dto.name);
    if (nameProblem) throw ApiError.field(400, 'name', `name ${nameProblem}`);
    if (await this.rawData.existsBy({ name: dto.name })) throw ApiError.field(400, 'name', DUPLICATE_NAME);

    const decoded = await decodeFiles(dto.files, this.config.maxFileBytes);
    const { stored, isCustom } = this.placeFiles(dto.name, decoded);
    this.checkWorkflow(dto.workflow_elements, isCustom);
    if (!isCustom) checkTargetInHeader(stored[0].content, dto.target_column);

    try {
      const row = await this.dataSource.transaction(async (m) => {
        const created = await m.save(m.create(RawData, {
          name: dto.name, filesPath: `raw_data/${dto.name}`, workflowElements: dto.workflow_elements,
          targetColumn: dto.target_column, isCustom, splitDoneAt: null,
        }));
        for (const f of stored) {
          const sha256 = await this.blobs.put(m, f.content);
          await m.insert(RawDataFile, { rawDataId: created.id, kind: 'input', filename: f.filename, sha256 });
        }
        return created;
      });
      return RawDataDto.from(row);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw ApiError.field(400, 'name', DUPLICATE_NAME);
      throw e;
    }
  }

  async requestSplit(dto: SplitDto): Promise<TaskDto> {
    const row = await this.getOrThrow(dto.raw_data_id, 'raw_data_id', 404);
    if (row.isCustom) throw ApiError.field(400, 'raw_data_id', `RawData ${row.id} came with a specific.py: split it with /runapp/rawdata/customsplit/`);
    return this.enqueueSplit(row, 'split', { held_out_test: dto.held_out_test, random_state: dto.random_state ?? 42 });
  }

  async requestCustomSplit(dto: CustomSplitDto): Promise<TaskDto> {
    const row = await this.getOrThrow(dto.raw_data_id, 'raw_data_id', 404);
    if (!row.isCustom) throw ApiError.field(400, 'raw_data_id', `RawData ${row.id} has no specific.py: split it with /runapp/rawdata/split/`);
    return this.enqueueSplit(row, 'customsplit', {});
  }

  async getOrThrow(id: number, field: string, status: 400 | 404): Promise<RawData> {
    const row = await this.rawData.findOneBy({ id });
    if (!row) throw ApiError.field(status, field, `RawData ${id} does not exist`);
    return row;
  }

  private async enqueueSplit(row: RawData, kind: 'split' | 'customsplit', params: JobParams): Promise<TaskDto> {
    const taskId = await this.dataSource.transaction(async (m) => {
      // Folds wait for the new split rather than run on the previous one.
      await m.update(RawData, { id: row.id }, { splitDoneAt: null, nTrain: null, nTest: null });
      return this.jobs.enqueueSplit(m, row.id, kind, params);
    });
    return { task_id: taskId };
  }

  /** The wire contract's naming rules for posted dataset files. */
  private placeFiles(name: string, files: DecodedFile[]): { stored: DecodedFile[]; isCustom: boolean } {
    if (files.length === 0) throw ApiError.field(400, 'files', 'files must hold at least one file');
    if (files.length === 1) return { stored: [{ filename: `${name}.csv`, content: files[0].content }], isCustom: false };
    const py = files.filter((f) => f.filename.endsWith('.py'));
    if (py.length === 0) {
      throw new ApiError(406, 'Several files were sent but none is a .py: send one data file, or add the specific.py that reads them');
    }
    if (py.length > 1) throw ApiError.field(400, 'files', `Only one .py file may come with a dataset (got ${py.map((f) => f.filename).join(', ')})`);
    return {
      stored: files.map((f) => (f === py[0] ? { filename: 'specific.py', content: f.content } : f)),
      isCustom: true,
    };
  }

  private checkWorkflow(workflow: string, isCustom: boolean): void {
    const elements = workflow.split(',').map((s) => s.trim());
    const bad = elements.filter((e) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e));
    if (bad.length) throw ApiError.field(400, 'workflow_elements', `workflow_elements must be comma-separated Python identifiers (got ${JSON.stringify(workflow)})`);
    if (isCustom) return; // specific.py's train_submission decides what the elements mean
    const unknown = elements.filter((e) => !(WORKFLOW_ELEMENTS as readonly string[]).includes(e));
    if (unknown.length) {
      throw ApiError.field(400, 'workflow_elements', `Unknown workflow element(s) ${unknown.join(', ')}; a standard dataset supports ${WORKFLOW_ELEMENTS.join(', ')}`);
    }
  }
}

/** A standard dataset is a CSV whose header names the target column; catch a typo now, not at the first fold. */
function checkTargetInHeader(csv: Buffer, target: string): void {
  const end = csv.indexOf(0x0a);
  const header = csv.subarray(0, end < 0 ? Math.min(csv.length, 1 << 20) : end).toString('utf8').replace(/^\uFEFF/, '').replace(/\r$/, '');
  const columns = parseCsvLine(header).map((c) => c.trim());
  if (!columns.includes(target)) {
    throw ApiError.field(400, 'target_column', `target_column ${JSON.stringify(target)} is not a column of the data file (columns: ${columns.slice(0, 50).join(', ')})`);
  }
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}
