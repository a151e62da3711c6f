import { conflict, invalid, notFound, type DomainError, type FieldFault } from '../errors';
import { isValidId } from '../ids';
import { isoOf, type EpochMs } from '../time';

/**
 * Webhook subscriptions (SPEC §8): one stream per webhook, `webhook-<webhookId>`. Registering is
 * idempotent on the webhook id (the same request again replays, another payload is a conflict);
 * removing is idempotent by value. Which urls are allowed (private targets) is the shell's policy:
 * it depends on the deployment, not on the log.
 */

/** Every notification kind SPEC §8 names: what a subscription may ask for. */
export const WEBHOOK_KINDS = [
  'window.threshold',
  'credits.low',
  'credits.depleted',
  'credits.expiring',
  'spending_cap.reached',
  'member_limit.reached',
  'hold.expired',
  'topup.requested',
  'topup.failed',
] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];
const KINDS: ReadonlySet<string> = new Set(WEBHOOK_KINDS);

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export const webhookStreamOf = (webhookId: string): string => `webhook-${webhookId}`;

/**
 * The signing secret as stored: sealed with the deployment key by the shell (AES-256-GCM), never
 * in clear in the log. `keyId` names the key it was sealed with (a fingerprint, not the key).
 */
export interface SealedSecret {
  readonly keyId: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

export interface RegisterWebhook {
  readonly type: 'RegisterWebhook';
  readonly data: {
    readonly webhookId: string;
    readonly url: string;
    readonly kinds: readonly string[];
    readonly secret: SealedSecret;
  };
  readonly metadata: { readonly now: EpochMs; readonly fingerprint: string; readonly actor: string };
}

export interface RemoveWebhook {
  readonly type: 'RemoveWebhook';
  readonly data: { readonly webhookId: string };
  readonly metadata: { readonly now: EpochMs; readonly actor: string };
}

export type WebhookCommand = RegisterWebhook | RemoveWebhook;

export interface WebhookRegistered {
  readonly type: 'WebhookRegistered';
  readonly data: {
    readonly webhookId: string;
    readonly url: string;
    readonly kinds: readonly WebhookKind[];
    readonly secret: SealedSecret;
    readonly fingerprint: string;
    readonly actor: string;
    readonly registeredAt: string;
    /** The ledger time (every event carries it: a restart raises the clock to the log's last one). */
    readonly recordedAt: string;
  };
}

export interface WebhookRemoved {
  readonly type: 'WebhookRemoved';
  readonly data: {
    readonly webhookId: string;
    readonly actor: string;
    readonly removedAt: string;
    readonly recordedAt: string;
  };
}

export type WebhookEvent = WebhookRegistered | WebhookRemoved;
export const WEBHOOK_EVENT_TYPES = ['WebhookRegistered', 'WebhookRemoved'] as const;

export interface WebhookState {
  readonly registered: WebhookRegistered['data'] | null;
  readonly removed: boolean;
}

export type WebhookDecision =
  | { readonly kind: 'events'; readonly events: readonly WebhookEvent[] }
  | { readonly kind: 'replay'; readonly revision: number }
  | { readonly kind: 'error'; readonly error: DomainError };

export const initialWebhookState = (): WebhookState => ({ registered: null, removed: false });

export function evolveWebhook(state: WebhookState, event: WebhookEvent): WebhookState {
  switch (event.type) {
    case 'WebhookRegistered':
      return { registered: event.data, removed: false };
    case 'WebhookRemoved':
      return { ...state, removed: true };
  }
}

/** The problems with a subscription's url and kinds, each naming its field (400). */
export function webhookFaults(url: string, kinds: readonly string[]): FieldFault[] {
  const faults: FieldFault[] = [];
  if (url.length > MAX_WEBHOOK_URL_LENGTH)
    faults.push({ field: 'url', message: `url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` });
  else if (!/^https?:\/\//i.test(url)) faults.push({ field: 'url', message: 'url must be an http(s) url' });
  if (kinds.length === 0) faults.push({ field: 'kinds', message: 'kinds must name at least one kind' });
  const unknown = kinds.filter((k) => !KINDS.has(k));
  if (unknown.length > 0)
    faults.push({
      field: 'kinds',
      message: `kinds has unknown kind(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known: ${WEBHOOK_KINDS.join(', ')}`,
    });
  else if (new Set(kinds).size !== kinds.length)
    faults.push({ field: 'kinds', message: 'kinds must not repeat a kind' });
  return faults;
}

export function decideWebhook(command: WebhookCommand, state: WebhookState): WebhookDecision {
  switch (command.type) {
    case 'RegisterWebhook':
      return decideRegister(command, state);
    case 'RemoveWebhook': {
      if (state.registered === null)
        return { kind: 'error', error: notFound(`webhook "${command.data.webhookId}" does not exist`) };
      if (state.removed) return { kind: 'events', events: [] };
      const { webhookId } = command.data;
      const { now, actor } = command.metadata;
      return {
        kind: 'events',
        events: [
          {
            type: 'WebhookRemoved',
            data: { webhookId, actor, removedAt: isoOf(now), recordedAt: isoOf(now) },
          },
        ],
      };
    }
  }
}

function decideRegister(command: RegisterWebhook, state: WebhookState): WebhookDecision {
  const { webhookId, url, kinds, secret } = command.data;
  const { now, fingerprint, actor } = command.metadata;
  if (state.registered !== null) {
    return state.registered.fingerprint === fingerprint
      ? { kind: 'replay', revision: 0 }
      : { kind: 'error', error: conflict(`webhook "${webhookId}" was registered with another url or kinds`) };
  }
  const faults = webhookFaults(url, kinds);
  if (!isValidId(webhookId))
    faults.unshift({ field: 'webhookId', message: 'webhookId must be 1–128 chars of [A-Za-z0-9._:-]' });
  if (faults.length > 0) return { kind: 'error', error: invalid(faults) };
  const registered: WebhookRegistered = {
    type: 'WebhookRegistered',
    data: {
      webhookId,
      url,
      kinds: kinds as readonly WebhookKind[],
      secret,
      fingerprint,
      actor,
      registeredAt: isoOf(now),
      recordedAt: isoOf(now),
    },
  };
  return { kind: 'events', events: [registered] };
}

export const webhookDecider = {
  initialState: initialWebhookState,
  evolve: evolveWebhook,
  decide: (command: WebhookCommand, state: WebhookState, _context: unknown) => decideWebhook(command, state),
};
