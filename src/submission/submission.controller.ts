import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PaginationQuery } from '../common/pagination.dto.js';
import { RunappApi } from '../common/swagger.js';
import { ParseIdPipe } from '../common/validation.js';
import { SubmissionDetailDto, SubmissionDto } from './dto/submission.dto.js';
import { SubmissionService } from './submission.service.js';

/** Submissions are created through POST /runapp/submissionfold/; these routes only read them. */
@ApiTags('submission')
@RunappApi()
@Controller('runapp/submission')
export class SubmissionController {
  constructor(private readonly submissions: SubmissionService) {}

  @Get()
  @ApiOperation({ summary: 'List submissions' })
  @ApiOkResponse({ type: [SubmissionDto] })
  list(@Query() page: PaginationQuery): Promise<SubmissionDto[]> {
    return this.submissions.list(page);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One submission with its files and folds' })
  @ApiOkResponse({ type: SubmissionDetailDto })
  @ApiNotFoundResponse({ description: 'Unknown id' })
  detail(@Param('id', ParseIdPipe) id: number): Promise<SubmissionDetailDto> {
    return this.submissions.detail(id);
  }
}
