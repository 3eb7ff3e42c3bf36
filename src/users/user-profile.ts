import type { UserProfile } from '../vocabulary/principal.js';
import type { Role } from '../vocabulary/role.js';

/** The columns of `users` a UserProfile is read from, for repositories that join users (alias `u`). */
export const USER_PROFILE_COLUMNS = `u.id AS user_id, u.email AS user_email, u.roles AS user_roles, u.groups AS user_groups, u.locale AS user_locale`;

export interface UserProfileRow {
  user_id: string;
  user_email: string;
  user_roles: Role[];
  user_groups: string[];
  user_locale: string | null;
}

export function userProfileOf(row: UserProfileRow): UserProfile {
  return { id: row.user_id, email: row.user_email, roles: row.user_roles, groups: row.user_groups, locale: row.user_locale };
}
