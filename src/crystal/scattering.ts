/**
 * Electron scattering factors of the elements: International Tables Vol. C
 * Table 4.3.2.2 (five Gaussians; generated from gemmi's copy into
 * `data/scattering-factors.ts`).
 */
import { ELECTRON_SCATTERING_C4322 } from './data/scattering-factors.js';
import { exp } from './exact-math.js';

export interface ScatteringFactor {
  symbol: string;
  z: number;
  a: readonly number[];
  b: readonly number[];
}

let table: Map<string, ScatteringFactor> | undefined;

function elements(): Map<string, ScatteringFactor> {
  if (!table) {
    table = new Map();
    for (const [symbol, z, ...coefs] of ELECTRON_SCATTERING_C4322) {
      table.set(symbol.toLowerCase(), { symbol, z, a: coefs.slice(0, 5), b: coefs.slice(5, 10) });
    }
  }
  return table;
}

/** The element of a symbol (`Cu`, `CU`, `cu`), or undefined. Deuterium counts as hydrogen. */
export function scatteringFactorOf(symbol: string): ScatteringFactor | undefined {
  const key = symbol.toLowerCase();
  return elements().get(key === 'd' ? 'h' : key);
}

/** f(s) in Å at s = sin θ / λ (Å⁻¹), from s². */
export function electronScatteringFactor(sf: ScatteringFactor, s2: number): number {
  let f = 0;
  for (let i = 0; i < 5; i++) f += sf.a[i] * exp(-sf.b[i] * s2);
  return f;
}

/**
 * The element and charge of a CIF type symbol or label: `Fe2+` is Fe with
 * charge +2, `O2-` and `O-2` are O with −2, `Cu1` (a label) is Cu.
 */
export function parseTypeSymbol(text: string): { element: string; charge: number } | undefined {
  const m = /^([A-Za-z]{1,2})(?:(\d+)([+-])|([+-])(\d*))?/.exec(text.trim());
  if (!m) return undefined;
  const chargeOf = () => {
    if (m[3]) return (m[3] === '-' ? -1 : 1) * (m[2] ? Number(m[2]) : 1);
    if (m[4]) return (m[4] === '-' ? -1 : 1) * (m[5] ? Number(m[5]) : 1);
    return 0;
  };
  const letters = m[1];
  // Two letters only when they name an element (e.g. "Cu"), else the first one ("C1a", "OH").
  const two = letters.length === 2 ? scatteringFactorOf(letters) : undefined;
  if (two && (letters[1] === letters[1].toLowerCase() || !scatteringFactorOf(letters[0]))) {
    return { element: two.symbol, charge: letters.length === m[1].length ? chargeOf() : 0 };
  }
  const one = scatteringFactorOf(letters[0]);
  if (!one) return undefined;
  return { element: one.symbol, charge: letters.length === 1 ? chargeOf() : 0 };
}
