// The dashboard's other small icons, drawn like the channel icons (channelIcon.ts): inline SVGs in the text's
// colour, because emoji need an emoji font that a browser such as Debian's Chromium may not have.

const SVG = 'http://www.w3.org/2000/svg';

/** One stroked path per icon on a 16 × 16 grid. */
const PATHS = {
  bell: 'M4 11.5V7a4 4 0 0 1 8 0v4.5l1.5 1.5h-11z M6.5 13.5a1.5 1.5 0 0 0 3 0',
  'bell-off': 'M4 11.5V7a4 4 0 0 1 8 0v4.5l1.5 1.5h-11z M6.5 13.5a1.5 1.5 0 0 0 3 0 M2 2l12 12',
  mic: 'M6 3a2 2 0 0 1 4 0v4.5a2 2 0 0 1-4 0z M3.5 7.5a4.5 4.5 0 0 0 9 0 M8 12v2.5 M5.5 14.5h5',
  download: 'M8 2v8.5 M4.5 7 8 10.5 11.5 7 M2.5 13.5h11',
} as const;

export type IconName = keyof typeof PATHS;

/** A decorative icon (the words beside it say what it means). */
export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [key, value] of Object.entries({
    class: 'icon', viewBox: '0 0 16 16', width: '14', height: '14', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.4',
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false', 'data-icon': name,
  })) svg.setAttribute(key, value);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', PATHS[name]);
  svg.append(path);
  return svg;
}
