// x_oidc/incident_ops: add a comment or work note to an incident by its number (or sys_id), the way an
// integration posts an update without reading and rewriting the whole journal field itself.
import * as z from "zod/mini";
import type { Clock } from "../../shared/clock";
import { describeIssues } from "../../config/schema";
import { glideDateTime } from "../../shared/glide-time";
import type { FieldValues } from "../../records/store";
import type { RecordsStore } from "../../records/store";
import { SYS_ID_PATTERN } from "../../shared/sys-id";
import { UNREADABLE_REQUEST } from "../../http/api-errors";
import { storeErrorToApiError } from "../../http/store-errors";
import { BadRequestError, defineApi, NotFoundError } from "../framework";

interface IncidentOpsServices {
  readonly records: Pick<RecordsStore, "get" | "findFirst" | "update">;
  readonly clock: Clock;
}

const INCIDENT = "incident";

/** ServiceNow's journal labels, as its activity stream shows them. */
const JOURNALS = { comments: "Additional comments", work_notes: "Work notes" } as const;
type Journal = keyof typeof JOURNALS;

// 4000 characters: ServiceNow's default maximum for a journal entry.
const entryText = z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(4000));
const commentSchema = z.strictObject({ comments: z.optional(entryText), work_notes: z.optional(entryText) }).check(
  z.refine((body) => body.comments !== undefined || body.work_notes !== undefined, {
    message: "give comments, work_notes or both",
  }),
);

/** A journal entry, newest first as ServiceNow shows them: `<time> - <user> (<label>)\n<text>\n\n`. */
const journalEntry = (journal: Journal, text: string, userName: string, nowMs: number): string =>
  `${glideDateTime(nowMs)} - ${userName} (${JOURNALS[journal]})\n${text}\n\n`;

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
      description:
        'Appends {"comments": "..."} and/or {"work_notes": "..."} to the journal of the incident with this ' +
        "number (INC0010001) or sys_id; concurrent appends never overwrite each other",
      async handle(request, { records, clock }) {
        const parsed = commentSchema.safeParse(request.body ?? {});
        if (!parsed.success) throw new BadRequestError(UNREADABLE_REQUEST, describeIssues(parsed.error));
        const sysId = await findIncident(records, request.pathParams["id"] ?? "");
        const appendEntries = (current: FieldValues): FieldValues => {
          const changes: Record<string, string> = {};
          for (const journal of Object.keys(JOURNALS) as Journal[]) {
            const text = parsed.data[journal];
            if (text === undefined) continue;
            changes[journal] =
              journalEntry(journal, text, request.user.user_name, clock.nowMs()) + (current[journal] ?? "");
          }
          return changes;
        };
        try {
          const updated = await records.update(INCIDENT, sysId, appendEntries, request.user.user_name);
          return Object.fromEntries(SHOWN.map((field) => [field, updated[field] ?? ""]));
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
