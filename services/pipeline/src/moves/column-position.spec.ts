import { positionBetween } from './column-position.helper';

describe('positionBetween', () => {
  it('goes above the first card', () => {
    expect(positionBetween(null, 1)).toBe(0);
  });

  it('takes the midpoint between two cards', () => {
    expect(positionBetween(1, 2)).toBe(1.5);
    expect(positionBetween(-3, 5)).toBe(1);
  });

  it('has no room between equal positions or adjacent doubles', () => {
    expect(positionBetween(2, 2)).toBeNull();
    expect(positionBetween(1, 1 + Number.EPSILON)).toBeNull();
  });

  it('keeps finding room for many drops at the same spot', () => {
    let next = 2;
    for (let drop = 0; drop < 40; drop += 1) {
      const position = positionBetween(1, next);
      expect(position).not.toBeNull();
      expect(position!).toBeGreaterThan(1);
      expect(position!).toBeLessThan(next);
      next = position!;
    }
  });
});
