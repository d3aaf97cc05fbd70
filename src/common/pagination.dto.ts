import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ToInt } from './validation.js';

/** `?limit=&offset=` on list endpoints; without `limit` the whole list (as the old API). */
export class PaginationQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 10000, description: 'At most this many rows' })
  @ToInt() @IsOptional() @IsInt() @Min(1) @Max(10000)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Skip this many rows (ordered by id)' })
  @ToInt() @IsOptional() @IsInt() @Min(0)
  offset?: number;
}
