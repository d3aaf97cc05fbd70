import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Job } from './job.entity.js';
import { JobsService } from './jobs.service.js';

@Module({ imports: [TypeOrmModule.forFeature([Job])], providers: [JobsService], exports: [JobsService] })
export class JobsModule {}
