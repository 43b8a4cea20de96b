// Listing large records within a Lambda-sized heap: the Table API runs in a child Node process whose heap
// is capped below what the records' sort values add up to, against dynalite in this process. ORDERBY on a
// 390 KB field and X-Total-Count over the whole table must both answer without holding the values.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SORT_PREFIX_CHARS } from "../../functions/table-api/listing";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { putAcl, seedRecords } from "./fixture";

const RECORDS = 300;
const FIELD_BYTES = 390 * 1024;
/** Below RECORDS x FIELD_BYTES (117 MB): holding every sort value whole cannot fit. */
const HEAP_MB = 96;

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
  await putAcl(dynamo, { table: "incident", read: ["itil"] });
  // Distinct from the first character on, so the order is checkable; each value 390 KB.
  await seedRecords(
    dynamo,
    "incident",
    Array.from({ length: RECORDS }, (_, i) => ({
      number: `INC${String(i).padStart(7, "0")}`,
      description: `${String(i).padStart(4, "0")}${"x".repeat(FIELD_BYTES - 4)}`,
    })),
  );
}, 240_000);
afterAll(() => dynamo?.stop());

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs one Table API request in a child process with a capped heap; its answer (or its crash) comes back. */
function listInSmallHeap(path: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    const { createDocumentClient } = await import("./functions/shared/dynamo.ts");
    const { createTableApi } = await import("./functions/table-api/create-table-api.ts");
    const { apiEvent, caller } = await import("./test/table-api/api-event.ts");
    const client = new DynamoDBClient({ endpoint: ${JSON.stringify(dynamo.endpoint)}, region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const silent = { debug() {}, info() {}, warn() {}, error(...a) { console.error(JSON.stringify(a).slice(0, 500)); } };
    const { noAttachmentBucket } = await import("./test/kit/s3.ts");
    const handler = createTableApi({ client: createDocumentClient(client), tables: ${JSON.stringify(dynamo.tables)},
      logger: silent, attachments: noAttachmentBucket() });
    const { event } = apiEvent({ method: "GET", path: ${JSON.stringify(path)}, caller: caller("beth.anglin", ["itil"]) });
    const reply = await handler(event);
    process.stdout.write(JSON.stringify({ status: reply.statusCode, total: reply.headers?.["X-Total-Count"],
      result: JSON.parse(reply.body).result, heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }));
    client.destroy();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, "--import", "tsx", "--input-type=module", "-e", script],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe(`listing ${RECORDS} records with a ${FIELD_BYTES / 1024} KB field in a ${HEAP_MB} MB heap`, () => {
  it("sorts by the large field (ORDERBYDESC) on its first characters, and answers the right page", async () => {
    expect(SORT_PREFIX_CHARS * RECORDS).toBeLessThan(HEAP_MB * 2 ** 20);
    const run = await listInSmallHeap(
      "/api/now/table/incident?sysparm_query=ORDERBYDESCdescription&sysparm_fields=number&sysparm_limit=3",
    );
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const answer = JSON.parse(run.stdout) as { status: number; total: string; result: { number: string }[] };
    expect(answer.status).toBe(200);
    expect(answer.total).toBe(String(RECORDS));
    expect(answer.result.map((r) => r.number)).toEqual(["INC0000299", "INC0000298", "INC0000297"]);
  }, 180_000);

  it("counts every record for X-Total-Count while reading only keys, and pages by offset", async () => {
    const run = await listInSmallHeap(
      "/api/now/table/incident?sysparm_fields=number&sysparm_limit=2&sysparm_offset=10",
    );
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const answer = JSON.parse(run.stdout) as { status: number; total: string; result: { number: string }[] };
    expect(answer.status).toBe(200);
    expect(answer.total).toBe(String(RECORDS));
    expect(answer.result).toHaveLength(2);
  }, 180_000);
});
