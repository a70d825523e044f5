// The one CSV writer of Tandem's exports (the published records from main, the audit files from the window).

/**
 * RFC 4180 CSV with a BOM so spreadsheet programs read accents right. A cell that a spreadsheet
 * would run as a formula (= + - @ tab CR at the start) is prefixed with an apostrophe.
 */
export function csv(rows: readonly (readonly unknown[])[]): string {
  const cell = (value: unknown) => {
    let text = value === null || value === undefined ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return '\uFEFF' + rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
