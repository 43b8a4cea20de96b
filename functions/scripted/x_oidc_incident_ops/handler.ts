// Lambda for the x_oidc/incident_ops scripted API (/api/x_oidc/incident_ops/..., /api/x_oidc/v1/incident_ops/...).
import { createConfigReader, TableAccess } from "../../config/table-access";
import { Journal, taskJournalColumns } from "../../journal/journal";
import { RecordsStore } from "../../records/store";
import { systemClock } from "../../shared/clock";
import { createDocumentClient } from "../../shared/dynamo";
import { tableNames } from "../../shared/env";
import { logger } from "../../shared/logger";
import { serveApi } from "../framework";
import { incidentOpsApi } from "./api";

const tables = tableNames(["config", "records"]);
const client = createDocumentClient();
const records = new RecordsStore(client, tables.records, systemClock);

export const handler = serveApi(
  incidentOpsApi,
  { records, journal: new Journal(records, taskJournalColumns) },
  { logger, access: new TableAccess(createConfigReader({ client, configTable: tables.config, logger })) },
);
