/** Order statistics for the benchmark reports. */

/** The finite values, sorted ascending. */
export const finite = (values) => values.filter(Number.isFinite).sort((a, b) => a - b)

export function median(values) {
  const v = finite(values)
  if (v.length === 0) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** Nearest-rank percentile of a sorted array. */
export const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]

/**
 * A distribution-free 95% confidence interval for the median: the order statistics whose ranks the
 * binomial(n, 1/2) distribution puts around n/2 (normal approximation), so it assumes nothing about the
 * values' distribution, only that the samples are independent. Null under 6 samples, where it would be
 * the whole range.
 */
export function medianInterval(values) {
  const v = finite(values)
  if (v.length < 6) return null
  const half = 0.98 * Math.sqrt(v.length)
  const lo = Math.max(0, Math.floor(v.length / 2 - half) - 1)
  const hi = Math.min(v.length - 1, Math.ceil(v.length / 2 + half))
  return [v[lo], v[hi]]
}
