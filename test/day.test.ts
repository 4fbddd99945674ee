import { describe, expect, it } from 'vitest';
import { isTimeZone, startOfDay } from '../src/queries/day.js';

// "Today" is a query-time idea: the start of the calendar day in a time zone.

describe('startOfDay', () => {
  it('is UTC midnight in UTC', () => {
    expect(startOfDay(Date.UTC(2025, 9, 22, 13, 45, 12, 345), 'UTC')).toBe(Date.UTC(2025, 9, 22));
    expect(startOfDay(Date.UTC(2025, 9, 22), 'UTC')).toBe(Date.UTC(2025, 9, 22));
  });

  it('follows the zone: 20:00 UTC is already tomorrow in Shanghai', () => {
    expect(startOfDay(Date.UTC(2025, 9, 22, 20), 'Asia/Shanghai')).toBe(Date.UTC(2025, 9, 22, 16));
    expect(startOfDay(Date.UTC(2025, 9, 22, 15, 59, 59), 'Asia/Shanghai')).toBe(Date.UTC(2025, 9, 21, 16));
  });

  it('uses the offset at midnight on a day the clocks change', () => {
    // New York: 2 Nov 2025 falls back from UTC-4 to UTC-5 at 02:00; midnight was still UTC-4
    expect(startOfDay(Date.UTC(2025, 10, 2, 18), 'America/New_York')).toBe(Date.UTC(2025, 10, 2, 4));
    // 9 Mar 2025 springs forward at 02:00; midnight was UTC-5
    expect(startOfDay(Date.UTC(2025, 2, 9, 18), 'America/New_York')).toBe(Date.UTC(2025, 2, 9, 5));
  });

  it('knows real zones only', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
