// Lambda for the x_oidc/incident_ops scripted API (/api/x_oidc/incident_ops/..., /api/x_oidc/v1/incident_ops/...).
import { createConfigReader, TableAccess } from "../../config/table-access";
import { OUT_OF_BOX } from "../../dictionary/dictionary";
import { dictionaryJournalColumns, Journal } from "../../journal/journal";
import { RecordsStore } from "../../records/store";
import { systemClock } from "../../shared/clock";
import { createDocumentClient } from "../../shared/dynamo";
import { tableNames } from "../../shared/env";
import { withLambdaContext } from "../../shared/lambda-context";
import { logger } from "../../shared/logger";
import { serveApi } from "../framework";
import { incidentOpsApi } from "./api";

const tables = tableNames(["config", "records"]);
const client = createDocumentClient();
const records = new RecordsStore(client, tables.records, systemClock);

export const handler = withLambdaContext(
  serveApi(
    incidentOpsApi,
    { records, journal: new Journal(records, dictionaryJournalColumns(OUT_OF_BOX)) },
    { logger, access: new TableAccess(createConfigReader({ client, configTable: tables.config, logger })) },
  ),
);
