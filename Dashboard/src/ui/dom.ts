// A tiny DOM helper: every text goes through textContent / text nodes, never innerHTML.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'class') el.className = String(value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]) {
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(el: Element): Element {
  el.replaceChildren();
  return el;
}

/** Text with keyword matches wrapped in <mark>. */
export function marked(parts: { text: string; match: boolean }[]): Node[] {
  return parts.map((p) => (p.match ? h('mark', {}, p.text) : document.createTextNode(p.text)));
}

export interface Option { value: string; label: string }

/**
 * A multi-select with checkboxes in a drop-down; "Select All" when asked. No value selected means "all", as the
 * engine reads an empty filter.
 */
export function multiSelect(label: string, options: Option[], selected: string[], onChange: (values: string[]) => void, selectAll = false): HTMLElement {
  const chosen = new Set(selected);
  const summary = h('summary', { 'aria-label': label }, h('span', { class: 'ms-label' }, label), h('span', { class: 'ms-value' }, summaryText()));
  function summaryText(): string {
    if (chosen.size === 0) return 'All';
    if (chosen.size === 1) return options.find((o) => chosen.has(o.value))?.label ?? [...chosen][0]!;
    return `${chosen.size} selected`;
  }
  const update = () => {
    summary.querySelector('.ms-value')!.textContent = summaryText();
    onChange([...chosen]);
  };
  const boxes: HTMLInputElement[] = [];
  const list = h('div', { class: 'ms-options', role: 'group', 'aria-label': label });
  if (selectAll) {
    const all = h('input', { type: 'checkbox', checked: chosen.size === 0 || chosen.size === options.length }) as HTMLInputElement;
    all.addEventListener('change', () => {
      chosen.clear();
      if (all.checked) options.forEach((o) => chosen.add(o.value));
      boxes.forEach((b) => (b.checked = all.checked));
      update();
    });
    list.appendChild(h('label', { class: 'ms-all' }, all, 'Select All'));
  }
  for (const option of options) {
    const box = h('input', { type: 'checkbox', value: option.value, checked: chosen.has(option.value) }) as HTMLInputElement;
    box.addEventListener('change', () => {
      if (box.checked) chosen.add(option.value); else chosen.delete(option.value);
      update();
    });
    boxes.push(box);
    list.appendChild(h('label', {}, box, option.label));
  }
  if (options.length === 0) list.appendChild(h('p', { class: 'muted' }, 'Nothing to choose yet'));
  return h('details', { class: 'multi-select', 'data-filter': label }, summary, list);
}

/**
 * Redraws a filter bar without taking it from under the user: the dropdowns that were open stay open, and the field
 * with focus (the keyword being typed) keeps it and its caret. A filter bar is redrawn when a new snapshot arrives,
 * which may be just after someone opened a dropdown.
 */
export function redrawKeepingState(container: HTMLElement, draw: () => void) {
  const open = new Set([...container.querySelectorAll<HTMLDetailsElement>('details[data-filter][open]')].map((d) => d.dataset.filter));
  const focused = document.activeElement instanceof HTMLInputElement && container.contains(document.activeElement) ? document.activeElement : null;
  const label = focused?.getAttribute('aria-label');
  const caret = focused && focused.type === 'search' ? [focused.selectionStart, focused.selectionEnd] as const : null;
  draw();
  for (const details of container.querySelectorAll<HTMLDetailsElement>('details[data-filter]')) if (open.has(details.dataset.filter)) details.open = true;
  if (label) {
    const again = container.querySelector<HTMLInputElement>(`input[aria-label="${CSS.escape(label)}"]`);
    again?.focus();
    if (again && caret) again.setSelectionRange(caret[0], caret[1]);
  }
}

/** A modal dialog with a form; resolves when submitted (onSubmit may throw to show the server's refusal). */
export function formDialog(title: string, fields: HTMLElement[], submitLabel: string, onSubmit: (form: FormData) => Promise<void>): HTMLDialogElement {
  const error = h('p', { class: 'dialog-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const form = h('form', { method: 'dialog' },
    h('h2', {}, title), ...fields, error,
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', class: 'cancel', onclick: () => dialog.close() }, 'Cancel'), submit));
  const dialog = h('dialog', { class: 'form-dialog', 'aria-label': title }, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      await onSubmit(new FormData(form));
      dialog.close();
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}

export function field(label: string, input: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}
