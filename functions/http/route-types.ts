// The shapes of the API's functions and routes, apart from the manifest (routes.ts) that lists them, so
// the scripted APIs can declare theirs without importing the manifest that imports them.
import type { TableName } from "../shared/tables";

/** The methods the API's routes use (OPTIONS is the preflight, which never reaches the authorizer). */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The DynamoDB actions the code calls (the stores, the users directory and guards, dynamo-paging.ts). */
export type DynamoAction = "GetItem" | "BatchGetItem" | "Query" | "Scan" | "PutItem" | "UpdateItem" | "DeleteItem";

/** Least privilege on one table: exactly the actions the function calls, and for `records` its partitions. */
export interface TableAccess {
  readonly actions: readonly DynamoAction[];
  /** Only items whose partition key is one of these (IAM dynamodb:LeadingKeys); unset: the whole table. */
  readonly partitions?: readonly string[];
}

/** The S3 buckets of the stack. */
export type BucketName = "attachments";
/** `delete` only removes objects (the Table API, when a record with attachments is deleted). */
export type BucketAccess = "readWrite" | "delete";

export interface FunctionDefinition {
  /** Construct id in the stack, and the name the local stack logs. */
  readonly id: string;
  /** Handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Least privilege: the tables the function may touch, and exactly how (the stack grants nothing else). */
  readonly tables: Readonly<Partial<Record<TableName, TableAccess>>>;
  /** Least privilege: the buckets the function may touch, and how; none when absent. */
  readonly buckets?: Readonly<Partial<Record<BucketName, BucketAccess>>>;
  /** Further environment variables the function reads (the stack and the local stack both set them). */
  readonly environment?: Readonly<Record<string, string>>;
}
