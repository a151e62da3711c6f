import { Module } from '@nestjs/common';
import { CreditsCommandHandler } from './credits.commands';
import { CreditsController } from './credits.controller';

@Module({ controllers: [CreditsController], providers: [CreditsCommandHandler] })
export class CreditsModule {}
