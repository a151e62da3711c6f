import { deliveryTargetProblem, isPrivateAddress, webhookUrlProblem } from './webhook-target';

describe('webhook targets (SPEC §8)', () => {
  it('knows private, loopback and link-local addresses, v4, v6 and v4-mapped', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '[::1]',
    ])
      expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: true });
    for (const a of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])
      expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: false });
  });

  it('at registration: http(s) only, no credentials, no private or local host unless allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/ledger', false)).toBeNull();
    expect(webhookUrlProblem('ftp://example.com', false)).toMatch(/http/);
    expect(webhookUrlProblem('not a url', false)).toMatch(/absolute/);
    expect(webhookUrlProblem('https://u:p@example.com', false)).toMatch(/credentials/);
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://localhost./x',
      'http://127.0.0.1./x',
      'http://api.localhost/',
      'http://[::1]/',
      'http://10.0.0.5/',
    ])
      expect({ url, problem: webhookUrlProblem(url, false) }).toEqual({
        url,
        problem: expect.stringMatching(/private/),
      });
    expect(webhookUrlProblem('http://127.0.0.1:8080/x', true)).toBeNull();
  });

  it('at delivery: refuses a public name that resolves to a private address', async () => {
    const lookup = (answers: string[]) => () => Promise.resolve(answers.map((address) => ({ address })));
    expect(
      await deliveryTargetProblem('https://hooks.example.com/', false, lookup(['93.184.216.34'])),
    ).toBeNull();
    expect(
      await deliveryTargetProblem('https://evil.example.com/', false, lookup(['93.184.216.34', '10.0.0.1'])),
    ).toMatch(/10\.0\.0\.1/);
    expect(await deliveryTargetProblem('https://gone.example.com/', false, lookup([]))).toMatch(/resolve/);
    expect(await deliveryTargetProblem('https://evil.example.com/', true, lookup(['10.0.0.1']))).toBeNull();
  });
});
