// The config table as the CLI uses it: whole-table reads judged like the authorizer, and conditional single-item writes.
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ALL_CONFIG_ITEMS, DynamoConfigSource } from "../functions/config/store";
import { isConditionalCheckFailed } from "../functions/shared/dynamo";
import type { ConfigItem, InspectedConfig, InvalidItem } from "./config-items";

/** `new`: only if absent; `existing`: only if present; `any`: unconditionally. */
type WriteCondition = "new" | "existing" | "any";

const CONDITIONS: Readonly<Record<WriteCondition, string | undefined>> = {
  new: "attribute_not_exists(#pk)",
  existing: "attribute_exists(#pk)",
  any: undefined,
};

export class ConfigTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /** One raw item, read consistently (an admin expects to see what they just wrote). */
  async get(pk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.name, Key: { pk }, ConsistentRead: true }));
    return Item;
  }

  /** Every item, through the authorizer's own reader: valid ones parsed, invalid ones with their problems. */
  async load(): Promise<InspectedConfig> {
    const invalid: InvalidItem[] = [];
    const snapshot = await new DynamoConfigSource(
      this.doc,
      this.name,
      ({ pk, problems }) => invalid.push({ pk, problems }),
      ALL_CONFIG_ITEMS,
    ).load();
    return { snapshot, invalid };
  }

  /** Resolves false when the condition failed (the item existed for `new`, did not for `existing`). */
  async put(item: ConfigItem, condition: WriteCondition): Promise<boolean> {
    return this.conditional(condition, (conditionFields) =>
      this.doc.send(new PutCommand({ TableName: this.name, Item: item, ...conditionFields })),
    );
  }

  async delete(pk: string, condition: Exclude<WriteCondition, "new">): Promise<boolean> {
    return this.conditional(condition, (conditionFields) =>
      this.doc.send(new DeleteCommand({ TableName: this.name, Key: { pk }, ...conditionFields })),
    );
  }

  private async conditional(
    condition: WriteCondition,
    send: (fields: {
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
    }) => Promise<unknown>,
  ): Promise<boolean> {
    const expression = CONDITIONS[condition];
    try {
      await send(
        expression === undefined ? {} : { ConditionExpression: expression, ExpressionAttributeNames: { "#pk": "pk" } },
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
