import type { AccountView, GrantView, WindowView } from '../ledger-types';
import { durationUntil, percent, spendingCapText, utc } from '../format';
import { hrefOf } from '../route';

export function AccountSummary({ account, now }: { account: AccountView; now: string }) {
  return (
    <section aria-labelledby="account-title" class="panel">
      <h2 id="account-title">
        Account <code>{account.accountId}</code>
      </h2>
      <dl class="facts">
        <div>
          <dt>Plan</dt>
          <dd data-testid="plan">{account.plan}</dd>
        </div>
        <div>
          <dt>Credit balance</dt>
          <dd data-testid="balance">{account.credits.balance}</dd>
        </div>
        {account.credits.held !== undefined && (
          <div>
            <dt>Credits held</dt>
            <dd data-testid="credits-held">{account.credits.held}</dd>
          </div>
        )}
        {account.organizationId && (
          <div>
            <dt>Organisation</dt>
            <dd data-testid="account-organization">
              <a href={hrefOf('organization', account.organizationId)}>{account.organizationId}</a>
            </dd>
          </div>
        )}
        <div>
          <dt>Spending cap (credits a month)</dt>
          <dd data-testid="spending-cap">{spendingCapText(account.spendingCap)}</dd>
        </div>
        <div>
          <dt>Ledger time</dt>
          <dd>{utc(now)}</dd>
        </div>
      </dl>
      <h3>Usage windows</h3>
      {account.windows.length === 0 ? (
        <p>This plan has no usage windows.</p>
      ) : (
        <ul class="windows">
          {account.windows.map((w) => (
            <WindowBar key={`${w.product}/${w.window}`} window={w} now={now} />
          ))}
        </ul>
      )}
      <h3>Credit grants</h3>
      <GrantsTable grants={account.credits.grants} />
    </section>
  );
}

function WindowBar({ window: w, now }: { window: WindowView; now: string }) {
  const used = percent(w.used, w.limit);
  const held = w.held === undefined ? 0 : percent(w.held, w.limit);
  const label = `${w.product} ${w.window} window`;
  const reset =
    w.resetsAt === null
      ? 'not started: opens at the next usage'
      : `resets in ${durationUntil(w.resetsAt, now)} (${utc(w.resetsAt)})`;
  return (
    <li class="window" data-testid={`window-${w.product}-${w.window}`}>
      <div class="window-head">
        <span class="window-name">{label}</span>
        <span>
          {w.used} of {w.limit} units used · {w.remaining} left
          {w.held !== undefined && w.held > 0 ? ` · ${w.held} held` : ''}
          {w.retired ? ' · product retired' : ''}
        </span>
      </div>
      <div
        class="bar"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={w.limit}
        aria-valuenow={w.used}
        aria-valuetext={`${w.used} of ${w.limit} units used${w.held ? `, ${w.held} held` : ''}, ${reset}`}
      >
        <div class={used >= 100 ? 'fill full' : 'fill'} style={{ width: `${used}%` }} />
        {held > 0 && <div class="fill held" style={{ width: `${Math.min(held, 100 - used)}%` }} />}
      </div>
      <p class="window-reset">{reset}</p>
    </li>
  );
}

export function GrantsTable({ grants }: { grants: readonly GrantView[] }) {
  if (grants.length === 0) return <p>No credit grants.</p>;
  const showHeld = grants.some((g) => g.held !== undefined);
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Credit grants, in the order usage draws on them</caption>
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">
              Credits
            </th>
            <th scope="col" class="num">
              Remaining
            </th>
            {showHeld && (
              <th scope="col" class="num">
                Held
              </th>
            )}
            <th scope="col">Expires</th>
            <th scope="col">Products</th>
            <th scope="col" class="num">
              Priority
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {grants.map((g) => (
            <tr key={g.grantId}>
              <th scope="row">
                <code>{g.grantId}</code>
              </th>
              <td>{g.kind}</td>
              <td class="num">{g.credits}</td>
              <td class="num">{g.remaining}</td>
              {showHeld && <td class="num">{g.held ?? '0'}</td>}
              <td>{g.expiresAt === null ? 'never' : utc(g.expiresAt)}</td>
              <td>{g.products === null ? 'all' : g.products.join(', ')}</td>
              <td class="num">{g.priority}</td>
              <td>{g.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
