import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsAfterTime, TimeField } from '../http/fields';
import { IsPosition } from '../http/positions';

const LIMIT = /^(?:[1-9]\d{0,2}|1000)$/;

/** Cursor pagination shared by the timeline and the journal: a position cursor, never an offset. */
export class PageQueryDto {
  @ApiPropertyOptional({
    description: 'nextCursor of the previous page',
    pattern: '^\\d{1,19}$',
    example: '42',
  })
  @IsOptional()
  @IsString()
  @IsPosition('cursor must be a nextCursor returned by a previous page')
  cursor?: string;

  @ApiPropertyOptional({
    description: 'Items per page, 1–1000 (default 100)',
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    example: 100,
  })
  @IsOptional()
  @IsString()
  @Matches(LIMIT, { message: '$property must be an integer from 1 to 1000' })
  limit?: string;
}

export class TimelineQueryDto extends PageQueryDto {
  @TimeField('The timeline up to this instant, and `stateAsOf`: the account as it stood then')
  asOf?: string;
}

export class TimeRangeQueryDto {
  @TimeField('Entries recorded at or after this instant', '2026-11-01T00:00:00Z')
  from?: string;

  @TimeField('Entries recorded before this instant; after `from`', '2026-12-01T00:00:00Z')
  @IsAfterTime('from')
  to?: string;
}

export class JournalQueryDto extends PageQueryDto {
  @TimeField('Entries recorded at or after this instant', '2026-11-01T00:00:00Z')
  from?: string;

  @TimeField('Entries recorded before this instant; after `from`', '2026-12-01T00:00:00Z')
  @IsAfterTime('from')
  to?: string;
}

export class ExportQueryDto extends TimeRangeQueryDto {
  @ApiPropertyOptional({ enum: ['csv', 'jsonl'], description: 'Default jsonl', example: 'jsonl' })
  @IsOptional()
  @IsIn(['csv', 'jsonl'], { message: '$property must be one of: csv, jsonl' })
  format?: 'csv' | 'jsonl';
}
