// A small, safe markdown renderer for message text: bold, italic, inline code, code blocks, lists, headings and
// links. It parses into a tree and builds DOM nodes with textContent only, so no HTML or script in a message can
// ever run: a "<script>" in a message is shown as those characters. Links keep only http, https and mailto.
//
// A message is whatever a customer typed, so the parser must stay cheap on any text: it is linear in the text's
// length. Every search for a closing marker is a lookup in a table of "next position of X" built once per message,
// never a scan; nesting stops at MAX_NESTING levels, below which a marked span shows its content as characters; so
// each character is read at most once per level. `*_` x 8,000 cannot exhaust the stack, and `[` x 32,768 or
// `*a ` x 10,000 cost one pass instead of one pass per marker. test/markdown-reference.ts keeps the parser this
// replaced: the tests check both give the same tree on ordinary markdown.

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'b' | 'i'; c: Inline[] }
  | { t: 'code'; v: string }
  | { t: 'a'; href: string; c: Inline[] }
  | { t: 'br' };

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'ul' | 'ol'; items: Inline[][] }
  | { t: 'pre'; v: string };

/** How deep bold, italic and link text nest; deeper content is shown as its characters. */
export const MAX_NESTING = 16;

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
const WEB_LINK = /^https?:\/\//i;

/** A link target in message text: http, https or mailto, else null. */
export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  return SAFE_LINK.test(trimmed) ? trimmed : null;
}

/** An attachment's URL, to download or show: http or https only, else null (the name is then shown as text). */
export function webHref(url: string): string | null {
  const trimmed = url.trim();
  return WEB_LINK.test(trimmed) ? trimmed : null;
}

const SPACE = /\s/;
const WORD = /[\p{L}\p{N}]/u;
const isSpace = (c: string | undefined) => c !== undefined && SPACE.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/**
 * After a marker ending at `markerEnd`: one or more whitespace characters, then the rest of the line, which must not
 * hold U+2028 or U+2029 (the line terminators a regular expression's `.` refuses). Where the rest starts, or -1.
 */
function afterMarker(line: string, markerEnd: number): number {
  let i = markerEnd;
  while (i < line.length && isSpace(line[i])) i++;
  if (i === markerEnd) return -1;
  return line.indexOf('\u2028', i) >= 0 || line.indexOf('\u2029', i) >= 0 ? -1 : i;
}

/** `# Title` to `###### Title`: the level and where the title starts in the line, or null. */
function heading(line: string): { level: number; from: number } | null {
  let level = 0;
  while (level < line.length && line[level] === '#') level++;
  if (level < 1 || level > 6) return null;
  const from = afterMarker(line, level);
  return from < 0 ? null : { level, from };
}

/** `- item`, `* item`, `+ item` (bullet) or `1. item`, `1) item` (numbered), after any indentation. */
function listItem(line: string): { kind: 'ul' | 'ol'; from: number } | null {
  let i = 0;
  while (i < line.length && isSpace(line[i])) i++;
  const c = line[i];
  if (c === '-' || c === '*' || c === '+') {
    const from = afterMarker(line, i + 1);
    return from < 0 ? null : { kind: 'ul', from };
  }
  const digits = i;
  while (isDigit(line[i])) i++;
  if (i === digits || (line[i] !== '.' && line[i] !== ')')) return null;
  const from = afterMarker(line, i + 1);
  return from < 0 ? null : { kind: 'ol', from };
}

export function parse(text: string): Block[] {
  const source = text.replace(/\r\n?/g, '\n');
  const lines = source.split('\n');
  // Where each line starts in `source`: the inline parser reads spans of the whole text, with tables built once.
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; at += lines[i]!.length + 1, i++) starts.push(at);
  let spans: InlineParser | null = null;
  const inlineOf = (line: number, from = 0): Inline[] => (spans ??= inlineParser(source))(starts[line]! + from, starts[line]! + lines[line]!.length);
  const blocks: Block[] = [];
  let paragraph: number[] = [];
  const flush = () => {
    if (paragraph.length) {
      const c: Inline[] = [];
      paragraph.forEach((line, i) => {
        if (i > 0) c.push({ t: 'br' });
        for (const node of inlineOf(line)) c.push(node);
      });
      blocks.push({ t: 'p', c });
    }
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith('```')) {
      flush();
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith('```')) code.push(lines[i++]!);
      blocks.push({ t: 'pre', v: code.join('\n') });
      continue;
    }
    const h = heading(line);
    if (h) {
      flush();
      blocks.push({ t: 'h', level: h.level, c: inlineOf(i, h.from) });
      continue;
    }
    const li = listItem(line);
    if (li) {
      flush();
      const last = blocks[blocks.length - 1];
      const item = inlineOf(i, li.from);
      if (last && last.t === li.kind) last.items.push(item);
      else blocks.push({ t: li.kind, items: [item] });
      continue;
    }
    if (line.trim() === '') flush();
    else paragraph.push(i);
  }
  flush();
  return blocks;
}

/**
 * For each position p of a text, the first position >= p where `at` holds (the text's length when none): built in one
 * pass from the end, so "where is the next closing marker" is one lookup.
 */
function nextWhere(n: number, at: (i: number) => boolean): Int32Array {
  const next = new Int32Array(n + 2);
  next[n] = next[n + 1] = n;
  for (let i = n - 1; i >= 0; i--) next[i] = at(i) ? i : next[i + 1]!;
  return next;
}

/**
 * Inline markup: `code`, **bold**, __bold__, *italic*, _italic_, [text](url). Unmatched markers stay text.
 * The rules, each the first that applies at a position:
 * - `_` just after a letter or digit is a character (order_id_123);
 * - `` `x` ``: a backtick, one or more other characters, the next backtick;
 * - `**x**` / `__x__`: x starts and ends with a non-space, and ends at the first such closing pair;
 * - `*x*` / `_x_`: the same with one marker, whose closing one is not followed by `*` or `_`;
 * - `[text](url)`: text without `]`, url without `)` or whitespace; a url that is not http, https or mailto
 *   leaves the text (unparsed) and drops the rest.
 */
export function inline(text: string): Inline[] {
  return inlineParser(text)(0, text.length);
}

/** Reads the inline markup of a span [start, end) of `text`. */
type InlineParser = (start: number, end: number) => Inline[];

function inlineParser(text: string): InlineParser {
  const n = text.length;
  const nonSpace = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    nonSpace[i] = c < 128 ? (c === 32 || (c >= 9 && c <= 13) ? 0 : 1) : SPACE.test(text[i]!) ? 0 : 1; // \s, ASCII first
  }
  const code = nextWhere(n, (i) => text[i] === '`');
  const bracket = nextWhere(n, (i) => text[i] === ']');
  const urlEnd = nextWhere(n, (i) => text[i] === ')' || !nonSpace[i]);
  // A closing pair ** or __ at j: j-1 is a non-space.
  const bold = (d: string) => nextWhere(n, (i) => i > 0 && text[i] === d && text[i + 1] === d && nonSpace[i - 1] === 1);
  // A closing * or _ at j: j-1 is a non-space and j+1 is neither * nor _ (or is the end of the text).
  const italicCloses = (d: string) => (i: number) => i > 0 && text[i] === d && nonSpace[i - 1] === 1;
  const notEmphasis = (i: number) => i >= n || (text[i] !== '*' && text[i] !== '_');
  const italic = (d: string) => { const closes = italicCloses(d); return nextWhere(n, (i) => closes(i) && notEmphasis(i + 1)); };
  const tables = { boldStar: bold('*'), boldUnder: bold('_'), italicStar: italic('*'), italicUnder: italic('_') };

  /** The end of the marked span [i, ...) of `d` within [i, end), or -1. */
  const closeBold = (d: string, i: number, end: number) => {
    if (i + 2 >= end || !nonSpace[i + 2]) return -1;
    const j = (d === '*' ? tables.boldStar : tables.boldUnder)[i + 3]!;
    return j + 2 <= end ? j : -1;
  };
  const closeItalic = (d: string, i: number, end: number) => {
    if (i + 1 >= end || !nonSpace[i + 1]) return -1;
    const j = (d === '*' ? tables.italicStar : tables.italicUnder)[i + 2]!;
    if (j < end - 1) return j;
    // At the end of the span nothing follows the closing marker, whatever follows it in the whole line.
    return end - 1 >= i + 2 && italicCloses(d)(end - 1) ? end - 1 : -1;
  };

  const span = (start: number, end: number, depth: number): Inline[] => {
    if (depth >= MAX_NESTING) return [{ t: 'text', v: text.slice(start, end) }];
    const out: Inline[] = [];
    let plainFrom = start;
    let plain = '';
    const push = (node: Inline, from: number, to: number) => {
      plain += text.slice(plainFrom, from);
      if (plain) out.push({ t: 'text', v: plain });
      plain = '';
      out.push(node);
      plainFrom = to;
    };
    let i = start;
    while (i < end) {
      const c = text[i]!;
      if (c === '_' && i > start && WORD.test(text[i - 1]!)) { i++; continue; } // order_id_123 is not emphasis
      if (c === '`') {
        const j = code[i + 1]!;
        if (j > i + 1 && j < end) { push({ t: 'code', v: text.slice(i + 1, j) }, i, j + 1); i = j + 1; continue; }
      }
      if ((c === '*' || c === '_') && text[i + 1] === c) {
        const j = closeBold(c, i, end);
        if (j >= 0) { push({ t: 'b', c: span(i + 2, j, depth + 1) }, i, j + 2); i = j + 2; continue; }
      }
      if (c === '*' || c === '_') {
        const j = closeItalic(c, i, end);
        if (j >= 0) { push({ t: 'i', c: span(i + 1, j, depth + 1) }, i, j + 1); i = j + 1; continue; }
      }
      if (c === '[') {
        const k = bracket[i + 1]!;
        if (k > i + 1 && k + 1 < end && text[k + 1] === '(') {
          const m = urlEnd[k + 2]!;
          if (m > k + 2 && m < end && text[m] === ')') {
            const href = safeHref(text.slice(k + 2, m));
            if (href) push({ t: 'a', href, c: span(i + 1, k, depth + 1) }, i, m + 1);
            else { plain += text.slice(plainFrom, i) + text.slice(i + 1, k); plainFrom = m + 1; } // an unsafe link keeps its text, loses its target
            i = m + 1;
            continue;
          }
        }
      }
      i++;
    }
    plain += text.slice(plainFrom, end);
    if (plain) out.push({ t: 'text', v: plain });
    return out;
  };
  return (start, end) => (start < end ? span(start, end, 0) : []);
}

/** Builds DOM from the tree; `mark` splits text for keyword highlighting. */
export function render(text: string, doc: Document, mark?: (text: string) => Node[]): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  const textNodes = (v: string): Node[] => (mark ? mark(v) : [doc.createTextNode(v)]);
  const inlines = (parent: Node, nodes: Inline[]) => {
    for (const node of nodes) {
      switch (node.t) {
        case 'text': textNodes(node.v).forEach((n) => parent.appendChild(n)); break;
        case 'br': parent.appendChild(doc.createElement('br')); break;
        case 'code': { const el = doc.createElement('code'); el.textContent = node.v; parent.appendChild(el); break; }
        case 'b': case 'i': { const el = doc.createElement(node.t === 'b' ? 'strong' : 'em'); inlines(el, node.c); parent.appendChild(el); break; }
        case 'a': {
          const el = doc.createElement('a');
          el.href = node.href;
          el.target = '_blank';
          el.rel = 'noopener noreferrer nofollow';
          inlines(el, node.c);
          parent.appendChild(el);
          break;
        }
      }
    }
  };
  for (const block of parse(text)) {
    switch (block.t) {
      case 'p': { const el = doc.createElement('p'); inlines(el, block.c); fragment.appendChild(el); break; }
      case 'h': { const el = doc.createElement(`h${Math.min(6, block.level + 2)}`); inlines(el, block.c); fragment.appendChild(el); break; }
      case 'pre': { const el = doc.createElement('pre'); el.textContent = block.v; fragment.appendChild(el); break; }
      case 'ul': case 'ol': {
        const list = doc.createElement(block.t);
        for (const item of block.items) { const li = doc.createElement('li'); inlines(li, item); list.appendChild(li); }
        fragment.appendChild(list);
        break;
      }
    }
  }
  return fragment;
}
