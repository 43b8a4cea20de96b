// Every DynamoDB table in TABLES, built the same way: on-demand, AWS-managed encryption, no physical names.
import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { TABLES, type KeyAttribute, type TableName } from "../functions/shared/tables";

const toAttribute = ({ name, type }: KeyAttribute): dynamodb.Attribute => ({
  name,
  type: type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

/** Construct id of a table, e.g. `ConfigTable`: also the stem of its stack output name. */
export const tableConstructId = (name: TableName): string => `${name.charAt(0).toUpperCase()}${name.slice(1)}Table`;

export class Tables extends Construct {
  readonly byName: Readonly<Record<TableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    const entries = (Object.keys(TABLES) as TableName[]).map((name) => {
      const definition = TABLES[name];
      const table = new dynamodb.Table(this, tableConstructId(name), {
        partitionKey: toAttribute(definition.partitionKey),
        sortKey: definition.sortKey && toAttribute(definition.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        // The local stack (dynalite) has no TTL, so expiry is enforced by conditions in code;
        // TTL here only keeps the table from growing forever.
        timeToLiveAttribute: definition.ttlAttribute,
        pointInTimeRecoverySpecification: {
          pointInTimeRecoveryEnabled: definition.pointInTimeRecovery,
        },
        removalPolicy: definition.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: toAttribute(index.partitionKey),
          sortKey: index.sortKey && toAttribute(index.sortKey),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      return [name, table] as const;
    });

    this.byName = Object.fromEntries(entries) as Record<TableName, dynamodb.Table>;
  }
}
