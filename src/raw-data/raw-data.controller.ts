import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation.js';
import { ApiCreatedResponse, ApiNotAcceptableResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PaginationQuery } from '../common/pagination.dto.js';
import { RunappApi } from '../common/swagger.js';
import { CreateRawDataDto, CustomSplitDto, RawDataDetailDto, RawDataDto, SplitDto, TaskDto } from './dto/raw-data.dto.js';
import { RawDataService } from './raw-data.service.js';

@ApiTags('rawdata')
@RunappApi()
@Controller('runapp/rawdata')
export class RawDataController {
  constructor(private readonly rawData: RawDataService) {}

  @Get()
  @ApiOperation({ summary: 'List all datasets', description: "curl -u username:password http://127.0.0.1:8000/runapp/rawdata/" })
  @ApiOkResponse({ type: [RawDataDto] })
  list(@Query() page: PaginationQuery): Promise<RawDataDto[]> {
    return this.rawData.list(page);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a dataset',
    description:
      'Post the name, the target column, the workflow elements and the data file(s), each zlib-compressed then base64-encoded.\n\n' +
      'curl -u username:password -H "Content-Type: application/json" -X POST -d \'{"name": "iris", "target_column": "species", "workflow_elements": "classifier", "files": {"iris.csv": "<base64(zlib)>"}}\' http://127.0.0.1:8000/runapp/rawdata/',
  })
  @ApiCreatedResponse({ type: RawDataDto })
  @ApiNotAcceptableResponse({ description: 'Several files but no .py among them: {"error": "..."}' })
  create(@Body() body: CreateRawDataDto): Promise<RawDataDto> {
    return this.rawData.create(body);
  }

  @Post('split')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Split a standard dataset into train.csv and test.csv',
    description:
      "Queued for a runner; answers at once. The split is scikit-learn's train_test_split(df, test_size=held_out_test, random_state=random_state).\n\n" +
      'curl -u username:password -H "Content-Type: application/json" -X POST -d \'{"random_state": 42, "held_out_test": 0.7, "raw_data_id": 1}\' http://127.0.0.1:8000/runapp/rawdata/split/',
  })
  @ApiOkResponse({ type: TaskDto })
  @ApiNotFoundResponse({ description: 'Unknown raw_data_id' })
  split(@Body() body: SplitDto): Promise<TaskDto> {
    return this.rawData.requestSplit(body);
  }

  @Post('customsplit')
  @HttpCode(200)
  @ApiOperation({
    summary: "Run specific.prepare_data(data_dir) of a custom dataset",
    description: 'curl -u username:password -H "Content-Type: application/json" -X POST -d \'{"raw_data_id": 1}\' http://127.0.0.1:8000/runapp/rawdata/customsplit/',
  })
  @ApiOkResponse({ type: TaskDto })
  @ApiNotFoundResponse({ description: 'Unknown raw_data_id' })
  customSplit(@Body() body: CustomSplitDto): Promise<TaskDto> {
    return this.rawData.requestCustomSplit(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One dataset with its files and the status of its split' })
  @ApiOkResponse({ type: RawDataDetailDto })
  @ApiNotFoundResponse({ description: 'Unknown id' })
  detail(@Param('id', ParseIdPipe) id: number): Promise<RawDataDetailDto> {
    return this.rawData.detail(id);
  }
}
