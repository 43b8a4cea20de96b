// ServiceNow's date-time format for system fields: `YYYY-MM-DD HH:MM:SS`, in UTC.

export const glideDateTime = (epochMs: number): string =>
  new Date(epochMs).toISOString().slice(0, 19).replace("T", " ");
