import { Module } from '@nestjs/common';
import { HoldController } from './hold.controller';
import { TimelineController } from './timeline.controller';

/** Support's read endpoints (the timeline, holds); served from the read models. */
@Module({ controllers: [TimelineController, HoldController] })
export class SupportModule {}
