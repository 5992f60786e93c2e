import { randomUUID } from 'node:crypto';
import { newUnsubscribeToken, parseUnsubscribeToken, unsubscribeUrl } from './unsubscribe-token';
import { maskEmail } from './unsubscribe.usecase';

describe('unsubscribe tokens', () => {
  it('carry their workspace and are stored as a hash of their random part', () => {
    const workspaceId = randomUUID();
    const { token, hash } = newUnsubscribeToken(workspaceId);
    expect(token).toMatch(new RegExp(`^${workspaceId}\\.[A-Za-z0-9_-]{43}$`));
    expect(token).not.toContain(hash.toString('hex'));
    expect(parseUnsubscribeToken(token)).toEqual({ workspaceId, hash });
    expect(newUnsubscribeToken(workspaceId).token).not.toBe(token);
  });

  it('refuses anything else', () => {
    const { token } = newUnsubscribeToken(randomUUID());
    for (const bad of ['', 'x', token.slice(0, -1), `${token}A`, `not-a-uuid.${token.split('.')[1]}`, token.replace('.', '/')]) {
      expect(parseUnsubscribeToken(bad)).toBeUndefined();
    }
  });

  it('makes links on the public URL', () => {
    expect(unsubscribeUrl('https://leads.example/', 'w.t')).toBe('https://leads.example/v1/unsubscribe/w.t');
  });

  it('masks the address it shows', () => {
    expect(maskEmail('ada@initech.com')).toBe('a***@initech.com');
    expect(maskEmail('weird')).toBe('***');
  });
});
