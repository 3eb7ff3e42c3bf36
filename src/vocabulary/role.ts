/** The roles a user can hold; `admin` reaches the administration API. */
export type Role = 'admin';
