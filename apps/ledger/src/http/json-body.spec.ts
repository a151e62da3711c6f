import { jsonDepth } from './json-body';

describe('jsonDepth', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepth('{"a":1}')).toBe(1);
    expect(jsonDepth('{"a":[{"b":[]}]}')).toBe(4);
    expect(jsonDepth('{"a":"[[[[{{{{\\"]]"}')).toBe(1);
    expect(jsonDepth('[]'.repeat(3))).toBe(1);
    expect(jsonDepth('['.repeat(2000) + ']'.repeat(2000))).toBe(2000);
  });
});
