import { assertFieldsObject, nestedDeeperThan } from './nesting';

describe('nesting guard', () => {
  it('measures depth like the submission schema: a flat object is 1', () => {
    expect(nestedDeeperThan({ a: 1 }, 1)).toBe(false);
    expect(nestedDeeperThan({ a: { b: 1 } }, 1)).toBe(true);
    expect(nestedDeeperThan({ a: [{ b: [1] }] }, 4)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: [1] }] }, 3)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(nestedDeeperThan({ a: deep }, 5)).toBe(true);
  });

  it('refuses non-objects and deep bodies with 400 problem details', () => {
    expect(() => assertFieldsObject([1], 'a JSON object')).toThrow(expect.objectContaining({ errors: [{ field: '(body)', reason: 'must be a JSON object' }] }));
    expect(() => assertFieldsObject(null, 'x')).toThrow();
    expect(() => assertFieldsObject({ a: { b: { c: { d: { e: { f: 1 } } } } } }, 'x')).toThrow(
      expect.objectContaining({ errors: [{ field: '(body)', reason: 'nested deeper than 5 levels' }] }),
    );
    expect(() => assertFieldsObject({ a: { b: { c: { d: 1 } } } }, 'x')).not.toThrow();
  });
});
