import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { RunnersController } from './runners.controller.js';

/** The API side of runners (GET /runapp/runners/): present when DATARUN_ROLE is `all` or `api`. */
@Module({ imports: [JobsModule], controllers: [RunnersController] })
export class RunnerApiModule {}
