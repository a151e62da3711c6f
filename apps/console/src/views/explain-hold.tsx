import { useLayoutEffect, useRef } from 'preact/hooks';
import { utc } from '../format';
import type { Allocation, TimelineItem } from '../ledger-types';
import { Fact } from './explain-charge';

interface Part {
  readonly allowanceUnits: number;
  readonly credits: string;
  readonly allocations: readonly Allocation[];
}

interface Released extends Part {
  readonly expired?: readonly Allocation[];
}

const str = (value: unknown): string => (value === null || value === undefined ? '—' : String(value));

const NO_PART: Part = { allowanceUnits: 0, credits: '0', allocations: [] };

function partOf(value: unknown): Part {
  return value !== null && typeof value === 'object' ? { ...NO_PART, ...(value as Partial<Part>) } : NO_PART;
}

/**
 * A hold's settlement (HoldSettled) as the event recorded it: what it took from the hold, what it
 * charged beyond the hold, what it gave back, and what could not be paid. Nothing is recomputed.
 */
export function ExplainSettlement({ item, onClose }: { item: TimelineItem; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [item]);
  const d = item.data;
  const consumed = partOf(d.consumed);
  const charged = partOf(d.charged);
  const released = partOf(d.released) as Released;
  const uncollected = (d.uncollected ?? { credits: '0', reason: null }) as {
    credits: string;
    reason: string | null;
  };
  const lines = (d.lines ?? []) as readonly { operation: string; quantity: number }[];
  return (
    <section class="panel explain" aria-labelledby="explain-title" data-testid="explain">
      <h3 id="explain-title" tabIndex={-1} ref={heading}>
        Explain usage <code>{str(d.usageId)}</code>: settlement of hold <code>{str(d.holdId)}</code>
      </h3>
      <dl class="facts">
        <Fact term="Hold settled">{str(d.holdId)}</Fact>
        <Fact term="What">
          {lines.map((l) => `${l.quantity} × ${str(d.product)} ${l.operation}`).join(', ')} = {str(d.units)}{' '}
          units
        </Fact>
        <Fact term="Recorded">{utc(item.recordedAt)}</Fact>
        <Fact term="Plan">{str(d.plan)}</Fact>
        <Fact term="Rate card version">{str(d.rateCardVersion)}</Fact>
        <Fact term="Consumed from the hold">
          {consumed.allowanceUnits} units and {consumed.credits} credits
        </Fact>
        <Fact term="Charged beyond the hold">
          {charged.allowanceUnits} units and {charged.credits} credits
        </Fact>
        <Fact term="Released back">
          {released.allowanceUnits} units and {released.credits} credits
        </Fact>
        <Fact term="Uncollected">
          {uncollected.credits === '0'
            ? '0: all was paid'
            : `${uncollected.credits} credits (${str(uncollected.reason)})`}
        </Fact>
        <Fact term="Balance after">{str(d.balanceAfter)}</Fact>
        <Fact term="Held by other open holds after">{str(d.heldAfter)}</Fact>
        <Fact term="Recorded by (key id)">{str(d.actor)}</Fact>
      </dl>
      <h4>Credits by grant</h4>
      <AllocationsTable
        caption="Credits of the settlement, by grant"
        rows={[
          ...consumed.allocations.map((a) => ({ ...a, how: 'consumed from the hold' })),
          ...charged.allocations.map((a) => ({ ...a, how: 'charged beyond the hold' })),
          ...released.allocations.map((a) => ({ ...a, how: 'released back' })),
          ...(released.expired ?? []).map((a) => ({ ...a, how: 'expired while held (written off)' })),
        ]}
        empty="No credits: the windows covered it all."
      />
      <button type="button" onClick={onClose}>
        Close explanation
      </button>
    </section>
  );
}

/** A reversed usage (UsageReversed): that it was reversed, why, and where its credits and units went. */
export function ExplainReversal({ item, onClose }: { item: TimelineItem; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [item]);
  const d = item.data;
  const allocations = (d.allocations ?? []) as readonly Allocation[];
  const regranted = d.regranted as { grantId: string; credits: string } | null | undefined;
  const windows = (d.windows ?? []) as readonly { window: string; startedAt: string; units: number }[];
  return (
    <section class="panel explain" aria-labelledby="explain-title" data-testid="explain">
      <h3 id="explain-title" tabIndex={-1} ref={heading}>
        Explain reversal <code>{str(d.reversalId)}</code> of usage <code>{str(d.usageId)}</code>
      </h3>
      <dl class="facts">
        <Fact term="Outcome">usage {str(d.usageId)} reversed</Fact>
        <Fact term="Reason">{str(d.reason)}</Fact>
        <Fact term="Recorded">{utc(item.recordedAt)}</Fact>
        <Fact term="Product">{str(d.product)}</Fact>
        <Fact term="Units given back">{str(d.allowanceUnits)} units</Fact>
        <Fact term="Credits given back">{str(d.credits)}</Fact>
        <Fact term="Regranted as a new grant">
          {regranted ? `${regranted.credits} credits as ${regranted.grantId}` : 'none'}
        </Fact>
        <Fact term="Off the month's spending">{str(d.monthCredits)} credits</Fact>
        <Fact term="Recorded by (key id)">{str(d.actor)}</Fact>
      </dl>
      <h4>Where the credits went</h4>
      <AllocationsTable
        caption="Credits given back, by grant"
        rows={[
          ...allocations.map((a) => ({ ...a, how: 'back to the grant it drew' })),
          ...(regranted ? [{ ...regranted, how: 'new promotional grant' }] : []),
        ]}
        empty="No credits: the usage drew none."
      />
      <h4>Units back to the windows</h4>
      {windows.length === 0 ? (
        <p>
          {Number(d.allowanceUnits ?? 0) === 0
            ? 'None: the usage drew no units from the windows.'
            : 'None: no window it drew on is still open.'}
        </p>
      ) : (
        <ul>
          {windows.map((w) => (
            <li key={`${w.window}/${w.startedAt}`}>
              {w.units} units to the {w.window} window started {utc(w.startedAt)}
            </li>
          ))}
        </ul>
      )}
      <button type="button" onClick={onClose}>
        Close explanation
      </button>
    </section>
  );
}

/**
 * A hold that ended without a usage (HoldReleased by the service, HoldExpired at its expiry): why it
 * ended, and what it gave back — units to the windows, credits to the grants they were held on, and
 * credits held on a grant that expired meanwhile, written off. As the event recorded it.
 */
export function ExplainHoldEnd({ item, onClose }: { item: TimelineItem; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [item]);
  const d = item.data;
  const released = partOf(d.released) as Released;
  const expired = item.type === 'HoldExpired';
  return (
    <section class="panel explain" aria-labelledby="explain-title" data-testid="explain">
      <h3 id="explain-title" tabIndex={-1} ref={heading}>
        Explain hold <code>{str(d.holdId)}</code>: {expired ? 'expired' : 'released'}
      </h3>
      <dl class="facts">
        <Fact term="Outcome">
          {expired
            ? `expired: not settled by ${utc(typeof d.expiresAt === 'string' ? d.expiresAt : null)}`
            : `released by the service: ${str(d.reason)}`}
        </Fact>
        <Fact term="Recorded">{utc(item.recordedAt)}</Fact>
        <Fact term="Units back to the windows">{released.allowanceUnits} units</Fact>
        <Fact term="Credits back">{released.credits}</Fact>
        <Fact term="Balance after">{item.stateAfter.balance}</Fact>
        <Fact term="Held by other open holds after">{item.stateAfter.held ?? '—'}</Fact>
        <Fact term="Recorded by (key id)">{str(d.actor)}</Fact>
      </dl>
      <h4>Where the credits went</h4>
      <AllocationsTable
        caption="Credits the hold gave back, by grant"
        rows={[
          ...released.allocations.map((a) => ({ ...a, how: 'back to the grant it was held on' })),
          ...(released.expired ?? []).map((a) => ({ ...a, how: 'grant expired while held (written off)' })),
        ]}
        empty="No credits: the hold kept units only."
      />
      <p class="note">Nothing was charged: a hold that ends without a settlement costs nothing.</p>
      <button type="button" onClick={onClose}>
        Close explanation
      </button>
    </section>
  );
}

function AllocationsTable({
  caption,
  rows,
  empty,
}: {
  caption: string;
  rows: readonly (Allocation & { how: string })[];
  empty: string;
}) {
  if (rows.length === 0) return <p>{empty}</p>;
  return (
    <table>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Grant</th>
          <th scope="col" class="num">
            Credits
          </th>
          <th scope="col">How</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.how}/${r.grantId}`}>
            <th scope="row">
              <code>{r.grantId}</code>
            </th>
            <td class="num">{r.credits}</td>
            <td>{r.how}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
