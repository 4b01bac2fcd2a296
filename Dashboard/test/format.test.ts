import { describe, expect, it } from 'vitest';
import { bytes, elapsed, highlight, milliseconds, percent, preview } from '../src/format';

describe('format', () => {
  const start = '2026-11-24T10:00:00Z';
  it('shows elapsed time as the seed does (12:34), with hours past an hour', () => {
    expect(elapsed(start, Date.parse('2026-11-24T10:12:34Z'))).toBe('12:34');
    expect(elapsed(start, Date.parse('2026-11-24T10:00:05Z'))).toBe('0:05');
    expect(elapsed(start, Date.parse('2026-11-24T11:02:03Z'))).toBe('1:02:03');
    expect(elapsed(start, Date.parse('2026-11-24T09:59:00Z'))).toBe('0:00');
  });

  it('cuts previews at 80 characters with an ellipsis, counting characters not UTF-16 units', () => {
    const long = 'a'.repeat(100);
    expect(preview(long)).toHaveLength(80);
    expect(preview(long).endsWith('…')).toBe(true);
    expect(preview('short')).toBe('short');
    const emoji = '😀'.repeat(81);
    expect([...preview(emoji)]).toHaveLength(80);
  });

  it('highlights every case-insensitive match of the keyword', () => {
    expect(highlight('Refund? refund!', 'REFUND')).toEqual([
      { text: 'Refund', match: true }, { text: '? ', match: false }, { text: 'refund', match: true }, { text: '!', match: false }]);
    expect(highlight('nothing here', 'x')).toEqual([{ text: 'nothing here', match: false }]);
    expect(highlight('text', undefined)).toEqual([{ text: 'text', match: false }]);
  });

  it('formats sizes, durations and rates', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(2048)).toBe('2.0 KB');
    expect(bytes(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(bytes(null)).toBe('size unknown');
    expect(milliseconds(850)).toBe('850 ms');
    expect(milliseconds(12_300)).toBe('12.3 s');
    expect(milliseconds(null)).toBe('—');
    expect(percent(0.25)).toBe('25 %');
    expect(percent(0.05)).toBe('5.0 %');
  });
});
