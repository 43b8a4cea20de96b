// x_oidc/incident_ops: add a comment or work note to an incident by its number (or sys_id), the way an
// integration posts an update without reading and rewriting the whole journal field itself.
import * as z from "zod/mini";
import { describeIssues } from "../../config/items";
import { type Journal, MAX_ENTRY_CHARACTERS } from "../../journal/journal";
import type { RecordsStore } from "../../records/store";
import { SYS_ID_PATTERN } from "../../shared/sys-id";
import { UNREADABLE_REQUEST } from "../../http/api-errors";
import { storeErrorToApiError } from "../../http/store-errors";
import { BadRequestError, defineApi, NotFoundError } from "../framework";

interface IncidentOpsServices {
  readonly records: Pick<RecordsStore, "get" | "findFirst" | "touch">;
  /** The same journal code as the Table API's: one sys_journal_field row per entry. */
  readonly journal: Pick<Journal, "append" | "render">;
}

const INCIDENT = "incident";

const entryText = z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(MAX_ENTRY_CHARACTERS));
const commentSchema = z.strictObject({ comments: z.optional(entryText), work_notes: z.optional(entryText) }).check(
  z.refine((body) => body.comments !== undefined || body.work_notes !== undefined, {
    message: "give comments, work_notes or both",
  }),
);

/** The fields the answer shows: enough to confirm the change, not the whole incident. */
const SHOWN = ["sys_id", "number", "comments", "work_notes", "sys_updated_on", "sys_updated_by", "sys_mod_count"];

/** The sys_id of the incident with this sys_id or number; 404 when there is none. */
async function findIncident(records: IncidentOpsServices["records"], id: string): Promise<string> {
  const incident = SYS_ID_PATTERN.test(id)
    ? await records.get(INCIDENT, id)
    : await records.findFirst(INCIDENT, "number", id);
  const sysId = incident?.["sys_id"];
  if (sysId === undefined) throw new NotFoundError("No Record found", `No incident with number or sys_id ${id}`);
  return sysId;
}

export const incidentOpsApi = defineApi<IncidentOpsServices>({
  namespace: "x_oidc",
  id: "incident_ops",
  version: "v1",
  description: "Operations on incidents for integrations",
  resources: [
    {
      method: "POST",
      path: "/incident/{id}/comment",
      roles: ["itil"],
      // The journal is part of the incident: appending to it is a write, under the incident table's ACL.
      tables: [{ table: INCIDENT, operation: "write" }],
      description:
        'Appends {"comments": "..."} and/or {"work_notes": "..."} to the journal of the incident with this ' +
        "number (INC0010001) or sys_id; concurrent appends never overwrite each other",
      async handle(request, { records, journal }) {
        const parsed = commentSchema.safeParse(request.body ?? {});
        if (!parsed.success) throw new BadRequestError(UNREADABLE_REQUEST, describeIssues(parsed.error));
        const sysId = await findIncident(records, request.pathParams["id"] ?? "");
        const entries = (["comments", "work_notes"] as const).flatMap((column) => {
          const text = parsed.data[column];
          return text === undefined ? [] : [{ column, text }];
        });
        try {
          // Marks the incident changed atomically (no read-modify-write), then adds the rows: concurrent
          // comments never conflict.
          await records.touch(INCIDENT, sysId, request.user.user_name);
          await journal.append(INCIDENT, sysId, entries, request.user.user_name);
          const updated = await records.get(INCIDENT, sysId);
          if (!updated) throw new NotFoundError("No Record found", "The incident was deleted");
          const shown = await journal.render(INCIDENT, updated);
          return Object.fromEntries(SHOWN.map((field) => [field, shown[field] ?? ""]));
        } catch (error) {
          throw storeErrorToApiError(error, {
            notFound: "The incident was deleted",
            conflict: "The incident kept changing; try again",
            tooLarge: "The incident's journal is full",
          });
        }
      },
    },
  ],
});
