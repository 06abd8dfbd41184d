export { COLORMAP_NAMES, colormap, percentiles, toIndices, renderRgba, scaleFraction, type ColormapName, type DisplayOptions } from './render.js';
export { linearTicks, scaleTicks, tickLabel, type Tick } from './ticks.js';
export { composeFigure, type Figure, type FigureInput, type FigureText } from './figure.js';
