import { Module } from '@nestjs/common';
import { TimelineController } from './timeline.controller';

/** Support's read endpoints (the timeline); served from the read models. */
@Module({ controllers: [TimelineController] })
export class SupportModule {}
