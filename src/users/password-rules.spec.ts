import { passwordProblem } from './password-rules.js';

describe('passwordProblem', () => {
  it('accepts 8 to 128 characters with no composition rules', () => {
    expect(passwordProblem('plumbago')).toBeNull();
    expect(passwordProblem('x'.repeat(128))).toBeNull();
    expect(passwordProblem('correct horse battery staple')).toBeNull();
  });
  it('counts characters, not bytes', () => {
    expect(passwordProblem('🔑'.repeat(8))).toBeNull();
  });
  it('refuses too short, too long and common passwords', () => {
    expect(passwordProblem('short')).toMatch(/at least 8/);
    expect(passwordProblem('x'.repeat(129))).toMatch(/at most 128/);
    expect(passwordProblem('Password1')).toMatch(/too common/);
    expect(passwordProblem('12345678')).toMatch(/too common/);
  });
});
