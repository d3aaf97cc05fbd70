import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PaginationQuery } from '../common/pagination.dto.js';
import { RunappApi } from '../common/swagger.js';
import { ParseIdPipe } from '../common/validation.js';
import { CreateSubmissionFoldDto, SubmissionFoldDetailDto, SubmissionFoldDto, SubmissionFoldLightDto } from './dto/submission-fold.dto.js';
import { SubmissionFoldService } from './submission-fold.service.js';

@ApiTags('submissionfold')
@RunappApi()
@Controller('runapp')
export class SubmissionFoldController {
  constructor(private readonly folds: SubmissionFoldService) {}

  @Get('submissionfold')
  @ApiOperation({ summary: 'List all submissions on CV fold (all fields)', description: 'curl -u username:password http://127.0.0.1:8000/runapp/submissionfold/' })
  @ApiOkResponse({ type: [SubmissionFoldDto] })
  list(@Query() page: PaginationQuery): Promise<SubmissionFoldDto[]> {
    return this.folds.list(page);
  }

  @Post('submissionfold')
  @ApiOperation({
    summary: 'Create a submission on CV fold (and its submission when new); it is queued for training',
    description:
      'curl -u username:password -H "Content-Type: application/json" -X POST -d \'{"databoard_s_id": 1, "files": {"classifier.py": "<base64(zlib)>"}, "train_is": "<base64(zlib(int64))>", "raw_data": 1, "databoard_sf_id": 11, "test_is": "<base64(zlib(int64))>", "priority": "L"}\' http://127.0.0.1:8000/runapp/submissionfold/\n\n' +
      'Add "force": "submission, submission_fold" to replace both, or "force": "submission_fold" to replace only the fold.',
  })
  @ApiCreatedResponse({ type: SubmissionFoldDto })
  create(@Body() body: CreateSubmissionFoldDto): Promise<SubmissionFoldDto> {
    return this.folds.create(body);
  }

  @Get('submissionfold-light')
  @ApiOperation({ summary: 'Main info (id, submission id, state, new) of all submissions on CV fold' })
  @ApiOkResponse({ type: [SubmissionFoldLightDto] })
  listLight(@Query() page: PaginationQuery): Promise<SubmissionFoldLightDto[]> {
    return this.folds.listLight(page);
  }

  @Get('submissionfold/:id')
  @ApiOperation({ summary: 'One submission on CV fold, with its runner and its place in the queue', description: 'curl -u username:password http://127.0.0.1:8000/runapp/submissionfold/10/' })
  @ApiOkResponse({ type: SubmissionFoldDetailDto })
  @ApiNotFoundResponse({ description: 'Unknown id' })
  findOne(@Param('id', ParseIdPipe) id: number): Promise<SubmissionFoldDetailDto> {
    return this.folds.findOne(id);
  }

  @Post('submissionfold/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dequeue a waiting fold, or kill a running one (it ends in ERROR, error_kind cancelled)' })
  @ApiOkResponse({ type: SubmissionFoldDetailDto })
  @ApiNotFoundResponse({ description: 'Unknown id' })
  @ApiConflictResponse({ description: 'The fold has already finished' })
  cancel(@Param('id', ParseIdPipe) id: number): Promise<SubmissionFoldDetailDto> {
    return this.folds.cancel(id);
  }
}
