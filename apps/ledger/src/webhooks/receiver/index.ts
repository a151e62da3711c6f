export {
  DEFAULT_TOLERANCE_SECONDS,
  verifyLedgerSignature,
  type LedgerSignatureCheck,
  type LedgerSignatureOptions,
  type LedgerSignatureRefusal,
} from './verify-ledger-signature';
export {
  LocalWebhookReceiver,
  type LedgerNotification,
  type LocalWebhookReceiverOptions,
  type ReceivedRequest,
} from './local-webhook-receiver';
