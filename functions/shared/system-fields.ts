// ServiceNow's system fields (sys_created_on/by, sys_updated_on/by, sys_mod_count), kept the same way by
// every store, and the optimistic write condition sys_mod_count gives.
import { glideDateTime } from "./glide-time";

export const MOD_COUNT = "sys_mod_count";

/** The system fields of a new row. */
export function createdFields(by: string, nowMs: number): Record<string, string | number> {
  const stamp = glideDateTime(nowMs);
  return { sys_created_on: stamp, sys_created_by: by, sys_updated_on: stamp, sys_updated_by: by, [MOD_COUNT]: 0 };
}

/** The system fields of a change to a row whose sys_mod_count was `modCount` (absent on rows written by hand). */
export function updatedFields(by: string, nowMs: number, modCount: unknown): Record<string, string | number> {
  const previous = typeof modCount === "number" ? modCount : Number(modCount ?? 0) || 0;
  return { sys_updated_on: glideDateTime(nowMs), sys_updated_by: by, [MOD_COUNT]: previous + 1 };
}

/**
 * The condition that the row is still the version read (its sys_mod_count unchanged), for a Put or
 * Update: a concurrent writer makes it fail instead of being silently overwritten.
 */
export function unchangedSince(modCount: unknown): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  return modCount === undefined
    ? {
        ConditionExpression: "attribute_exists(#sys_id) AND attribute_not_exists(#mod)",
        ExpressionAttributeNames: { "#sys_id": "sys_id", "#mod": MOD_COUNT },
      }
    : {
        ConditionExpression: "#mod = :mod",
        ExpressionAttributeNames: { "#mod": MOD_COUNT },
        ExpressionAttributeValues: { ":mod": modCount },
      };
}
