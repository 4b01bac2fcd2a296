// Channel icons drawn as small inline SVGs shipped with the dashboard (monochrome, in the text's colour), so they show
// in any browser: emoji need an emoji font, which a browser such as Debian's Chromium may not have.

const SVG = 'http://www.w3.org/2000/svg';

/** One path per channel on a 16 × 16 grid, stroked. */
const PATHS: Record<string, string> = {
  web: 'M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13z M1.5 8h13 M8 1.5c-2.4 2.2-2.4 10.8 0 13 M8 1.5c2.4 2.2 2.4 10.8 0 13',
  phone: 'M4 1.8h2l1.2 3.2-1.6 1.1a7.5 7.5 0 0 0 4.3 4.3L11 8.8l3.2 1.2v2a2 2 0 0 1-2 2A10.4 10.4 0 0 1 1.8 3.8a2 2 0 0 1 2.2-2z',
  telegram: 'M14.5 2 1.5 7.3l4.6 1.6L7.7 13.5l2.4-2.9 3 2.4z M6.1 8.9 14.5 2',
  whatsapp: 'M2.2 13.8l.9-3A6.2 6.2 0 1 1 5.4 13z M6 5.5c0 2.6 1.9 4.5 4.5 4.5',
  mobile_sdk: 'M5 1.5h6a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1v-11a1 1 0 0 1 1-1z M7 12.2h2',
  sip: 'M2 6.5a6 6 0 0 1 12 0v1h-3V6H5v1.5H2z M4.2 9h7.6l1.2 4.5H3z M8 10.7v1.2',
  messenger: 'M8 1.5c3.6 0 6.5 2.6 6.5 6s-2.9 6-6.5 6c-.7 0-1.3-.1-1.9-.3L3 14.5v-2.6a5.8 5.8 0 0 1-1.5-4.4c0-3.4 2.9-6 6.5-6z M4.6 9.4 7 6.6l2 1.6 2.4-2.8',
  instagram: 'M4.5 1.5h7a3 3 0 0 1 3 3v7a3 3 0 0 1-3 3h-7a3 3 0 0 1-3-3v-7a3 3 0 0 1 3-3z M8 5.2a2.8 2.8 0 1 0 0 5.6a2.8 2.8 0 1 0 0-5.6z M11.8 4.2h.01',
  email: 'M2 3.5h12a.5.5 0 0 1 .5.5v8a.5.5 0 0 1-.5.5H2a.5.5 0 0 1-.5-.5V4a.5.5 0 0 1 .5-.5z M1.8 4.2 8 9l6.2-4.8',
  sms: 'M2.5 2.5h11a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H7.2l-3.2 2.5v-2.5H2.5a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1z M5 7h.01 M8 7h.01 M11 7h.01',
  line: 'M8 2c3.6 0 6.5 2.3 6.5 5.2s-2.9 5.3-6.5 5.3h-.6L5 14.5v-2.4C3 11.4 1.5 9.4 1.5 7.2 1.5 4.3 4.4 2 8 2z M5.2 5.8v2.8h1.4 M8.2 5.8v2.8 M10 8.6V5.8l1.6 2.8V5.8',
  viber: 'M3.5 2.5h9a2 2 0 0 1 2 2v5.5a2 2 0 0 1-2 2H7.5l-2.5 2.5v-2.5H3.5a2 2 0 0 1-2-2V4.5a2 2 0 0 1 2-2z M8.5 4.5a2.5 2.5 0 0 1 2.5 2.5 M8.5 6.2a.8.8 0 0 1 .8.8',
};

/** For a channel the dashboard does not know: a link. */
const FALLBACK = 'M7 9a3 3 0 0 0 4.2 0l2-2A3 3 0 0 0 9 2.8l-1 1 M9 7a3 3 0 0 0-4.2 0l-2 2A3 3 0 0 0 7 13.2l1-1';

/** The channel's icon (decorative: the channel's name is written beside it). */
export function channelIcon(id: string | null | undefined): SVGSVGElement {
  const known = id != null && Object.hasOwn(PATHS, id);
  const svg = document.createElementNS(SVG, 'svg');
  for (const [name, value] of Object.entries({
    class: 'channel-icon', viewBox: '0 0 16 16', width: '16', height: '16', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.4',
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false', 'data-channel': known ? id : 'unknown',
  })) svg.setAttribute(name, value);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', known ? PATHS[id]! : FALLBACK);
  svg.append(path);
  return svg;
}
