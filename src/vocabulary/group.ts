/**
 * A group an admin puts users in (policy rules match on them): lower case
 * letters, digits and `. _ -`, up to 64 characters, so that a name is one
 * spelling and safe to show anywhere.
 */
export const GROUP_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_GROUPS_PER_USER = 50;

export function isGroupName(value: unknown): value is string {
  return typeof value === 'string' && GROUP_NAME_PATTERN.test(value);
}
