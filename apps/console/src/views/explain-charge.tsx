import { useLayoutEffect, useRef } from 'preact/hooks';
import { utc } from '../format';
import type { Allocation, TimelineItem, WindowView } from '../ledger-types';
import { ExplainHoldEnd, ExplainReversal, ExplainSettlement } from './explain-hold';

const str = (value: unknown): string => (value === null || value === undefined ? '—' : String(value));

/**
 * "Explain this charge": what one usage event itself recorded (SPEC §2 RecordUsage) — the units, the
 * part the windows covered, the overage in credits, the grants drawn and the rate card version it
 * was priced under. Nothing is recomputed here: the event is the record.
 */
export function ExplainCharge({ item, onClose }: { item: TimelineItem; onClose: () => void }) {
  if (item.type === 'HoldSettled') return <ExplainSettlement item={item} onClose={onClose} />;
  if (item.type === 'UsageReversed') return <ExplainReversal item={item} onClose={onClose} />;
  if (item.type === 'HoldReleased' || item.type === 'HoldExpired')
    return <ExplainHoldEnd item={item} onClose={onClose} />;
  return <ExplainUsage item={item} onClose={onClose} />;
}

function ExplainUsage({ item, onClose }: { item: TimelineItem; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [item]);
  const d = item.data;
  const windows = (d.windows ?? []) as readonly WindowView[];
  const allocations = (d.allocations ?? []) as readonly Allocation[];
  const rejected = item.type === 'UsageRejected';
  return (
    <section class="panel explain" aria-labelledby="explain-title" data-testid="explain">
      <h3 id="explain-title" tabIndex={-1} ref={heading}>
        Explain usage <code>{str(d.usageId)}</code>
      </h3>
      <dl class="facts">
        <Fact term="Outcome">{rejected ? `refused: ${str(d.reason)}` : 'accepted'}</Fact>
        <Fact term="What">
          {str(d.quantity)} × {str(d.product)} {str(d.operation)}
          {d.surface ? ` (surface ${str(d.surface)})` : ''}
        </Fact>
        <Fact term="Recorded">{utc(item.recordedAt)}</Fact>
        <Fact term="Plan">{str(d.plan)}</Fact>
        <Fact term="Rate card version">{str(d.rateCardVersion)}</Fact>
        <Fact term="Price">
          {str(d.unitsPerQuantity)} units or {str(d.creditsPerQuantity)} credits per quantity
        </Fact>
        <Fact term="Units">
          {str(d.quantity)} × {str(d.unitsPerQuantity)} = {str(d.units)} units
        </Fact>
        {!rejected && <Fact term="Covered by the windows">{str(d.allowanceUnits)} units</Fact>}
        <Fact term="Overage">{str(d.overageUnits)} units</Fact>
        {rejected ? (
          <>
            <Fact term="Credits it needed">{str(d.requiredCredits)}</Fact>
            <Fact term="Allowance covers it again">
              {d.resetsAt ? utc(String(d.resetsAt)) : 'not on this plan'}
            </Fact>
          </>
        ) : (
          <Fact term="Charged in credits">{str(d.creditsCharged)}</Fact>
        )}
        <Fact term="Balance after">{str(d.balanceAfter)}</Fact>
        {d.holdId !== undefined && <Fact term="Hold">{str(d.holdId)}</Fact>}
        <Fact term="Recorded by (key id)">{str(d.actor)}</Fact>
      </dl>
      {!rejected && (
        <>
          <h4>Grants drawn</h4>
          {allocations.length === 0 ? (
            <p>None: the windows covered it all.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Grant</th>
                  <th scope="col" class="num">
                    Credits
                  </th>
                </tr>
              </thead>
              <tbody>
                {allocations.map((a) => (
                  <tr key={a.grantId}>
                    <th scope="row">
                      <code>{a.grantId}</code>
                    </th>
                    <td class="num">{a.credits}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <h4>Windows after this usage</h4>
      <table>
        <thead>
          <tr>
            <th scope="col">Window</th>
            <th scope="col" class="num">
              Used
            </th>
            <th scope="col" class="num">
              Limit
            </th>
            <th scope="col">Resets</th>
          </tr>
        </thead>
        <tbody>
          {windows.map((w) => (
            <tr key={`${w.product}/${w.window}`}>
              <th scope="row">
                {w.product} {w.window}
              </th>
              <td class="num">{w.used}</td>
              <td class="num">{w.limit}</td>
              <td>{utc(w.resetsAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={onClose}>
        Close explanation
      </button>
    </section>
  );
}

export function Fact({ term, children }: { term: string; children: preact.ComponentChildren }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
