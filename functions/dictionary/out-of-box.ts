// The tables a default ServiceNow ITSM instance has, with their columns as its dictionary defines them:
// types, defaults, out-of-box choice labels, references and the table hierarchy (incident extends task,
// cmdb_ci_server extends cmdb_ci_computer extends cmdb_ci_hardware extends cmdb_ci).
import type { OutOfBoxTableName } from "./table-names";
import { choice, dateTime, flag, integer, journal, ref, text, type Column, type TableDefinition } from "./columns";

// Choice lists shared by several tables, with ServiceNow's out-of-box values and labels.
const IMPACT: readonly (readonly [string, string])[] = [
  ["1", "1 - High"],
  ["2", "2 - Medium"],
  ["3", "3 - Low"],
];
const PRIORITY: readonly (readonly [string, string])[] = [
  ["1", "1 - Critical"],
  ["2", "2 - High"],
  ["3", "3 - Moderate"],
  ["4", "4 - Low"],
  ["5", "5 - Planning"],
];
const APPROVAL: readonly (readonly [string, string])[] = [
  ["not requested", "Not Yet Requested"],
  ["requested", "Requested"],
  ["approved", "Approved"],
  ["rejected", "Rejected"],
];
const CONTACT_TYPE: readonly (readonly [string, string])[] = [
  ["email", "Email"],
  ["phone", "Phone"],
  ["self-service", "Self-service"],
  ["virtual_agent", "Virtual Agent"],
  ["walk-in", "Walk-in"],
];
const CHANGE_CLOSE_CODE: readonly (readonly [string, string])[] = [
  ["successful", "Successful"],
  ["successful_issues", "Successful with issues"],
  ["unsuccessful", "Unsuccessful"],
];

const state = (pairs: readonly (readonly [string, string])[], fallback: string): Column =>
  choice("State", pairs, { type: "integer", default: fallback });

const TASK: TableDefinition = {
  label: "Task",
  display: "number",
  columns: {
    number: text("Number"),
    short_description: text("Short description"),
    description: text("Description"),
    state: state(
      [
        ["-5", "Pending"],
        ["1", "Open"],
        ["2", "Work in Progress"],
        ["3", "Closed Complete"],
        ["4", "Closed Incomplete"],
        ["7", "Closed Skipped"],
      ],
      "1",
    ),
    active: flag("Active", true),
    priority: choice("Priority", PRIORITY, { type: "integer", default: "4" }),
    impact: choice("Impact", IMPACT, { type: "integer", default: "3" }),
    urgency: choice("Urgency", IMPACT, { type: "integer", default: "3" }),
    approval: choice("Approval", APPROVAL, { default: "not requested" }),
    assigned_to: ref("Assigned to", "sys_user"),
    assignment_group: ref("Assignment group", "sys_user_group"),
    opened_by: ref("Opened by", "sys_user"),
    opened_at: dateTime("Opened"),
    closed_by: ref("Closed by", "sys_user"),
    closed_at: dateTime("Closed"),
    close_notes: text("Close notes"),
    cmdb_ci: ref("Configuration item", "cmdb_ci"),
    parent: ref("Parent", "task"),
    company: text("Company"),
    location: text("Location"),
    contact_type: choice("Contact type", CONTACT_TYPE),
    due_date: dateTime("Due date"),
    expected_start: dateTime("Expected start"),
    work_start: dateTime("Actual start"),
    work_end: dateTime("Actual end"),
    follow_up: dateTime("Follow up"),
    escalation: choice(
      "Escalation",
      [
        ["0", "Normal"],
        ["1", "Moderate"],
        ["2", "High"],
        ["3", "Overdue"],
      ],
      { type: "integer", default: "0" },
    ),
    reassignment_count: integer("Reassignment count", { default: "0" }),
    order: integer("Order"),
    knowledge: flag("Knowledge", false),
    made_sla: flag("Made SLA", true),
    upon_approval: choice(
      "Upon approval",
      [
        ["proceed", "Proceed to Next Task"],
        ["do_nothing", "Wait for a User to Close this task"],
      ],
      { default: "proceed" },
    ),
    upon_reject: choice(
      "Upon reject",
      [
        ["cancel", "Cancel all future Tasks"],
        ["goto", "Go to a previous Task"],
      ],
      { default: "cancel" },
    ),
    watch_list: text("Watch list"),
    work_notes_list: text("Work notes list"),
    additional_assignee_list: text("Additional assignee list"),
    correlation_id: text("Correlation ID"),
    correlation_display: text("Correlation display"),
    business_service: ref("Service", "cmdb_ci"),
    sla_due: dateTime("SLA due"),
    activity_due: dateTime("Activity due"),
    time_worked: text("Time worked"),
    business_duration: text("Business duration"),
    calendar_duration: text("Duration"),
    user_input: text("User input"),
    comments: journal("Additional comments"),
    work_notes: journal("Work notes"),
  },
};

const INCIDENT_STATE: readonly (readonly [string, string])[] = [
  ["1", "New"],
  ["2", "In Progress"],
  ["3", "On Hold"],
  ["6", "Resolved"],
  ["7", "Closed"],
  ["8", "Canceled"],
];

const INCIDENT: TableDefinition = {
  label: "Incident",
  extends: "task",
  number: { prefix: "INC", start: 10001 },
  columns: {
    state: state(INCIDENT_STATE, "1"),
    incident_state: choice("Incident state", INCIDENT_STATE, { type: "integer", default: "1" }),
    priority: choice("Priority", PRIORITY, { type: "integer", default: "5" }),
    caller_id: ref("Caller", "sys_user"),
    category: choice(
      "Category",
      [
        ["inquiry", "Inquiry / Help"],
        ["software", "Software"],
        ["hardware", "Hardware"],
        ["network", "Network"],
        ["database", "Database"],
      ],
      { default: "inquiry" },
    ),
    subcategory: text("Subcategory"),
    severity: choice("Severity", IMPACT, { type: "integer", default: "3" }),
    hold_reason: choice(
      "On hold reason",
      [
        ["1", "Awaiting Caller"],
        ["3", "Awaiting Problem"],
        ["4", "Awaiting Vendor"],
        ["5", "Awaiting Change"],
      ],
      { type: "integer" },
    ),
    close_code: choice("Resolution code", [
      ["Duplicate", "Duplicate"],
      ["Known error", "Known error"],
      ["No resolution provided", "No resolution provided"],
      ["Resolved by caller", "Resolved by caller"],
      ["Resolved by change", "Resolved by change"],
      ["Resolved by problem", "Resolved by problem"],
      ["Resolved by request", "Resolved by request"],
      ["Solution provided", "Solution provided"],
      ["Workaround provided", "Workaround provided"],
      ["User error", "User error"],
    ]),
    resolved_at: dateTime("Resolved"),
    resolved_by: ref("Resolved by", "sys_user"),
    problem_id: ref("Problem", "problem"),
    rfc: ref("Change Request", "change_request"),
    caused_by: ref("Caused by Change", "change_request"),
    parent_incident: ref("Parent Incident", "incident"),
    child_incidents: integer("Child Incidents", { default: "0" }),
    reopen_count: integer("Reopen count", { default: "0" }),
    reopened_by: ref("Last reopened by", "sys_user"),
    reopened_time: dateTime("Last reopened at"),
    notify: choice(
      "Notify",
      [
        ["1", "Do Not Notify"],
        ["2", "Send Email"],
      ],
      { type: "integer", default: "1" },
    ),
    business_stc: integer("Business resolve time"),
    calendar_stc: integer("Resolve time"),
    origin_id: text("Origin"),
    origin_table: text("Origin table"),
  },
};

const PROBLEM_STATE: readonly (readonly [string, string])[] = [
  ["101", "New"],
  ["102", "Assess"],
  ["103", "Root Cause Analysis"],
  ["104", "Fix in Progress"],
  ["106", "Resolved"],
  ["107", "Closed"],
];

const PROBLEM: TableDefinition = {
  label: "Problem",
  extends: "task",
  number: { prefix: "PRB", start: 40001 },
  columns: {
    state: state(PROBLEM_STATE, "101"),
    problem_state: choice("Problem state", PROBLEM_STATE, { type: "integer", default: "101" }),
    priority: choice("Priority", PRIORITY, { type: "integer", default: "5" }),
    category: choice(
      "Category",
      [
        ["software", "Software"],
        ["hardware", "Hardware"],
        ["network", "Network"],
        ["database", "Database"],
      ],
      { default: "software" },
    ),
    subcategory: text("Subcategory"),
    known_error: flag("Known error", false),
    major_problem: flag("Major problem", false),
    cause_notes: text("Cause notes"),
    fix_notes: text("Fix notes"),
    workaround: text("Workaround"),
    resolution_code: choice("Resolution code", [
      ["fix_applied", "Fix Applied"],
      ["risk_accepted", "Risk Accepted"],
      ["duplicate", "Duplicate"],
      ["canceled", "Canceled"],
    ]),
    duplicate_of: ref("Duplicate of", "problem"),
    first_reported_by_task: ref("First reported by", "task"),
    related_incidents: integer("Related Incidents", { default: "0" }),
    rfc: ref("Change request", "change_request"),
    resolved_at: dateTime("Resolved"),
    resolved_by: ref("Resolved by", "sys_user"),
    fix_at: dateTime("Fix at"),
    fix_by: ref("Fix by", "sys_user"),
    confirmed_at: dateTime("Confirmed at"),
    confirmed_by: ref("Confirmed by", "sys_user"),
    reopen_count: integer("Reopen count", { default: "0" }),
  },
};

const PROBLEM_TASK: TableDefinition = {
  label: "Problem Task",
  extends: "task",
  number: { prefix: "PTASK", start: 10001 },
  columns: {
    state: state(
      [
        ["151", "New"],
        ["152", "Assess"],
        ["154", "Work in Progress"],
        ["157", "Closed"],
      ],
      "151",
    ),
    problem: ref("Problem", "problem"),
    // The collection's problem_task module writes `type`; ServiceNow names the column problem_task_type.
    type: choice(
      "Type",
      [
        ["rca", "Root Cause Analysis"],
        ["general", "General"],
      ],
      { default: "general" },
    ),
    problem_task_type: choice(
      "Problem task type",
      [
        ["rca", "Root Cause Analysis"],
        ["general", "General"],
      ],
      { default: "general" },
    ),
    cause_code: text("Cause code"),
    close_code: choice("Close code", [
      ["completed", "Completed"],
      ["canceled", "Canceled"],
    ]),
    cause_notes: text("Cause notes"),
    fix_notes: text("Fix notes"),
    other_reason: text("Other reason"),
    started_at: dateTime("Started at"),
    started_by: ref("Started by", "sys_user"),
    reopen_count: integer("Reopen count", { default: "0" }),
  },
};

const ON_HOLD = { on_hold: flag("On hold", false), on_hold_reason: text("On hold reason") };

const CHANGE_REQUEST: TableDefinition = {
  label: "Change Request",
  extends: "task",
  number: { prefix: "CHG", start: 30001 },
  columns: {
    state: state(
      [
        ["-5", "New"],
        ["-4", "Assess"],
        ["-3", "Authorize"],
        ["-2", "Scheduled"],
        ["-1", "Implement"],
        ["0", "Review"],
        ["3", "Closed"],
        ["4", "Canceled"],
      ],
      "-5",
    ),
    type: choice(
      "Type",
      [
        ["standard", "Standard"],
        ["normal", "Normal"],
        ["emergency", "Emergency"],
      ],
      { default: "normal" },
    ),
    risk: choice(
      "Risk",
      [
        ["1", "Very High"],
        ["2", "High"],
        ["3", "Moderate"],
        ["4", "Low"],
      ],
      { type: "integer", default: "3" },
    ),
    category: choice(
      "Category",
      [
        ["Hardware", "Hardware"],
        ["Software", "Software"],
        ["Service", "Service"],
        ["System Software", "System Software"],
        ["Applications Software", "Applications Software"],
        ["Network", "Network"],
        ["Telecom", "Telecom"],
        ["Documentation", "Documentation"],
        ["Other", "Other"],
      ],
      { default: "Other" },
    ),
    requested_by: ref("Requested by", "sys_user"),
    requested_by_date: dateTime("Requested by date"),
    start_date: dateTime("Planned start date"),
    end_date: dateTime("Planned end date"),
    implementation_plan: text("Implementation plan"),
    backout_plan: text("Backout plan"),
    test_plan: text("Test plan"),
    justification: text("Justification"),
    reason: text("Reason"),
    risk_impact_analysis: text("Risk and impact analysis"),
    change_plan: text("Change plan"),
    close_code: choice("Close code", CHANGE_CLOSE_CODE),
    cab_required: flag("CAB required", false),
    cab_date: dateTime("CAB date"),
    conflict_status: choice(
      "Conflict status",
      [
        ["Not Run", "Not Run"],
        ["Conflict", "Conflict"],
        ["No Conflict", "No Conflict"],
      ],
      { default: "Not Run" },
    ),
    conflict_last_run: dateTime("Conflict last run"),
    production_system: flag("Production system", false),
    outside_maintenance_schedule: flag("Outside maintenance schedule", false),
    unauthorized: flag("Unauthorized", false),
    review_comments: text("Review comments"),
    review_date: dateTime("Review date"),
    scope: choice(
      "Scope",
      [
        ["1", "Massive"],
        ["2", "Large"],
        ["3", "Medium"],
        ["4", "Small"],
        ["5", "Tiny"],
      ],
      { type: "integer", default: "3" },
    ),
    chg_model: text("Model"),
    std_change_producer_version: text("Standard change template version"),
    template: text("Template"),
    ...ON_HOLD,
  },
};

const CHANGE_TASK: TableDefinition = {
  label: "Change Task",
  extends: "task",
  number: { prefix: "CTASK", start: 10001 },
  columns: {
    state: state(
      [
        ["-5", "Pending"],
        ["1", "Open"],
        ["2", "In Progress"],
        ["3", "Closed"],
        ["4", "Canceled"],
      ],
      "1",
    ),
    change_request: ref("Change request", "change_request"),
    change_task_type: choice(
      "Change task type",
      [
        ["planning", "Planning"],
        ["implementation", "Implementation"],
        ["testing", "Testing"],
        ["review", "Review"],
      ],
      { default: "implementation" },
    ),
    planned_start_date: dateTime("Planned start date"),
    planned_end_date: dateTime("Planned end date"),
    close_code: choice("Close code", CHANGE_CLOSE_CODE),
    created_from: text("Created from"),
    ...ON_HOLD,
  },
};

const SC_REQUEST: TableDefinition = {
  label: "Request",
  extends: "task",
  number: { prefix: "REQ", start: 10001 },
  columns: {
    requested_for: ref("Requested for", "sys_user"),
    request_state: choice(
      "Request state",
      [
        ["requested", "Pending Approval"],
        ["in_process", "Approved"],
        ["closed_complete", "Closed Complete"],
        ["closed_incomplete", "Closed Incomplete"],
        ["closed_cancelled", "Closed Cancelled"],
        ["closed_rejected", "Closed Rejected"],
        ["closed_skipped", "Closed Skipped"],
      ],
      { default: "requested" },
    ),
    stage: text("Stage", { default: "requested" }),
    requested_date: dateTime("Due date"),
    price: text("Price", { default: "0" }),
    special_instructions: text("Special instructions"),
    delivery_address: text("Delivery address"),
    calendar_stc: integer("Resolve time"),
  },
};

const SC_REQ_ITEM: TableDefinition = {
  label: "Requested Item",
  extends: "task",
  number: { prefix: "RITM", start: 10001 },
  columns: {
    request: ref("Request", "sc_request"),
    // sc_cat_item is not in this dictionary: a reference to it shows its sys_id.
    cat_item: ref("Item", "sc_cat_item"),
    requested_for: ref("Requested for", "sys_user"),
    quantity: integer("Quantity", { default: "1" }),
    price: text("Price", { default: "0" }),
    recurring_price: text("Recurring price", { default: "0" }),
    stage: text("Stage", { default: "waiting_for_approval" }),
    backordered: flag("Backordered", false),
    configuration_item: ref("Configuration item", "cmdb_ci"),
    estimated_delivery: dateTime("Estimated delivery"),
    order_guide: text("Order guide"),
  },
};

const SC_TASK: TableDefinition = {
  label: "Catalog Task",
  extends: "task",
  number: { prefix: "SCTASK", start: 10001 },
  columns: {
    request_item: ref("Request item", "sc_req_item"),
    request: ref("Request", "sc_request"),
    calendar_stc: integer("Resolve time"),
  },
};

const CMDB_CI: TableDefinition = {
  label: "Configuration Item",
  display: "name",
  columns: {
    name: text("Name"),
    short_description: text("Description"),
    asset_tag: text("Asset tag"),
    serial_number: text("Serial number"),
    model_number: text("Model number"),
    model_id: text("Model ID"),
    manufacturer: text("Manufacturer"),
    vendor: text("Vendor"),
    category: text("Category"),
    subcategory: text("Subcategory"),
    install_status: choice(
      "Status",
      [
        ["0", "Implementing"],
        ["1", "Installed"],
        ["2", "On Order"],
        ["3", "In Maintenance"],
        ["4", "Pending Install"],
        ["5", "Pending Repair"],
        ["6", "In Stock"],
        ["7", "Retired"],
        ["8", "Stolen"],
        ["100", "Absent"],
      ],
      { type: "integer", default: "1" },
    ),
    operational_status: choice(
      "Operational status",
      [
        ["1", "Operational"],
        ["2", "Non-Operational"],
        ["3", "Repair in Progress"],
        ["4", "DR Standby"],
        ["5", "Ready"],
        ["6", "Retired"],
        ["7", "Pipeline"],
        ["8", "Catalog"],
      ],
      { type: "integer", default: "1" },
    ),
    environment: choice("Environment", [
      ["Development", "Development"],
      ["Production", "Production"],
      ["Test", "Test"],
    ]),
    ip_address: text("IP Address"),
    mac_address: text("MAC Address"),
    fqdn: text("Fully qualified domain name"),
    dns_domain: text("DNS Domain"),
    assigned_to: ref("Assigned to", "sys_user"),
    managed_by: ref("Managed by", "sys_user"),
    owned_by: ref("Owned by", "sys_user"),
    support_group: ref("Support group", "sys_user_group"),
    assignment_group: ref("Change Group", "sys_user_group"),
    location: text("Location"),
    company: text("Company"),
    department: text("Department"),
    cost: text("Cost"),
    cost_center: text("Cost center"),
    install_date: dateTime("Installed"),
    purchase_date: text("Purchased"),
    warranty_expiration: text("Warranty expiration"),
    discovery_source: text("Discovery source"),
    first_discovered: dateTime("First discovered"),
    last_discovered: dateTime("Most recent discovery"),
    attributes: text("Attributes"),
    comments: text("Comments"),
    correlation_id: text("Correlation ID"),
    duplicate_of: ref("Duplicate of", "cmdb_ci"),
    monitor: flag("Monitor", false),
    unverified: flag("Requires verification", false),
    can_print: flag("Can Print", false),
    asset: text("Asset"),
  },
};

const CMDB_CI_HARDWARE: TableDefinition = {
  label: "Hardware",
  extends: "cmdb_ci",
  columns: {
    hardware_status: choice(
      "Hardware Status",
      [
        ["installed", "Installed"],
        ["in_use", "In Use"],
        ["on_order", "On Order"],
        ["in_stock", "In Stock"],
        ["retired", "Retired"],
      ],
      { default: "installed" },
    ),
    hardware_substatus: text("Hardware Substatus"),
    default_gateway: text("Default Gateway"),
    form_factor: text("Form factor"),
  },
};

const CMDB_CI_COMPUTER: TableDefinition = {
  label: "Computer",
  extends: "cmdb_ci_hardware",
  columns: {
    os: text("Operating System"),
    os_version: text("OS Version"),
    os_service_pack: text("OS Service Pack"),
    os_address_width: integer("OS Address Width (bits)"),
    host_name: text("Host name"),
    cpu_type: text("CPU type"),
    cpu_name: text("CPU name"),
    cpu_manufacturer: text("CPU manufacturer"),
    cpu_speed: integer("CPU speed (MHz)"),
    cpu_count: integer("CPU count"),
    cpu_core_count: integer("CPU core count"),
    cpu_core_thread: integer("CPU core thread"),
    ram: integer("RAM (MB)"),
    disk_space: text("Disk space (GB)"),
    virtual: flag("Is Virtual", false),
    chassis_type: text("Chassis type"),
  },
};

const CMDB_CI_SERVER: TableDefinition = {
  label: "Server",
  extends: "cmdb_ci_computer",
  columns: {
    classification: choice(
      "Classification",
      [
        ["Production", "Production"],
        ["Development", "Development"],
        ["Development Test", "Development Test"],
        ["Disaster recovery", "Disaster recovery"],
        ["Lab", "Lab"],
        ["QA", "QA"],
        ["UAT", "UAT"],
      ],
      { default: "Production" },
    ),
    used_for: choice(
      "Used for",
      [
        ["Production", "Production"],
        ["Staging", "Staging"],
        ["QA", "QA"],
        ["Test", "Test"],
        ["Development", "Development"],
        ["Demonstration", "Demonstration"],
        ["Training", "Training"],
        ["Disaster recovery", "Disaster recovery"],
      ],
      { default: "Production" },
    ),
    firewall_status: choice(
      "Firewall status",
      [
        ["Intranet", "Intranet"],
        ["Internet", "Internet"],
        ["DMZ", "DMZ"],
      ],
      { default: "Intranet" },
    ),
  },
};

const USER_COLUMNS: Readonly<Record<string, Column>> = {
  user_name: text("User ID", { mandatory: true }),
  name: text("Name", { readOnly: true }),
  first_name: text("First name"),
  middle_name: text("Middle name"),
  last_name: text("Last name"),
  email: text("Email"),
  title: text("Title"),
  department: text("Department"),
  company: text("Company"),
  location: text("Location"),
  phone: text("Business phone"),
  mobile_phone: text("Mobile phone"),
  employee_number: text("Employee number"),
  manager: ref("Manager", "sys_user"),
  time_zone: text("Time zone"),
  preferred_language: text("Language"),
  active: flag("Active", true),
  locked_out: flag("Locked out", false),
  // A service account: signs in only with a service's access token (see accessToken.caller), never a person's.
  web_service_access_only: flag("Web service access only", false),
  roles: text("Roles"),
  source: text("Source", { readOnly: true }),
  last_login_time: dateTime("Last login time", { readOnly: true }),
};

/** Every out-of-box table by name. */
export const OUT_OF_BOX_TABLES: Readonly<Record<OutOfBoxTableName, TableDefinition>> = {
  task: TASK,
  incident: INCIDENT,
  problem: PROBLEM,
  problem_task: PROBLEM_TASK,
  change_request: CHANGE_REQUEST,
  change_task: CHANGE_TASK,
  sc_request: SC_REQUEST,
  sc_req_item: SC_REQ_ITEM,
  sc_task: SC_TASK,
  cmdb_ci: CMDB_CI,
  cmdb_ci_hardware: CMDB_CI_HARDWARE,
  cmdb_ci_computer: CMDB_CI_COMPUTER,
  cmdb_ci_server: CMDB_CI_SERVER,
  cmdb_ci_linux_server: { label: "Linux Server", extends: "cmdb_ci_server", columns: {} },
  cmdb_ci_win_server: { label: "Windows Server", extends: "cmdb_ci_server", columns: {} },
  sys_user: { label: "User", display: "name", columns: USER_COLUMNS },
  sys_user_group: {
    label: "Group",
    display: "name",
    columns: {
      name: text("Name", { mandatory: true }),
      description: text("Description"),
      manager: ref("Manager", "sys_user"),
      email: text("Group email"),
      parent: ref("Parent", "sys_user_group"),
      type: text("Type"),
      roles: text("Roles"),
      active: flag("Active", true),
      include_members: flag("Include members", false),
      exclude_manager: flag("Exclude manager", false),
      cost_center: text("Cost center"),
      default_assignee: ref("Default assignee", "sys_user"),
    },
  },
  sys_user_grmember: {
    label: "Group Member",
    columns: {
      user: ref("User", "sys_user", { mandatory: true }),
      group: ref("Group", "sys_user_group", { mandatory: true }),
    },
  },
  sys_choice: {
    label: "Choice",
    display: "label",
    columns: {
      name: text("Table"),
      element: text("Element"),
      value: text("Value"),
      label: text("Label"),
      sequence: integer("Sequence"),
      inactive: flag("Inactive", false),
      language: text("Language", { default: "en" }),
      dependent_value: text("Dependent value"),
      hint: text("Hint"),
    },
  },
  sys_journal_field: {
    label: "Journal Entry",
    columns: {
      element: text("Element"),
      element_id: text("Element ID"),
      name: text("Table name"),
      value: text("Value"),
    },
  },
  sys_attachment: {
    label: "Attachment",
    display: "file_name",
    columns: {
      file_name: text("File name"),
      content_type: text("Content type"),
      size_bytes: text("Size bytes"),
      size_compressed: text("Compressed size"),
      compressed: flag("Compressed", false),
      table_name: text("Table name"),
      table_sys_id: text("Table sys ID"),
      hash: text("Hash"),
      state: text("State"),
      image_width: text("Image width"),
      image_height: text("Image height"),
      average_image_color: text("Average image color"),
      download_link: text("Download link", { readOnly: true }),
    },
  },
};
