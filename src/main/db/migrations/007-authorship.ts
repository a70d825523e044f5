// Who wrote or last edited each language of a pair (filled in by the authorship change).
export const migration007 = {
  version: 7,
  name: 'authorship',
  sql: `
`,
};
