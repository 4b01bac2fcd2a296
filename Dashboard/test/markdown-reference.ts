// The renderer's parser as it was at 4b922fa, before it was made linear: kept only as the reference the tests
// compare the new parser with on ordinary markdown (it recurses without a limit and is quadratic on some texts, so
// never give it the adversarial inputs). Not part of the dashboard.
//
// A small, safe markdown renderer for message text: bold, italic, inline code, code blocks, lists, headings and
// links. It parses into a tree and builds DOM nodes with textContent only, so no HTML or script in a message can
// ever run: a "<script>" in a message is shown as those characters. Links keep only http, https and mailto.

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

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  return SAFE_LINK.test(trimmed) ? trimmed : null;
}

export function parse(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push({ t: 'p', c: inlineLines(paragraph) });
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
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push({ t: 'h', level: heading[1]!.length, c: inline(heading[2]!) });
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (bullet || numbered) {
      flush();
      const kind = bullet ? 'ul' : 'ol';
      const last = blocks[blocks.length - 1];
      const item = inline((bullet ?? numbered)![1]!);
      if (last && last.t === kind) last.items.push(item);
      else blocks.push({ t: kind, items: [item] });
      continue;
    }
    if (line.trim() === '') flush();
    else paragraph.push(line);
  }
  flush();
  return blocks;
}

function inlineLines(lines: string[]): Inline[] {
  const out: Inline[] = [];
  lines.forEach((line, i) => {
    if (i > 0) out.push({ t: 'br' });
    out.push(...inline(line));
  });
  return out;
}

/** Inline markup: `code`, **bold**, __bold__, *italic*, _italic_, [text](url). Unmatched markers stay text. */
export function inline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const push = (node: Inline) => {
    if (plain) out.push({ t: 'text', v: plain });
    plain = '';
    out.push(node);
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if (text[i] === '_' && i > 0 && /[\p{L}\p{N}]/u.test(text[i - 1]!)) {
      plain += text[i]; // an underscore inside a word (order_id_123) is not emphasis
      i++;
      continue;
    }
    if ((m = /^`([^`]+)`/.exec(rest))) {
      push({ t: 'code', v: m[1]! });
    } else if ((m = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(rest))) {
      push({ t: 'b', c: inline(m[2]!) });
    } else if ((m = /^(\*|_)(?=\S)([\s\S]*?\S)\1(?![*_])/.exec(rest))) {
      push({ t: 'i', c: inline(m[2]!) });
    } else if ((m = /^\[([^\]]+)\]\(([^)\s]+)\)/.exec(rest))) {
      const href = safeHref(m[2]!);
      if (href) push({ t: 'a', href, c: inline(m[1]!) });
      else plain += m[1]!; // an unsafe link keeps its text, loses its target
    } else {
      plain += text[i];
      i++;
      continue;
    }
    i += m[0].length;
  }
  if (plain) out.push({ t: 'text', v: plain });
  return out;
}
