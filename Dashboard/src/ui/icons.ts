// Small interface icons drawn as inline SVGs in the text's colour: emoji need an emoji font, which a browser such as
// Debian's Chromium on a plain machine does not have (it draws empty boxes). Decorative: a label is always beside them.

const SVG = 'http://www.w3.org/2000/svg';

/** One stroked path per icon on a 16 × 16 grid. */
const PATHS = {
  bell: 'M4 11.5V7a4 4 0 0 1 8 0v4.5l1.2 1.2H2.8z M6.6 14a1.5 1.5 0 0 0 2.8 0',
  bellOff: 'M4 11.5V7a4 4 0 0 1 8 0v4.5l1.2 1.2H2.8z M6.6 14a1.5 1.5 0 0 0 2.8 0 M2 2l12 12',
  microphone: 'M8 1.5a2 2 0 0 1 2 2v4a2 2 0 0 1-4 0v-4a2 2 0 0 1 2-2z M4 7.5a4 4 0 0 0 8 0 M8 11.5v3 M6 14.5h4',
  download: 'M8 2v8.5 M4.5 7 8 10.5 11.5 7 M2.5 13.5h11',
  gear: 'M8 5.5a2.5 2.5 0 1 0 0 5a2.5 2.5 0 1 0 0-5z M8 1.5v2 M8 12.5v2 M1.5 8h2 M12.5 8h2 M3.4 3.4l1.4 1.4 M11.2 11.2l1.4 1.4 M3.4 12.6l1.4-1.4 M11.2 4.8l1.4-1.4',
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [attribute, value] of Object.entries({
    class: 'icon', viewBox: '0 0 16 16', width: '14', height: '14', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.4',
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false', 'data-icon': name,
  })) svg.setAttribute(attribute, value);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', PATHS[name]);
  svg.append(path);
  return svg;
}
