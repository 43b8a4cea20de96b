// The DynamoDB table definitions: the one source for the CDK stack, the local stack and the tests.

export type AttributeType = "S" | "N";

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Environment variable through which every Lambda learns the table's physical name. */
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes: readonly IndexDefinition[];
  /** DynamoDB TTL attribute (epoch seconds). Switched on by the CDK stack only: dynalite has no TTL. */
  readonly ttlAttribute?: string;
  readonly pointInTimeRecovery: boolean;
  /** Keep the table when the stack is deleted (user data). */
  readonly retain: boolean;
}

export type TableName = "config" | "users" | "jti" | "records" | "providerState";

/** Users may be looked up by these fields; each one except `sys_id` is served by an index. */
export const USER_LOOKUP_INDEXES = {
  user_name: { indexName: "by_user_name", attribute: "user_name" },
  // Email matching is case-insensitive: the index holds the lower-cased address.
  email: { indexName: "by_email", attribute: "email_lower" },
  employee_number: { indexName: "by_employee_number", attribute: "employee_number" },
} as const;

export type IndexedUserField = keyof typeof USER_LOOKUP_INDEXES;

/** The identity a user is bound to (a hash of issuer and subject), so a sign-in finds them in one Query. */
export const USER_IDENTITY_INDEX = { indexName: "by_identity", attribute: "oidc_identity" } as const;

/**
 * Every user item carries `directory` = "sys_user", so the Table API can list users page by page with a
 * Query on this index instead of a Scan; items without it (uniqueness guards) stay out of the listing.
 */
export const USER_LISTING_INDEX = { indexName: "all_users", partition: "directory", value: "sys_user" } as const;
export type UserLookupField = "sys_id" | IndexedUserField;
export const USER_LOOKUP_FIELDS = ["sys_id", ...Object.keys(USER_LOOKUP_INDEXES)] as [
  UserLookupField,
  ...UserLookupField[],
];

/**
 * Journal entries (sys_journal_field rows) carry `journal#element` = `<table>/<record sys_id>`, so the
 * entries of one record are one Query on this sparse index, newest first by sys_id. The `#` keeps the
 * attribute out of reach of the Table API, whose field names are `a-z0-9_`.
 */
export const RECORD_JOURNAL_INDEX = { indexName: "by_journal_element", attribute: "journal#element" } as const;

const s = (name: string): KeyAttribute => ({ name, type: "S" });

export const TABLES: Readonly<Record<TableName, TableDefinition>> = {
  config: {
    envVar: "CONFIG_TABLE",
    partitionKey: s("pk"),
    indexes: [],
    pointInTimeRecovery: true,
    retain: true,
  },
  users: {
    envVar: "USERS_TABLE",
    partitionKey: s("sys_id"),
    indexes: [
      ...Object.values(USER_LOOKUP_INDEXES).map(({ indexName, attribute }) => ({
        indexName,
        partitionKey: s(attribute),
      })),
      { indexName: USER_IDENTITY_INDEX.indexName, partitionKey: s(USER_IDENTITY_INDEX.attribute) },
      { indexName: USER_LISTING_INDEX.indexName, partitionKey: s(USER_LISTING_INDEX.partition), sortKey: s("sys_id") },
    ],
    pointInTimeRecovery: true,
    retain: true,
  },
  jti: {
    envVar: "JTI_TABLE",
    partitionKey: s("pk"),
    indexes: [],
    ttlAttribute: "expiresAt",
    pointInTimeRecovery: false,
    retain: false,
  },
  // The authorizer's own copy of each provider's last good discovery document and key set (a cache that
  // survives cold starts). Not the config table: that one is the operators' (the authorizer may only read
  // it, and every container Scans it every 30 s); this one the authorizer writes, and losing it costs one
  // fetch per provider.
  providerState: {
    envVar: "PROVIDER_STATE_TABLE",
    partitionKey: s("pk"),
    indexes: [],
    pointInTimeRecovery: false,
    retain: false,
  },
  records: {
    envVar: "RECORDS_TABLE",
    partitionKey: s("table"),
    sortKey: s("sys_id"),
    indexes: [
      {
        indexName: RECORD_JOURNAL_INDEX.indexName,
        partitionKey: s(RECORD_JOURNAL_INDEX.attribute),
        sortKey: s("sys_id"),
      },
    ],
    pointInTimeRecovery: true,
    retain: true,
  },
};
