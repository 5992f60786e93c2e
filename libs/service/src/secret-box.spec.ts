import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and the sealed value does not contain the secret', () => {
    const sealed = box.seal('whsec_top-secret', 'row-1');
    expect(sealed.includes(Buffer.from('whsec_top-secret'))).toBe(false);
    expect(box.open(sealed, 'row-1')).toBe('whsec_top-secret');
  });

  it('seals the same secret differently each time (random IV)', () => {
    expect(box.seal('same', 'row').equals(box.seal('same', 'row'))).toBe(false);
  });

  it('refuses another context, another key and a tampered value', () => {
    const sealed = box.seal('secret', 'row-1');
    expect(() => box.open(sealed, 'row-2')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'row-1')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => box.open(tampered, 'row-1')).toThrow();
    expect(() => box.open(Buffer.alloc(10), 'row-1')).toThrow('not a sealed value');
  });

  it('wants a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow('32 bytes');
  });
});
