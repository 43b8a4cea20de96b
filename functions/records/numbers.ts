// Record numbers (INC0010001): one counter item per numbered table in the records table, advanced with a
// single conditional UpdateItem ADD, so concurrent inserts never share a number.
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NUMBER_DIGITS } from "../dictionary/columns";
import { StoreError } from "../shared/errors";
import { isConditionalCheckFailed } from "../shared/dynamo";
import { TABLE_ATTRIBUTE } from "./store";

/** The counters' partition: not a table name (table names are lowercase), so no listing ever sees it. */
const COUNTER_PARTITION = "#number";

interface Numbering {
  readonly prefix: string;
  /** The first number handed out (ServiceNow's default: 10001 for INC, 40001 for PRB). */
  readonly start: number;
}

export class NumberCounters {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The next number of `table`: prefix and the counter, zero-padded to seven digits. */
  async next(table: string, numbering: Numbering): Promise<string> {
    const max = 10 ** NUMBER_DIGITS - numbering.start;
    let taken: number;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_ATTRIBUTE]: COUNTER_PARTITION, sys_id: table },
          UpdateExpression: "ADD #issued :one",
          // Past the last seven-digit number the counter stops, rather than wrapping onto used numbers.
          ConditionExpression: "attribute_not_exists(#issued) OR #issued < :max",
          ExpressionAttributeNames: { "#issued": "issued" },
          ExpressionAttributeValues: { ":one": 1, ":max": max },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      taken = Number(Attributes?.["issued"]);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new StoreError(`${table} has used up its numbers`, { cause: error });
      throw new StoreError("number counter update failed", { cause: error });
    }
    return `${numbering.prefix}${String(numbering.start + taken - 1).padStart(NUMBER_DIGITS, "0")}`;
  }
}
