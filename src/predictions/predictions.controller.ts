import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RunappApi } from '../common/swagger.js';
import { FoldResultsDto } from '../submission-fold/dto/submission-fold.dto.js';
import { PredictionListDto, PredictionNewDto } from './dto/predictions.dto.js';
import { PredictionsService } from './predictions.service.js';

@ApiTags('testpredictions')
@RunappApi()
@Controller('runapp/testpredictions')
export class PredictionsController {
  constructor(private readonly predictions: PredictionsService) {}

  @Post('list')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Prediction records of the given folds (any state); marks them as handed out (new=false)',
    description: 'curl -u username:password -H "Content-Type: application/json" -X POST -d \'{"list_submission_fold": [1, 2, 10]}\' http://127.0.0.1:8000/runapp/testpredictions/list/',
  })
  @ApiOkResponse({ type: [FoldResultsDto] })
  @ApiNoContentResponse({ description: 'No list_submission_fold in the body (as the old service answered)' })
  async list(@Body() body: PredictionListDto, @Res({ passthrough: true }) res: Response): Promise<FoldResultsDto[] | undefined> {
    if (body.list_submission_fold === undefined) {
      res.status(204);
      return undefined;
    }
    return this.predictions.byIds(body.list_submission_fold);
  }

  @Post('new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Prediction records of TESTED folds not handed out yet; marks them as handed out',
    description: 'curl -u username:password -H "Content-Type: application/json" -X POST -d \'{"raw_data_id": 1}\' http://127.0.0.1:8000/runapp/testpredictions/new/',
  })
  @ApiOkResponse({ type: [FoldResultsDto] })
  @ApiNotFoundResponse({ description: 'Unknown raw_data_id' })
  takeNew(@Body() body: PredictionNewDto): Promise<FoldResultsDto[]> {
    return this.predictions.takeNew(body.raw_data_id);
  }
}
