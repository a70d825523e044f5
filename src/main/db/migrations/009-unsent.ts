// Unsent composer text, per person (filled in by the unsent-text change).
export const migration009 = {
  version: 9,
  name: 'unsent',
  sql: `
`,
};
