import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDay, formatTime, localWithOffset, utcText, zoneName } from '../../src/shared/dates';

// 21:22 in Ottawa on the first of December (02:22 UTC on the second).
const at = '2026-12-02T02:22:00Z';

describe('dates as each language writes them', () => {
  it('writes French as the Translation Bureau does: 1er décembre 2026 à 21 h 22', () => {
    expect(formatDateTime(at, 'fr', 'America/Toronto')).toBe('1er décembre 2026 à 21 h 22');
    expect(formatDay(at, 'fr', 'America/Toronto')).toBe('1er décembre 2026');
    expect(formatTime(at, 'fr', 'America/Toronto')).toBe('21 h 22');
    // No leading zero on the hour.
    expect(formatTime('2026-12-02T14:05:00Z', 'fr', 'America/Toronto')).toBe('9 h 05');
    expect(formatDateTime('2026-12-02T05:05:00Z', 'fr', 'America/Toronto')).toBe('2 décembre 2026 à 0 h 05');
    // Only the first of the month is an ordinal.
    expect(formatDay('2026-12-11T15:00:00Z', 'fr', 'America/Toronto')).toBe('11 décembre 2026');
    expect(formatDay('2026-12-21T15:00:00Z', 'fr', 'America/Toronto')).toBe('21 décembre 2026');
  });

  it('writes Canadian English with the day spelt out and a.m./p.m.', () => {
    expect(formatDateTime(at, 'en', 'America/Toronto')).toBe('December 1, 2026 at 9:22 p.m.');
    expect(formatDay(at, 'en', 'America/Vancouver')).toBe('December 1, 2026');
    expect(formatTime(at, 'en', 'America/Vancouver')).toBe('6:22 p.m.');
  });

  it('names time zones in words in each language', () => {
    expect(zoneName('en', 'America/Toronto')).toBe('Eastern Time');
    expect(zoneName('fr', 'America/Toronto')).toBe('heure de l’Est');
    expect(zoneName('fr', 'America/Halifax')).toBe('heure de l’Atlantique');
    expect(zoneName('en', 'UTC')).toBe('Coordinated Universal Time');
    expect(zoneName('fr', 'Etc/UTC')).toBe('temps universel coordonné');
  });

  it('writes moments for spreadsheets: local time with its offset, and UTC', () => {
    expect(localWithOffset(at, 'America/Toronto')).toBe('2026-12-01 21:22:00 -05:00');
    expect(localWithOffset('2026-07-01T16:00:00Z', 'America/Toronto')).toBe('2026-07-01 12:00:00 -04:00');
    expect(localWithOffset(at, 'America/St_Johns')).toBe('2026-12-01 22:52:00 -03:30');
    expect(localWithOffset(at, 'UTC')).toBe('2026-12-02 02:22:00 +00:00');
    expect(utcText(at)).toBe('2026-12-02 02:22:00 UTC');
  });
});
