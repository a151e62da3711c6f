import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { webhookSignature } from '../webhook-signature';

/** docs/WEBHOOKS.md's Python check, run as written against the ledger's own signer (where python3 exists). */
const DOC = path.join(__dirname, '..', '..', '..', '..', '..', 'docs', 'WEBHOOKS.md');
const hasPython = spawnSync('python3', ['--version']).status === 0;

function pythonSnippet(): string {
  const match = /```python\n([\s\S]*?)```/.exec(fs.readFileSync(DOC, 'utf8'));
  if (match === null) throw new Error('docs/WEBHOOKS.md has no python block');
  return match[1];
}

(hasPython ? describe : describe.skip)('docs/WEBHOOKS.md: the Python signature check', () => {
  it('accepts the ledger signature and refuses another secret, a changed body, a stale t, a bad header', () => {
    const body = '{"notificationId":"ntf_1","kind":"credits.low","data":{"balance":"4.5"}}';
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, string, boolean][] = [
      ['s3cret', webhookSignature('s3cret', now, body), body, true],
      ['other', webhookSignature('s3cret', now, body), body, false],
      ['s3cret', webhookSignature('s3cret', now, body), `${body} `, false],
      ['s3cret', webhookSignature('s3cret', now - 301, body), body, false],
      ['s3cret', 'garbage', body, false],
      ['s3cret', `t=${now}`, body, false],
    ];
    const script = `${pythonSnippet()}
import json, sys
for secret, header, body in json.load(sys.stdin):
    print(verify_ledger_signature(secret, header, body.encode()))
`;
    const out = execFileSync('python3', ['-c', script], {
      input: JSON.stringify(cases.map(([secret, header, raw]) => [secret, header, raw])),
      encoding: 'utf8',
    });
    expect(out.trim().split('\n')).toEqual(cases.map(([, , , valid]) => (valid ? 'True' : 'False')));
  });
});
