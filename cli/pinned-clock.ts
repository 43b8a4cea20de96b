// explain --at: the dry run's clock, pinned for our code (a Clock) and for aws-jwt-verify (which reads Date.now itself).
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Clock } from "../functions/shared/clock";
import { CliError } from "./errors";

/** `--at`: an ISO 8601 time, or epoch seconds. */
export function parseAt(text: string): number {
  const trimmed = text.trim();
  const ms = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed);
  if (!Number.isFinite(ms)) {
    throw new CliError("usage", `--at ${text}: give an ISO 8601 time (2018-09-26T03:43:06Z) or epoch seconds`);
  }
  return ms;
}

/**
 * Runs `work` with Date.now starting at `atMs` and ticking, restoring it afterwards. AWS request signing
 * must stay on real time, so each client's clock offset is shifted by the same amount meanwhile.
 */
export async function withPinnedClock<T>(
  atMs: number,
  clients: readonly DynamoDBClient[],
  work: (clock: Clock) => Promise<T>,
): Promise<T> {
  const realNow = Date.now;
  const shiftMs = realNow() - atMs;
  const offsets = clients.map((client) => client.config.systemClockOffset);
  const pinnedNow = (): number => realNow() - shiftMs;
  Date.now = pinnedNow;
  clients.forEach((client, i) => {
    client.config.systemClockOffset = (offsets[i] ?? 0) + shiftMs;
  });
  try {
    return await work({ nowMs: pinnedNow });
  } finally {
    Date.now = realNow;
    clients.forEach((client, i) => {
      client.config.systemClockOffset = offsets[i] ?? 0;
    });
  }
}
