import { passwordProblems } from './password-policy';

describe('passwordProblems', () => {
  it.each([
    ['correct horse battery staple', 'alice'],
    ['agent-password-123', 'lena'],
    ['demo-agent-password', 'demo'],
    ['Tr0ub4dor&3x', 'bob'],
  ])('should accept %p for %p', (password, username) => {
    expect(passwordProblems(password, username)).toEqual([]);
  });

  it.each([
    ['short1!', 'alice', 'must be at least 10 characters'],
    ['aaaaaaaaaa', 'alice', 'must not be a short pattern repeated'],
    ['abcabcabcabc', 'alice', 'must not be a short pattern repeated'],
    ['1212121212', 'alice', 'must not be a short pattern repeated'],
    ['0123456789', 'alice', 'must not be a keyboard or alphabet sequence'],
    ['9876543210', 'alice', 'must not be a keyboard or alphabet sequence'],
    ['qwertyuiop', 'alice', 'must not be a keyboard or alphabet sequence'],
    ['Password123', 'alice', 'is one of the most common passwords'],
    ['alice12345', 'alice', 'must not be the username with a few characters added'],
    ['Alice2026!', 'alice', 'must not be the username with a few characters added'],
  ])('should refuse %p for %p: %s', (password, username, reason) => {
    expect(passwordProblems(password, username)).toContain(reason);
  });
});
