import { describe, expect, it } from 'vitest';
import { inline, parse, safeHref } from '../src/markdown';

describe('markdown', () => {
  it('reads bold, italic, inline code and safe links', () => {
    expect(inline('**Order** is _late_, see `ABC-1` or [the page](https://example.com/o?id=1)')).toEqual([
      { t: 'b', c: [{ t: 'text', v: 'Order' }] },
      { t: 'text', v: ' is ' },
      { t: 'i', c: [{ t: 'text', v: 'late' }] },
      { t: 'text', v: ', see ' },
      { t: 'code', v: 'ABC-1' },
      { t: 'text', v: ' or ' },
      { t: 'a', href: 'https://example.com/o?id=1', c: [{ t: 'text', v: 'the page' }] },
    ]);
  });

  it('never makes a link of javascript:, data: or relative targets', () => {
    expect(inline('[click](javascript:alert(1))')).toEqual([{ t: 'text', v: 'click)' }]);
    expect(inline('[click](javascript:alert)')).toEqual([{ t: 'text', v: 'click' }]);
    expect(inline('[x](data:text/html;base64,PHNjcmlwdD4=)')).toEqual([{ t: 'text', v: 'x' }]);
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref('mailto:help@example.com')).toBe('mailto:help@example.com');
  });

  it('keeps HTML as text: a script tag is characters, not markup', () => {
    const blocks = parse('<script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(blocks).toEqual([{ t: 'p', c: [{ t: 'text', v: '<script>alert(1)</script> <img src=x onerror=alert(1)>' }] }]);
  });

  it('reads lists, headings, code blocks and paragraphs', () => {
    expect(parse('# Steps\n- one\n- **two**\n\n1. first\n2. second\n\n```\nlet x = 1;\n```\nline one\nline two')).toEqual([
      { t: 'h', level: 1, c: [{ t: 'text', v: 'Steps' }] },
      { t: 'ul', items: [[{ t: 'text', v: 'one' }], [{ t: 'b', c: [{ t: 'text', v: 'two' }] }]] },
      { t: 'ol', items: [[{ t: 'text', v: 'first' }], [{ t: 'text', v: 'second' }]] },
      { t: 'pre', v: 'let x = 1;' },
      { t: 'p', c: [{ t: 'text', v: 'line one' }, { t: 'br' }, { t: 'text', v: 'line two' }] },
    ]);
  });

  it('leaves unmatched markers as text', () => {
    expect(inline('2 * 3 = 6 and order_id_123')).toEqual([{ t: 'text', v: '2 * 3 = 6 and order_id_123' }]);
    expect(inline('**not closed')).toEqual([{ t: 'text', v: '**not closed' }]);
  });
});
