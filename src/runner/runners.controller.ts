import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RunappApi } from '../common/swagger.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { JobQueueService } from '../jobs/job-queue.service.js';
import { RunnerDto } from './dto/runner.dto.js';

@ApiTags('runners')
@RunappApi()
@Controller('runapp/runners')
export class RunnersController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: JobQueueService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Live runners (heartbeat within three lease periods)' })
  @ApiOkResponse({ type: [RunnerDto] })
  async list(): Promise<RunnerDto[]> {
    return (await this.queue.liveRunners(this.config.runner.leaseS * 3)).map(RunnerDto.from);
  }
}
