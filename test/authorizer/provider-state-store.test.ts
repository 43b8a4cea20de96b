// The provider-state table's store (provider-state.ts) when it cannot do its job: a table that cannot be
// read or written, and a document too large to keep, are StoreErrors (the provider then reads its
// documents itself), never an empty answer or a silent success (dynalite).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoProviderStateStore } from "../../functions/authorizer/provider-state";
import { StoreError } from "../../functions/shared/errors";
import { startDynamo, type TestDynamo } from "../kit/dynamo";

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo?.stop());

const document = (json: string) => ({ url: "https://idp.example/keys", json, fetchedAtMs: 1 });

describe("the provider-state store", () => {
  it("keeps a document and reads it back", async () => {
    const store = new DynamoProviderStateStore(dynamo.doc, dynamo.tables.providerState);
    await store.save("corp", "keys", document('{"keys":[]}'));
    await expect(store.load("corp")).resolves.toMatchObject({ provider: "corp", keys: { json: '{"keys":[]}' } });
  });

  it("fails a read and a write of a table that is not there with a StoreError", async () => {
    const store = new DynamoProviderStateStore(dynamo.doc, "no-such-table");
    await expect(store.load("corp")).rejects.toBeInstanceOf(StoreError);
    await expect(store.save("corp", "keys", document("{}"))).rejects.toBeInstanceOf(StoreError);
  });

  it("refuses to keep a document over 350 KiB, and keeps the copy it had", async () => {
    const store = new DynamoProviderStateStore(dynamo.doc, dynamo.tables.providerState);
    await store.save("big", "keys", document('{"keys":[]}'));
    const huge = `{"keys":[],"pad":"${"a".repeat(350 * 1024)}"}`;
    await expect(store.save("big", "keys", document(huge))).rejects.toThrow(/too large to keep/);
    await expect(store.load("big")).resolves.toMatchObject({ keys: { json: '{"keys":[]}' } });
  });
});
