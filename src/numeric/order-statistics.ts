/** Order statistics without sorting: what contrast limits and robust medians need, in expected linear time. */

/**
 * The k-th smallest (0-based) of the first `n` values, partially reordering
 * them: Hoare's selection, the middle value as the pivot.
 */
export function kthSmallest(values: Float64Array, k: number, n = values.length): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k];
}
