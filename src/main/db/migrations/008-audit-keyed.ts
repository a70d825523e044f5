// Keyed audit chain and its verified checkpoint (filled in by the audit change).
export const migration008 = {
  version: 8,
  name: 'audit-keyed',
  sql: `
`,
};
