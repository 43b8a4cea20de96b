// New sys_ids: 32 lowercase hex like ServiceNow's, but ordered by creation time.
import { randomBytes } from "node:crypto";
import type { Clock } from "./clock";

export const SYS_ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * 48 bits of milliseconds since 1970, then 80 random bits (the layout of a UUIDv7, without its version
 * bits). Listing without ORDERBY returns rows in sys_id order, DynamoDB's sort key, which for rows created
 * here is creation order: stable for paging and what a reader expects, with no sort in memory.
 */
export function newSysId(clock: Clock): string {
  const ms = Math.max(0, Math.floor(clock.nowMs()));
  return ms.toString(16).padStart(12, "0").slice(-12) + randomBytes(10).toString("hex");
}
