import { Global, Module } from '@nestjs/common';
import { ExpiryScheduler } from './expiry-scheduler';

@Global()
@Module({ providers: [ExpiryScheduler], exports: [ExpiryScheduler] })
export class ExpiryModule {}
