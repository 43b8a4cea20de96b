// The sys_user fields callers and transform maps may set; `u_*` custom fields are allowed as in ServiceNow.

export const USER_FIELDS = [
  "user_name",
  "email",
  "first_name",
  "middle_name",
  "last_name",
  "title",
  "department",
  "company",
  "location",
  "phone",
  "mobile_phone",
  "employee_number",
  "manager",
  "time_zone",
  "preferred_language",
] as const;
export type UserField = (typeof USER_FIELDS)[number];

export const CUSTOM_USER_FIELD = /^u_[a-z0-9_]{1,78}$/;

export const isSettableUserField = (name: string): boolean =>
  (USER_FIELDS as readonly string[]).includes(name) || CUSTOM_USER_FIELD.test(name);
