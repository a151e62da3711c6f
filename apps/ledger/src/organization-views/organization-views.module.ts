import { Module } from '@nestjs/common';
import { OrganizationViewsController } from './organization-views.controller';

/** The organisations' read endpoints (view, journal, timeline); served from the read models. */
@Module({ controllers: [OrganizationViewsController] })
export class OrganizationViewsModule {}
