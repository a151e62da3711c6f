import { Module } from '@nestjs/common';
import { FinanceController } from './finance.controller';
import { JournalController } from './journal.controller';
import { VerificationService } from './verification.service';

/** Finance's read endpoints: journal, trial balance, export, verification; served from the read models. */
@Module({ controllers: [JournalController, FinanceController], providers: [VerificationService] })
export class FinanceModule {}
