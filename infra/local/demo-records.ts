// Demo data for the local stack: the incident table's ACL and a few incidents, including the one the
// seed's curl fetches (897b04f2dbd4a300a135364e9d961952). Only written where absent, so edits survive restarts;
// each takes its number from incident's counter, as an insert through the Table API does (INC0010001 first).
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OUT_OF_BOX } from "../../functions/dictionary/dictionary";
import { NumberCounters } from "../../functions/records/numbers";
import type { Clock } from "../../functions/shared/clock";
import { aclKey, aclSchema, type AclInput } from "../../functions/config/schema";
import { isConditionalCheckFailed } from "../../functions/shared/dynamo";
import { glideDateTime } from "../../functions/shared/glide-time";
import { TABLE_ATTRIBUTE } from "../../functions/records/store";

/** itil works incidents; only admin deletes them (admin passes every ACL anyway). */
export const DEMO_INCIDENT_ACL: AclInput = {
  table: "incident",
  read: ["itil"],
  create: ["itil"],
  write: ["itil"],
  delete: ["admin"],
};

/** The incident the seed's `curl` example reads. */
export const SEED_INCIDENT_SYS_ID = "897b04f2dbd4a300a135364e9d961952";

const HOUR_MS = 3_600_000;

/** Demo incidents; `ageHours` places sys_created_on (and opened_at) that long before the seeding. */
const DEMO_INCIDENTS: readonly { sysId: string; ageHours: number; fields: Readonly<Record<string, string>> }[] = [
  {
    sysId: SEED_INCIDENT_SYS_ID,
    ageHours: 72,
    fields: {
      short_description: "Unable to connect to the VPN from home",
      description: "Since this morning the VPN client times out after entering my password.",
      caller_id: "Fred Luddy",
      category: "network",
      subcategory: "vpn",
      impact: "2",
      urgency: "2",
      priority: "3",
      state: "2",
      active: "true",
      assignment_group: "Network",
      assigned_to: "Beth Anglin",
      contact_type: "phone",
    },
  },
  {
    sysId: "9d385017c611228701d22104cc95c371",
    ageHours: 48,
    fields: {
      short_description: "Email server is down",
      description: "Nobody on the 3rd floor can send or receive email.",
      caller_id: "Don Goodliffe",
      category: "software",
      subcategory: "email",
      impact: "1",
      urgency: "1",
      priority: "1",
      state: "1",
      active: "true",
      assignment_group: "Service Desk",
      contact_type: "email",
    },
  },
  {
    sysId: "e8caedcbc0a80164017df472f39eaed1",
    ageHours: 30,
    fields: {
      short_description: "Printer on floor 2 jams on every job",
      caller_id: "Carol Coughlin",
      category: "hardware",
      impact: "3",
      urgency: "3",
      priority: "5",
      state: "1",
      active: "true",
      assignment_group: "Hardware",
      contact_type: "self-service",
    },
  },
  {
    sysId: "ef43c6d40a0a0b5700c77f9bf387afe3",
    ageHours: 20,
    fields: {
      short_description: "Request for a larger monitor",
      caller_id: "Bud Richman",
      category: "hardware",
      impact: "3",
      urgency: "3",
      priority: "5",
      state: "6",
      active: "false",
      close_code: "Solved (Permanently)",
      close_notes: "Monitor delivered and installed.",
      assignment_group: "Hardware",
      assigned_to: "Luke Wilson",
      contact_type: "self-service",
    },
  },
  {
    sysId: "46d44a23a9fe19810012d100cca80666",
    ageHours: 2,
    fields: {
      short_description: "SAP sales app is slow",
      description: "Order entry takes over a minute per order since the last release.",
      caller_id: "Fred Luddy",
      category: "software",
      impact: "2",
      urgency: "1",
      priority: "2",
      state: "2",
      active: "true",
      assignment_group: "Software",
      assigned_to: "Beth Anglin",
      contact_type: "phone",
    },
  },
];

export async function seedDemo(
  doc: DynamoDBDocumentClient,
  tables: { readonly config: string; readonly records: string },
  clock: Clock,
): Promise<void> {
  const acl = aclSchema.parse(DEMO_INCIDENT_ACL);
  await putIfAbsent(doc, tables.config, "pk", { pk: aclKey(acl.table), ...acl });
  const nowMs = clock.nowMs();
  const numbers = new NumberCounters(doc, tables.records);
  const numbering = OUT_OF_BOX.table("incident")?.number;
  if (numbering === undefined) throw new Error("incident has no number prefix in the dictionary");
  for (const { sysId, ageHours, fields } of DEMO_INCIDENTS) {
    const key = { [TABLE_ATTRIBUTE]: "incident", sys_id: sysId };
    const { Item } = await doc.send(new GetCommand({ TableName: tables.records, Key: key, ConsistentRead: true }));
    if (Item) continue;
    const created = glideDateTime(nowMs - ageHours * HOUR_MS);
    await putIfAbsent(doc, tables.records, "sys_id", {
      ...fields,
      number: await numbers.next("incident", numbering),
      sys_class_name: "incident",
      opened_at: created,
      [TABLE_ATTRIBUTE]: "incident",
      sys_id: sysId,
      sys_created_on: created,
      sys_created_by: "admin",
      sys_updated_on: created,
      sys_updated_by: "admin",
      sys_mod_count: 0,
    });
  }
}

async function putIfAbsent(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keyAttribute: string,
  item: Record<string, unknown>,
): Promise<void> {
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: "attribute_not_exists(#key)",
        ExpressionAttributeNames: { "#key": keyAttribute },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}
