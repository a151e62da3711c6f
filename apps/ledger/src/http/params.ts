import { CompiledValidation } from './compiled-validation';
import { IdField } from './fields';

@CompiledValidation()
export class AccountIdParam {
  @IdField('The billing account.')
  accountId!: string;
}

export class PurchaseParams extends AccountIdParam {
  @IdField('The purchase to refund.', { example: 'p-1' })
  purchaseId!: string;
}
