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
