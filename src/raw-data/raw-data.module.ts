import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BlobModule } from '../blob/blob.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { RawDataController } from './raw-data.controller.js';
import { RawData, RawDataFile } from './raw-data.entity.js';
import { RawDataService } from './raw-data.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([RawData, RawDataFile]), BlobModule, JobsModule],
  controllers: [RawDataController],
  providers: [RawDataService],
  exports: [RawDataService],
})
export class RawDataModule {}
