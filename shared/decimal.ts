/** Numbers as people and our own files write them: plain decimals. */

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A plain decimal number ("12", "-1", "0.5"), or null. Hex, octal, binary,
 * exponents, "Infinity" and empty text are not numbers here: Number() reads
 * "0x64" as 100 and "" as 0.
 */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}
