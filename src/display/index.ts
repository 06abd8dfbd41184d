export { COLORMAP_NAMES, colormap, percentiles, toIndices, renderRgba, type ColormapName, type DisplayOptions } from './render.js';
